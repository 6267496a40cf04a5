"""Smoke test of the retrieval benchmark on a small generated BEIR dataset."""

from __future__ import annotations

import json

import pytest

from bench import retrieval


def write_generated(root, n_docs=120, n_queries=8):
    words = [f"{a}{b}" for a in ("calf", "knee", "heel", "tendon", "muscle", "strain") for b in ("", "s", "ing")]
    docs, queries, qrels = [], [], []
    for i in range(n_docs):
        text = " ".join(words[(i * 7 + j * 3) % len(words)] for j in range(6)) + f" marker{i}"
        docs.append({"_id": f"d{i}", "title": "", "text": text})
    for q in range(n_queries):
        queries.append({"_id": f"q{q}", "text": f"marker{q * 5} muscles tendons"})
        qrels.append(f"q{q}\td{q * 5}\t1")
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    (root / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries))
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "\n".join(qrels) + "\n")


def test_misspell_changes_one_word_per_query():
    out = retrieval.misspell({"q": "gastrocnemius strain hurts", "short": "a b"})
    assert out["short"] == "a b"
    changed = [(a, b) for a, b in zip(["gastrocnemius", "strain", "hurts"], out["q"].split(), strict=True) if a != b]
    assert len(changed) == 1 and changed[0][0] in {"gastrocnemius", "strain", "hurts"}


def test_glue_texts_only_removes_spaces_after_function_words():
    out = retrieval.glue_texts(["pain of the calf is bad"], rate=1.0)
    assert out == ["pain ofthecalf isbad"]


def test_bench_runs_end_to_end(tmp_path):
    pytest.importorskip("bm25s")
    pytest.importorskip("Stemmer")
    write_generated(tmp_path / "beir")
    variants = (("ours bm25", "bm25", {}), ("hybrid", "hybrid", {}))
    result = retrieval.run(tmp_path / "beir", rounds=1, variants=variants)
    systems = {(r["system"], r["queries_set"]) for r in result["rows"]}
    assert ("bm25s (lucene, PyStemmer)", "clean") in systems and ("rank-bm25 BM25Okapi", "typos") in systems
    assert ("hybrid", "glued docs, glue repair off") in systems
    ours = next(r for r in result["rows"] if r["system"] == "ours bm25" and r["queries_set"] == "clean")
    assert ours["ndcg@10"] == 1.0 and ours["queries"] == 8 and ours["qps_vs_bm25s"] > 0
    assert retrieval.table(result).count("\n") == len(result["rows"]) + 1
