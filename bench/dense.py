"""Exact vs approximate (usearch HNSW) dense search, side by side in one run: where the graph pays.

    python -m bench.dense --out bench/results/dense.json
    python -m bench.dense --vectors /tmp/qa-bench-cache/scifact-minilm-5183.npy --sizes 5000 50000 200000
    python -m bench.dense --vectors index/current/semantic/vectors.npy --sizes 10000 40000 100000 500000 \
        --graph-threads 2 --graph-threads-from 100000

Passage vectors are real ones when --vectors is given (SciFact's, cached by `bench.semantic --scifact`),
else unit vectors around 2,000 random centres (sentence vectors are clustered like that; uniformly random
384-d vectors are the worst case for a graph). Larger sizes repeat the base vectors with a little noise.
Questions are base vectors with more noise. For each size: the exact search as qa.vectors.semantic does it (one
matrix-vector product and a partition), and the graph `qa build` makes (qa.vectors.ann): its build time,
query time and recall of the exact top 20. Query times are the mean, p50 and p99 per question of each
question's fastest of ROUNDS runs (a busy neighbour's moment of CPU does not count as the search's). One
thread per search, BLAS included (a gunicorn worker uses one); graphs of sizes from --graph-threads-from are
linked on --graph-threads threads (bench only: a threaded link is not the same bytes twice, but searches as
fast; one thread links 500,000 vectors in several minutes).
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
from threadpoolctl import threadpool_limits

K = 20
ROUNDS = 3


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
    """The k nearest rows as qa.vectors.semantic.Reranker.nearest finds them without a graph."""
    cosine = vectors @ q
    kth = np.partition(cosine, len(cosine) - k)[len(cosine) - k]
    keep = np.flatnonzero(cosine >= kth)
    return keep[np.lexsort((keep, -cosine[keep]))][:k]


def timings(search: Any, questions: np.ndarray) -> dict[str, float]:
    """Mean, p50 and p99 (ms) of each question's fastest of ROUNDS searches, and the answers found."""
    best = np.full(len(questions), np.inf)
    found = []
    for r in range(ROUNDS):
        for i, q in enumerate(questions):
            start = time.perf_counter()
            top = search(q)
            best[i] = min(best[i], time.perf_counter() - start)
            if r == 0:
                found.append(top)
    ms = best * 1000
    return {"mean": float(ms.mean()), "p50": float(np.percentile(ms, 50)), "p99": float(np.percentile(ms, 99)),
            "found": found}  # fmt: skip


def _one_graph(vectors: np.ndarray, folder: Path, threads: int) -> dict[str, Any]:
    """The graph qa.vectors.ann builds, linked on `threads` threads (bench only: not the same bytes twice)."""
    from importlib.metadata import version

    from usearch.index import Index

    from qa.vectors import ann

    index = Index(ndim=vectors.shape[1], metric="ip", dtype="f32", connectivity=ann.CONNECTIVITY,
                  expansion_add=ann.EXPANSION_ADD, expansion_search=ann.EXPANSION_SEARCH)  # fmt: skip
    index.add(np.arange(len(vectors), dtype=np.uint64), vectors, threads=threads)
    index.save(str(folder / ann.FILE))
    return {"library": "usearch", "version": version("usearch"), "file": ann.FILE, "metric": "ip",
            "expansion_search": ann.EXPANSION_SEARCH, "size": len(vectors)}  # fmt: skip


def measure(vectors: np.ndarray, questions: np.ndarray, graph_threads: int = 1) -> dict[str, Any]:
    """Exact search and the graph (as `qa build` makes it; linked on `graph_threads` threads when > 1)."""
    from qa.vectors import ann

    exact = timings(lambda q: exact_top(vectors, q), questions)
    truth = [set(top.tolist()) for top in exact.pop("found")]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        meta = _one_graph(vectors, Path(tmp), graph_threads) if graph_threads > 1 else ann.build(vectors, Path(tmp))
        build_s = time.perf_counter() - start
        graph = ann.open_graph(Path(tmp), meta)
        approx = timings(lambda q, g=graph: ann.search(g, q, K), questions)
        size = os.path.getsize(Path(tmp) / ann.FILE)
        del graph
    found = approx.pop("found")
    recall = float(np.mean([len(t & set(f)) / K for t, f in zip(truth, found, strict=True)]))
    return {
        "passages": len(vectors),
        "exact_ms": round(exact["mean"], 3),
        "exact_p50_ms": round(exact["p50"], 3),
        "exact_p99_ms": round(exact["p99"], 3),
        "graph_ms": round(approx["mean"], 3),
        "graph_p50_ms": round(approx["p50"], 3),
        "graph_p99_ms": round(approx["p99"], 3),
        "speedup": round(exact["mean"] / approx["mean"], 2),
        "recall@20": round(recall, 4),
        "graph_build_s": round(build_s, 2),
        "graph_build_threads": graph_threads,
        "graph_mib": round(size / 2**20, 1),
        "load": round(os.getloadavg()[0], 2),
    }


def run(
    sizes: list[int],
    vectors: Path | None = None,
    questions: int = 200,
    graph_threads: int = 1,
    graph_threads_from: int | None = None,
) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    base = base_vectors(vectors, rng)
    asked = _unit(base[rng.integers(0, len(base), questions)] + 0.05 * rng.standard_normal((questions, base.shape[1])))
    rows = []
    with threadpool_limits(1):  # one BLAS thread, as in a gunicorn worker (two collapse beside a busy core)
        for n in sizes:
            threads = graph_threads if graph_threads_from is not None and n >= graph_threads_from else 1
            rows.append(measure(vectors_of_size(base, n, rng), asked, threads))
            print(json.dumps(rows[-1]), flush=True)
    return {"vectors": str(vectors) if vectors else "synthetic clusters", "questions": questions,
            "rounds": ROUNDS, "rows": rows}  # fmt: skip


def table(r: dict[str, Any]) -> str:
    lines = [
        "| passages | exact p50 / p99 (ms) | graph p50 / p99 (ms) | graph speed-up | recall@20 "
        "| graph build (s) | graph (MiB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in r["rows"]:
        threads = row.get("graph_build_threads", 1)
        built = f"{row['graph_build_s']:.1f}" + (f" ({threads} threads)" if threads > 1 else "")
        lines.append(
            f"| {row['passages']:,} | {row['exact_p50_ms']:.2f} / {row['exact_p99_ms']:.2f} | "
            f"{row['graph_p50_ms']:.2f} / {row['graph_p99_ms']:.2f} | {row['speedup']:.1f}× | "
            f"{row['recall@20']:.3f} | {built} | {row['graph_mib']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 20_000, 50_000, 100_000])
    parser.add_argument("--vectors", type=Path, help="an .npy of real passage vectors (default: synthetic)")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--graph-threads", type=int, default=1, help="threads linking the larger graphs")
    parser.add_argument("--graph-threads-from", type=int, help="passages from which graphs use --graph-threads")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    result = run(args.sizes, args.vectors, args.questions, args.graph_threads, args.graph_threads_from)
    print(table(result))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
