"""Smoke test of bench/semantic.py: it builds both indexes, times the three ways of asking, and reports."""

from __future__ import annotations

from bench import semantic


def test_semantic_bench_reports_build_and_ask_costs():
    result = semantic.run(rounds=1, limit=3)
    assert result["questions"] == 3
    assert result["passages"] == 55
    assert set(result["ask_ms_p50"]) == {"off", "cached", "new", "new_words_sentences", "dense", "sentences"}
    assert all(v > 0 for v in result["ask_ms_p50"].values())
    assert result["build"]["lexical_s"] > 0 and result["build"]["semantic_s"] > 0
    text = semantic.table(result)
    assert text.startswith("| | reranker off | on, repeated question | on, new question |")
    assert "Seed index build (55 passages):" in text
    assert "Of a new question: dense search " in text and "answer sentences scored by meaning" in text


def test_beir_rerank_measurement_on_a_tiny_dataset(tmp_path, monkeypatch):
    import bench.scale
    from tests.test_beir import write_dataset

    write_dataset(tmp_path / "beir")
    monkeypatch.setattr(bench.scale, "CACHE", tmp_path / "cache")
    result = semantic.scifact(tmp_path / "beir", weights=(0.0, 2.0), depths=(1, 3), dense_depths=(0, 2))
    assert (result["queries"], result["documents"]) == (2, 3)
    assert [(r["depth"], r["weight"]) for r in result["rows"]] == [(1, 0.0), (1, 2.0), (3, 0.0), (3, 2.0)]
    assert all(r["ndcg@10"] == 1.0 for r in result["rows"])  # each query's one relevant document leads
    assert result["encoder_only_ndcg@10"] == 1.0
    assert [(r["dense"], r["weight"]) for r in result["fusion"]] == [
        (0, 1.0),
        (0, 2.0),
        (0, 4.0),
        (2, 1.0),
        (2, 2.0),
        (2, 4.0),
    ]
    assert all(r["ndcg@10"] == 1.0 for r in result["fusion"])
    assert result["rrf_k60_ndcg@10"] == 1.0
    assert (tmp_path / "cache" / f"scifact-minilm-{result['precision']}-3.npy").exists()
