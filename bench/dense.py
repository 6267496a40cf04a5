"""Exact vs approximate (usearch HNSW) dense search, side by side in one run: where the graph pays.

    python -m bench.dense --out bench/results/dense.json
    python -m bench.dense --vectors /tmp/qa-bench-cache/scifact-minilm-5183.npy --sizes 5000 50000 200000

Passage vectors are real ones when --vectors is given (SciFact's, cached by `bench.semantic --scifact`),
else unit vectors around 2,000 random centres (sentence vectors are clustered like that; uniformly random
384-d vectors are the worst case for a graph). Larger sizes repeat the base vectors with a little noise.
Questions are base vectors with more noise. For each size: the exact search as qa.vectors.semantic does it (one
matrix-vector product and a partition), the graph's build time, query time and recall of the exact top
20. One thread throughout (a gunicorn worker uses one).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

K = 20


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def base_vectors(path: Path | None, rng: np.random.Generator, dim: int = 384) -> np.ndarray:
    if path is not None:
        return _unit(np.load(path).astype(np.float32))
    centres = _unit(rng.standard_normal((2000, dim)))
    return _unit(centres[rng.integers(0, len(centres), 5000)] + 0.6 * _unit(rng.standard_normal((5000, dim))))


def vectors_of_size(base: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    reps = -(-n // len(base))
    noise = 0.15 / np.sqrt(base.shape[1])
    parts = [base if r == 0 else base + noise * rng.standard_normal(base.shape) for r in range(reps)]
    return _unit(np.concatenate(parts)[:n])


def exact_top(vectors: np.ndarray, q: np.ndarray, k: int = K) -> np.ndarray:
    scores = vectors @ q
    top = np.argpartition(-scores, k)[:k]
    return top[np.argsort(-scores[top])]


def measure(vectors: np.ndarray, questions: np.ndarray) -> dict[str, Any]:
    from qa.vectors import ann

    start = time.perf_counter()
    for q in questions:
        exact_top(vectors, q)
    exact_ms = (time.perf_counter() - start) / len(questions) * 1000
    truth = [set(exact_top(vectors, q).tolist()) for q in questions]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        meta = ann.build(vectors, Path(tmp))
        build_s = time.perf_counter() - start
        graph = ann.open_graph(Path(tmp), meta)
        start = time.perf_counter()
        found = [ann.search(graph, q, K) for q in questions]
        graph_ms = (time.perf_counter() - start) / len(questions) * 1000
        size = os.path.getsize(Path(tmp) / ann.FILE)
        del graph
    recall = float(np.mean([len(t & set(f)) / K for t, f in zip(truth, found, strict=True)]))
    return {
        "passages": len(vectors),
        "exact_ms": round(exact_ms, 3),
        "graph_ms": round(graph_ms, 3),
        "speedup": round(exact_ms / graph_ms, 2),
        "recall@20": round(recall, 4),
        "graph_build_s": round(build_s, 2),
        "graph_mib": round(size / 2**20, 1),
    }


def run(sizes: list[int], vectors: Path | None = None, questions: int = 200) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    base = base_vectors(vectors, rng)
    asked = _unit(base[rng.integers(0, len(base), questions)] + 0.05 * rng.standard_normal((questions, base.shape[1])))
    rows = []
    for n in sizes:
        rows.append(measure(vectors_of_size(base, n, rng), asked))
        print(json.dumps(rows[-1]), flush=True)
    return {"vectors": str(vectors) if vectors else "synthetic clusters", "questions": questions, "rows": rows}


def table(r: dict[str, Any]) -> str:
    lines = [
        "| passages | exact (ms) | graph (ms) | graph speed-up | recall@20 | graph build (s) | graph (MiB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in r["rows"]:
        lines.append(
            f"| {row['passages']:,} | {row['exact_ms']:.2f} | {row['graph_ms']:.2f} | {row['speedup']:.1f}× | "
            f"{row['recall@20']:.3f} | {row['graph_build_s']:.1f} | {row['graph_mib']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 20_000, 50_000, 100_000])
    parser.add_argument("--vectors", type=Path, help="an .npy of real passage vectors (default: synthetic)")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    result = run(args.sizes, args.vectors, args.questions)
    print(table(result))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
