"""Smoke test of the scale benchmark and its synthetic corpora on a tiny corpus (no timings checked)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from bench import scale, synth


def test_passages_are_deterministic_and_sized():
    a, b = synth.passages(50, seed=3), synth.passages(50, seed=3)
    assert a == b and a != synth.passages(50, seed=4)
    assert all(5 <= len(t.split()) <= 300 and t.endswith(".") and t[0].isupper() for t in a)


@pytest.mark.parametrize(("kind", "lo", "hi"), [("short", 2, 4), ("long", 15, 25)])
def test_questions_have_the_promised_length(kind, lo, hi):
    qs = synth.questions(40, kind)
    assert qs == synth.questions(40, kind)
    assert {len(q.split()) for q in qs} <= set(range(lo, hi + 1)) and all(q.endswith("?") for q in qs)


def test_every_worker_runs_on_a_tiny_corpus(tmp_path, monkeypatch):
    monkeypatch.setattr(scale, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(scale, "N_QUERIES", 4)
    monkeypatch.setattr(scale, "ROUNDS", 1)
    for system, modes in (("ours", {"bm25/short", "hybrid/long"}), ("bm25s", {"bm25/long"}),
                          ("qa", {"hybrid/short"})):  # fmt: skip
        built = scale.WORKERS[f"{system}-build"](150, tmp_path / system)
        served = scale.WORKERS[f"{system}-serve"](150, tmp_path / system)
        assert built["index_bytes"] > 0 and built["build_peak_rss"] > 0
        assert modes <= set(served) and served["serve"]["rss"] > 0
        assert all(served[m]["p50_ms"] <= served[m]["p99_ms"] for m in modes)
    assert len(list((tmp_path / "cache" / "synth-150-docs").glob("*.txt"))) == 2


def test_dense_workers_run_on_tiny_synthetic_vectors(tmp_path, monkeypatch):
    monkeypatch.setattr(scale, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(scale, "N_QUERIES", 4)
    monkeypatch.setattr(scale, "ROUNDS", 1)
    vectors = np.load(scale.dense_vectors(300))
    assert vectors.shape == (300, scale.DIM) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert np.array_equal(np.load(scale.dense_vectors(300)), vectors)  # cached, the same
    queries = scale.dense_queries(300)
    top = scale.exact_top(vectors, queries[0])
    assert top.tolist() == np.argsort(-(vectors @ queries[0]), kind="stable")[:10].tolist()
    systems = ["exact"] + (["ann"] if scale._has_usearch() else [])
    for system in systems:
        built = scale.WORKERS[f"{system}-build"](300, tmp_path / system)
        served = scale.WORKERS[f"{system}-serve"](300, tmp_path / system)
        assert built["index_bytes"] > 0 and served["serve"]["rss"] > 0
        assert served[f"dense/{system}"]["p50_ms"] <= served[f"dense/{system}"]["p99_ms"]
    if "ann" in systems:
        assert served["recall@10"] >= 0.9


def test_a_worker_over_its_memory_cap_is_recorded_not_killed(tmp_path, monkeypatch):
    monkeypatch.setattr(scale, "CACHE", tmp_path / "cache")
    monkeypatch.setenv("QA_BENCH_CACHE", str(tmp_path / "cache"))
    with pytest.raises(scale.OutOfMemory, match=r"ours-build n=150 needs more than 0.1 GiB"):
        scale.in_subprocess("ours-build", 150, tmp_path / "ours", memory_gib=0.1)
    lines = []
    result = scale.run([150], [], tmp_path / "work", log=lambda *a, **k: lines.append(a[0]), lexical=("ours",),
                       memory_gib=0.1)  # fmt: skip
    assert [(r["system"], r["n"], r["memory_gib"]) for r in result["rows"]] == [("ours", 150, 0.1)]
    assert "error" in result["rows"][0] and lines == ["scale n=150 ours: " + result["rows"][0]["error"]]


def test_large_corpora_are_generated_in_chunks_each_with_its_own_seed(tmp_path, monkeypatch):
    monkeypatch.setattr(scale, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(scale, "CHUNK", 20)
    texts = synth.read(scale.corpus_file(50))
    assert texts == synth.passages(20, seed=0) + synth.passages(20, seed=1) + synth.passages(10, seed=2)
    assert synth.read(scale.corpus_file(15)) == synth.passages(15)  # one chunk: as before


@pytest.mark.parametrize("stderr", ["MemoryError\n", "terminate called after throwing an instance of 'std::bad_alloc'",
                                    "OSError: [Errno 12] Cannot allocate memory",
                                    "SystemError: error return without exception set",
                                    "ImportError: libgomp.so.1: failed to map segment from shared object"])  # fmt: skip
def test_each_sign_of_a_failed_allocation_under_the_cap_is_out_of_memory(tmp_path, monkeypatch, stderr):
    died = subprocess.CompletedProcess([], 1, "", "Traceback (most recent call last):\n" + stderr)
    monkeypatch.setattr(scale.subprocess, "run", lambda *a, **k: died)
    with pytest.raises(scale.OutOfMemory, match=r"ours-build n=150 needs more than 0.5 GiB"):
        scale.in_subprocess("ours-build", 150, tmp_path, memory_gib=0.5)
    with pytest.raises(RuntimeError, match=r"ours-build n=150 failed") as uncapped:  # no cap: no such verdict
        scale.in_subprocess("ours-build", 150, tmp_path)
    assert not isinstance(uncapped.value, scale.OutOfMemory)
