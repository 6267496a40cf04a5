"""BEIR datasets (corpus.jsonl, queries.jsonl, qrels/test.tsv) loaded and scored with the engine:
nDCG@10 as trec_eval computes it (graded gains, log2 discount) and recall@100."""

from __future__ import annotations

import csv
import json
import math
import time
from pathlib import Path
from typing import Any

from qa.search.engine import Engine, EngineSettings


def load_beir(directory: Path) -> tuple[list[str], list[str], dict[str, str], dict[str, dict[str, int]]]:
    """(doc ids, texts as title + " " + text, test queries by id, test qrels query -> doc -> grade)."""
    directory = Path(directory)
    doc_ids, texts = [], []
    with open(directory / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            doc_ids.append(str(d["_id"]))
            texts.append(f"{d.get('title', '')} {d.get('text', '')}".strip())
    qrels: dict[str, dict[str, int]] = {}
    with open(directory / "qrels" / "test.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    queries = {}
    with open(directory / "queries.jsonl", encoding="utf-8") as f:
        for line in f:
            q = json.loads(line)
            if str(q["_id"]) in qrels:
                queries[str(q["_id"])] = q["text"]
    return doc_ids, texts, queries, qrels


def ndcg_at(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    """nDCG@k with linear gains (trec_eval ndcg_cut): sum grade / log2(rank + 1) over the ideal order."""
    dcg = sum(grades.get(d, 0) / math.log2(r + 2) for r, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: list[str], grades: dict[str, int], k: int = 100) -> float:
    """Share of the relevant (grade > 0) documents found in the first k."""
    relevant = {d for d, g in grades.items() if g > 0}
    return len(relevant.intersection(ranked[:k])) / len(relevant) if relevant else 0.0


def run_queries(engine: Engine, queries: dict[str, str], mode: str, k: int = 100) -> tuple[dict, float]:
    """(query id -> ranked doc positions, queries per second), one query at a time, one thread."""
    runs = {}
    engine.rank("warm up the lazy parts: a misspeled qurey", k, mode)  # not timed: first-use loading
    start = time.perf_counter()
    for qid, text in queries.items():
        runs[qid] = engine.rank(text, k, mode)[0]
    elapsed = time.perf_counter() - start
    return runs, len(queries) / elapsed if elapsed > 0 else float("inf")


def evaluate_beir(
    directory: Path, mode: str = "hybrid", engine_settings: EngineSettings | None = None
) -> dict[str, Any]:
    """{"ndcg@10", "recall@100", "qps", "queries"} of the engine on a BEIR test split."""
    doc_ids, texts, queries, qrels = load_beir(directory)
    engine = Engine.build(texts, engine_settings or EngineSettings())
    runs, qps = run_queries(engine, queries, mode)
    return score_runs(runs, doc_ids, qrels) | {"qps": qps}


def score_runs(runs: dict, doc_ids: list[str], qrels: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Mean nDCG@10 and recall@100 of ranked positions against qrels (queries without a run score 0)."""
    ndcg = recall = 0.0
    for qid, grades in qrels.items():
        ranked = [doc_ids[i] for i in runs.get(qid, [])]
        ndcg += ndcg_at(ranked, grades)
        recall += recall_at(ranked, grades)
    n = len(qrels)
    return {"ndcg@10": ndcg / n if n else 0.0, "recall@100": recall / n if n else 0.0, "queries": n}
