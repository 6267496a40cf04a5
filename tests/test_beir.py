"""BEIR loading and metrics: hand-computed nDCG@10 / recall@100, a tiny dataset, SciFact (slow)."""

from __future__ import annotations

import json
import math

import pytest

from qa.evaluation.beir import evaluate_beir, load_beir, ndcg_at, recall_at, score_runs


def test_ndcg_with_graded_gains():
    grades = {"a": 1, "c": 2, "d": 1, "z": 0}
    dcg = 1 / math.log2(2) + 2 / math.log2(4)  # a at rank 1, c at rank 3
    idcg = 2 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at(["a", "b", "c"], grades) == pytest.approx(dcg / idcg)


@pytest.mark.parametrize(
    ("ranked", "expected"),
    [(["a", "c"], 1.0), (["c", "a"], 1 / math.log2(3)), ([], 0.0), (["x"], 0.0)],
)
def test_ndcg_order_matters(ranked, expected):
    assert ndcg_at(ranked, {"a": 1, "c": 0}) == pytest.approx(expected)


def test_ndcg_cuts_at_k():
    grades = {"rel": 1}
    assert ndcg_at([f"x{i}" for i in range(10)] + ["rel"], grades) == 0.0
    assert ndcg_at([f"x{i}" for i in range(9)] + ["rel"], grades) == pytest.approx(1 / math.log2(11))


def test_recall_ignores_grade_zero_and_cuts_at_k():
    grades = {"a": 1, "b": 2, "c": 1, "n": 0}
    assert recall_at(["a", "n", "c"], grades) == pytest.approx(2 / 3)
    assert recall_at(["x"] * 100 + ["a"], grades) == 0.0
    assert recall_at(["a"], {"n": 0}) == 0.0


def test_score_runs_counts_missing_runs_as_zero():
    runs = {"q1": [0]}
    result = score_runs(runs, ["d0", "d1"], {"q1": {"d0": 1}, "q2": {"d1": 1}})
    assert result == {"ndcg@10": 0.5, "recall@100": 0.5, "queries": 2}


def write_dataset(root):
    docs = [
        {"_id": "d1", "title": "Calf pain", "text": "Calf pain comes from muscle strain."},
        {"_id": "d2", "title": "", "text": "The Achilles tendon joins the heel."},
        {"_id": "d3", "title": "Knees", "text": "Runners hurt their knees."},
    ]
    queries = [{"_id": "q1", "text": "achilles tendon"}, {"_id": "q2", "text": "calf strain"},
               {"_id": "q3", "text": "not in the test qrels"}]  # fmt: skip
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    (root / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td2\t1\nq2\td1\t2\n", encoding="utf-8")


def test_load_beir(tmp_path):
    write_dataset(tmp_path)
    doc_ids, texts, queries, qrels = load_beir(tmp_path)
    assert doc_ids == ["d1", "d2", "d3"]
    assert texts == ["Calf pain Calf pain comes from muscle strain.", "The Achilles tendon joins the heel.",
                     "Knees Runners hurt their knees."]  # fmt: skip
    assert queries == {"q1": "achilles tendon", "q2": "calf strain"}
    assert qrels == {"q1": {"d2": 1}, "q2": {"d1": 2}}


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "tfidf"])
def test_evaluate_tiny_dataset(tmp_path, mode):
    write_dataset(tmp_path)
    result = evaluate_beir(tmp_path, mode=mode)
    assert {k: result[k] for k in ("ndcg@10", "recall@100", "queries")} == {
        "ndcg@10": 1.0, "recall@100": 1.0, "queries": 2,
    }  # fmt: skip
    assert result["qps"] > 0


@pytest.mark.slow
def test_scifact_hybrid_does_not_lose_to_bm25(shared):
    scifact = shared / "beir" / "scifact"
    hybrid = evaluate_beir(scifact, mode="hybrid")
    assert hybrid["queries"] == 300
    assert hybrid["ndcg@10"] >= 0.685
    assert hybrid["recall@100"] >= 0.92
