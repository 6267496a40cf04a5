"""Cost against corpus size on synthetic corpora (bench.synth): build time, index size, peak and serving
memory, query latency for short and long questions; ours (Engine bm25 + hybrid, and the full QA build
path for small sizes) vs bm25s; and dense search (exact numpy; usearch's HNSW graph when installed) over
synthetic passage vectors. Every build and every serve runs in its own subprocess (clean peak RSS).

    python -m bench.scale --sizes 10000 100000 1000000 --qa-sizes 10000 --out bench/results/scale.json
    python -m bench.scale --sizes 2000000 4000000 --lexical ours --qa-sizes --dense-sizes 1000000 \
        --memory-gib 14 --out bench/results/scale-large.json
    python -m bench.scale --sizes 10000000 --lexical ours --qa-sizes --memory-gib 16 \
        --out bench/results/scale-10m.json

Where one machine ends: with --memory-gib every build and serve process may hold at most that much address
space (RLIMIT_AS), so a size that does not fit fails with a MemoryError and is recorded as such (the row's
`error`) instead of waking the kernel's OOM killer, which on a shared machine may pick another process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench import synth

N_QUERIES = 100
ROUNDS = 3
PASSAGES_PER_FILE = 100
CACHE = Path(os.environ.get("QA_BENCH_CACHE", "/tmp/qa-bench-cache"))


def dir_bytes(path: Path) -> int:
    """Total size of the regular files under `path`."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file() and not p.is_symlink())


def peak_rss() -> int:
    """This process's peak resident set size in bytes: VmHWM, which starts afresh at exec (ru_maxrss keeps
    the parent's peak across fork + exec, so a child of a big parent would report the parent's size)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def memory_now() -> dict[str, int]:
    """Current RSS and USS (pages only this process holds) in bytes."""
    import psutil

    info = psutil.Process().memory_full_info()
    return {"rss": info.rss, "uss": info.uss, "pss": getattr(info, "pss", 0)}


def latencies(search: Callable[[str], Any], queries: list[str], rounds: int | None = None) -> dict[str, float]:
    """Each query's fastest of `rounds` (default ROUNDS) runs, one at a time: queries/s, p50 and p99 in ms."""
    rounds = ROUNDS if rounds is None else rounds
    best = np.full(len(queries), np.inf)
    for _ in range(rounds):
        for i, q in enumerate(queries):
            t = time.perf_counter()
            search(q)
            best[i] = min(best[i], time.perf_counter() - t)
    return {"qps": len(queries) / best.sum(), "p50_ms": 1e3 * float(np.percentile(best, 50)),
            "p99_ms": 1e3 * float(np.percentile(best, 99))}  # fmt: skip


CHUNK = 1_000_000  # passages generated at a time beyond this size (each chunk its own seed): bounded memory


def corpus_file(n: int) -> Path:
    """The cached synthetic corpus of n passages (generated once, deterministic; beyond CHUNK passages in
    chunks of CHUNK, chunk i drawn with seed i, so 10 M passages never sit in memory at once)."""
    path = CACHE / f"synth-{n}.txt"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        if n <= CHUNK:
            synth.write(tmp, synth.passages(n))
        else:
            tmp.parent.mkdir(parents=True, exist_ok=True)
            with tmp.open("w", encoding="utf-8") as out:
                for i, start in enumerate(range(0, n, CHUNK)):
                    out.writelines(t + "\n" for t in synth.passages(min(CHUNK, n - start), seed=i))
        tmp.rename(path)
    return path


def qa_corpus_dir(n: int) -> Path:
    """The corpus as a folder of .txt files (PASSAGES_PER_FILE paragraphs each) for the full QA build."""
    folder = CACHE / f"synth-{n}-docs"
    if not folder.exists():
        texts = synth.read(corpus_file(n))
        tmp = folder.with_suffix(".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for f, start in enumerate(range(0, len(texts), PASSAGES_PER_FILE)):
            body = "\n\n".join(texts[start : start + PASSAGES_PER_FILE])
            (tmp / f"doc{f:05d}.txt").write_text(f"Document {f}\n\n{body}\n", encoding="utf-8")
        tmp.rename(folder)
    return folder


# ----- workers (each runs in a fresh subprocess) -------------------------------------------------------


def work_ours_build(n: int, out: Path) -> dict[str, Any]:
    from qa.search.engine import Engine

    texts = synth.read(corpus_file(n))
    start = time.perf_counter()
    engine = Engine.build(texts)
    build_s = time.perf_counter() - start
    meta = engine.save(out)
    (out / "meta.json").write_text(json.dumps(meta))
    return {"build_s": build_s, "index_bytes": dir_bytes(out), "build_peak_rss": peak_rss(),
            "terms": engine.n_terms, "postings": meta["counts"]["postings"]}  # fmt: skip


def work_ours_serve(n: int, out: Path) -> dict[str, Any]:
    from qa.search.engine import Engine

    engine = Engine.load(out, json.loads((out / "meta.json").read_text()), mmap=True)
    result: dict[str, Any] = {}
    for mode in ("bm25", "hybrid"):
        for kind in ("short", "long"):
            engine.clear_caches()
            result[f"{mode}/{kind}"] = latencies(lambda q, m=mode: engine.rank(q, 10, m), _questions(kind))
    return result | {"serve": memory_now(), "serve_peak_rss": peak_rss()}


def work_bm25s_build(n: int, out: Path) -> dict[str, Any]:
    from bench.retrieval import bm25s_build

    texts = synth.read(corpus_file(n))
    start = time.perf_counter()
    retriever, _ = bm25s_build(texts)
    build_s = time.perf_counter() - start
    retriever.save(str(out))
    return {"build_s": build_s, "index_bytes": dir_bytes(out), "build_peak_rss": peak_rss()}


def work_bm25s_serve(n: int, out: Path) -> dict[str, Any]:
    import bm25s
    import Stemmer

    from bench.retrieval import bm25s_search

    retriever = bm25s.BM25.load(str(out), mmap=True)
    search = bm25s_search(retriever, Stemmer.Stemmer("english"), k=10)
    result = {f"bm25/{kind}": latencies(search, _questions(kind)) for kind in ("short", "long")}
    return result | {"serve": memory_now(), "serve_peak_rss": peak_rss()}


def work_qa_build(n: int, out: Path) -> dict[str, Any]:
    from qa.storage.index import build_index

    corpus = qa_corpus_dir(n)
    start = time.perf_counter()
    # Lexical only: the semantic reranker's passage vectors cost ~5-20 ms per passage in numpy on 2 cores
    # (hours at 100k); bench/semantic.py measures the reranker on its own.
    report = build_index(corpus, out, semantic=False)
    build_s = time.perf_counter() - start
    return {"build_s": build_s, "index_bytes": report.info.size_bytes, "build_peak_rss": peak_rss(),
            "passages": report.info.passages, "terms": report.info.terms}  # fmt: skip


def work_qa_serve(n: int, out: Path) -> dict[str, Any]:
    from qa.api import QA

    qa = QA.open(out, checksums=False)
    result = {f"hybrid/{kind}": latencies(lambda q: qa.ask(q, k=5), _questions(kind)) for kind in ("short", "long")}
    return result | {"serve": memory_now(), "serve_peak_rss": peak_rss()}


def _questions(kind: str) -> list[str]:
    return synth.questions(N_QUERIES, kind)


# ----- dense search over synthetic passage vectors -----------------------------------------------------------
# Encoding 1 M passages takes days on this machine kind, so the vectors are synthetic: unit vectors around
# CLUSTERS random centres (nearest neighbours are as structured as real embeddings'; pure noise would make
# every vector nearly orthogonal to every other), 384 dimensions like all-MiniLM-L6-v2's, float32.
DIM = 384
CLUSTERS = 1000
K = 10


def dense_vectors(n: int, seed: int = 0) -> Path:
    """The cached .npy of n synthetic unit vectors (generated once, in chunks, deterministic)."""
    path = CACHE / f"dense-{n}.npy"
    if not path.exists():
        rng = np.random.default_rng(seed)
        centres = rng.standard_normal((CLUSTERS, DIM), dtype=np.float32)
        tmp = path.with_suffix(".tmp.npy")
        path.parent.mkdir(parents=True, exist_ok=True)
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(n, DIM))
        for start in range(0, n, 100_000):
            stop = min(start + 100_000, n)
            rows = centres[rng.integers(0, CLUSTERS, stop - start)] + rng.standard_normal(
                (stop - start, DIM), dtype=np.float32
            )
            out[start:stop] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        out.flush()
        del out
        tmp.rename(path)
    return path


def dense_queries(n: int, count: int | None = None) -> np.ndarray:
    """Questions near stored vectors (a stored vector plus noise, renormalised), like a paraphrase."""
    count = N_QUERIES if count is None else count
    rng = np.random.default_rng(1)
    stored = np.load(dense_vectors(n), mmap_mode="r")
    rows = np.asarray(stored[np.sort(rng.integers(0, n, count))]) + 0.05 * rng.standard_normal(
        (count, DIM), dtype=np.float32
    )
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def exact_top(vectors: np.ndarray, query: np.ndarray, k: int = K) -> np.ndarray:
    """Exact inner-product top k (what a small index does): one matrix-vector product and a partition."""
    scores = vectors @ query
    top = np.argpartition(-scores, k)[:k]
    return top[np.lexsort((top, -scores[top]))]


def work_exact_build(n: int, out: Path) -> dict[str, Any]:
    source = dense_vectors(n)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    shutil.copyfile(source, out / "vectors.npy")  # exact search needs nothing but the vectors
    return {"build_s": time.perf_counter() - start, "index_bytes": dir_bytes(out), "build_peak_rss": peak_rss()}


def work_exact_serve(n: int, out: Path) -> dict[str, Any]:
    vectors = np.asarray(np.load(out / "vectors.npy", mmap_mode="r"))
    queries = dense_queries(n)
    result = {"dense/exact": latencies(lambda i: exact_top(vectors, queries[i]), list(range(len(queries))))}
    return result | {"serve": memory_now(), "serve_peak_rss": peak_rss()}


def work_ann_build(n: int, out: Path) -> dict[str, Any]:
    from usearch.index import Index

    vectors = np.load(dense_vectors(n), mmap_mode="r")
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    # HNSW as qa.vectors.ann builds it: M 16, efConstruction 128, ef 128, one thread (the same file every time)
    index = Index(ndim=DIM, metric="ip", dtype="f32", connectivity=16, expansion_add=128, expansion_search=128)
    for lo in range(0, n, 65_536):
        hi = min(lo + 65_536, n)
        index.add(np.arange(lo, hi, dtype=np.uint64), np.ascontiguousarray(vectors[lo:hi]), threads=1)
    index.save(str(out / "ann.usearch"))
    return {"build_s": time.perf_counter() - start, "index_bytes": dir_bytes(out), "build_peak_rss": peak_rss()}


def work_ann_serve(n: int, out: Path) -> dict[str, Any]:
    from usearch.index import Index

    index = Index.restore(str(out / "ann.usearch"), view=True)
    queries = dense_queries(n)
    result = {"dense/ann": latencies(lambda i: index.search(queries[i], K, threads=1), list(range(len(queries))))}
    vectors = np.asarray(np.load(dense_vectors(n), mmap_mode="r"))
    hits = [
        len(set(index.search(q, K, threads=1).keys.tolist()) & set(exact_top(vectors, q).tolist())) for q in queries
    ]
    return result | {"recall@10": sum(hits) / (K * len(queries)), "serve": memory_now(), "serve_peak_rss": peak_rss()}


WORKERS: dict[str, Callable[[int, Path], dict[str, Any]]] = {
    "ours-build": work_ours_build, "ours-serve": work_ours_serve,
    "bm25s-build": work_bm25s_build, "bm25s-serve": work_bm25s_serve,
    "qa-build": work_qa_build, "qa-serve": work_qa_serve,
    "exact-build": work_exact_build, "exact-serve": work_exact_serve,
    "ann-build": work_ann_build, "ann-serve": work_ann_serve,
}  # fmt: skip


class OutOfMemory(RuntimeError):
    """A worker ran out of the address space --memory-gib allows it."""


# How a failed allocation under RLIMIT_AS shows in a worker's stderr: Python's MemoryError, C++'s bad_alloc,
# an OSError from mmap, or a C extension that returned NULL without setting the error (seen in the test suite:
# `from wordfreq import ...` under a 0.1 GiB cap gave "SystemError: error return without exception set"), or the
# dynamic loader unable to map an extension's library ("ImportError: ….so: failed to map segment from shared object").
ALLOCATION_FAILED = ("MemoryError", "std::bad_alloc", "Cannot allocate memory", "error return without exception set",
                     "failed to map segment from shared object")  # fmt: skip


def in_subprocess(worker: str, n: int, out: Path, timeout: float = 3600, memory_gib: float | None = None) -> dict:
    """Run one worker in a fresh interpreter (at most `memory_gib` GiB of address space) and return the JSON
    it prints; OutOfMemory when it died of a MemoryError."""
    cmd = [sys.executable, "-m", "bench.scale", "--worker", worker, "--n", str(n), "--dir", str(out)]
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parent.parent),
                                                       os.environ.get("PYTHONPATH", "")]),
                        "OPENBLAS_NUM_THREADS": "1"}  # fmt: skip
    limit = None if memory_gib is None else int(memory_gib * 2**30)

    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False, preexec_fn=cap)
    if done.returncode != 0:
        if limit is not None and any(sign in done.stderr for sign in ALLOCATION_FAILED):
            raise OutOfMemory(f"{worker} n={n} needs more than {memory_gib} GiB of address space")
        raise RuntimeError(f"{worker} n={n} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _has_usearch() -> bool:
    import importlib.util

    return importlib.util.find_spec("usearch") is not None


def run(
    sizes: list[int],
    qa_sizes: list[int],
    workdir: Path,
    keep: list[tuple[str, int]] = (),
    log=print,
    dense_sizes: list[int] = (),
    lexical: tuple[str, ...] = ("ours", "bm25s"),
    memory_gib: float | None = None,
) -> dict[str, Any]:
    """Every system at every size; index folders live under `workdir`, removed after use but `keep`.
    Lexical systems at `sizes` (the full qa build at `qa_sizes` too); dense search (exact numpy, and the HNSW
    graph of usearch when it is installed) over synthetic vectors at `dense_sizes`."""
    rows = []
    jobs = [(n, list(lexical) + (["qa"] if n in qa_sizes else [])) for n in sizes]
    jobs += [(n, ["exact"] + (["ann"] if _has_usearch() else [])) for n in dense_sizes]
    for n, systems in jobs:
        if systems[0] in lexical:
            corpus_file(n)
        for system in systems:
            out = workdir / f"{system}-{n}"
            shutil.rmtree(out, ignore_errors=True)
            try:
                built = in_subprocess(f"{system}-build", n, out, memory_gib=memory_gib)
                served = in_subprocess(f"{system}-serve", n, out, memory_gib=memory_gib)
            except OutOfMemory as exc:
                rows.append({"system": system, "n": n, "error": str(exc), "memory_gib": memory_gib})
                log(f"scale n={n:,} {system}: {exc}", flush=True)
                shutil.rmtree(out, ignore_errors=True)
                continue
            rows.append({"system": system, "n": n} | built | served | {"memory_gib": memory_gib})
            log(f"scale n={n:,} {system}: build {built['build_s']:.1f} s, {json.dumps(served)[:300]}", flush=True)
            if (system, n) not in keep:
                shutil.rmtree(out, ignore_errors=True)
    return {"rows": rows, "n_queries": N_QUERIES, "rounds": ROUNDS, "seed": 0, "load": os.getloadavg()[0]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--qa-sizes", type=int, nargs="*", default=[10_000])
    parser.add_argument("--dense-sizes", type=int, nargs="*", default=[], help="dense search at these sizes")
    parser.add_argument("--lexical", nargs="*", default=["ours", "bm25s"], help="lexical systems (ours, bm25s)")
    parser.add_argument("--memory-gib", type=float, help="address space allowed to each build and serve process")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--workdir", type=Path, default=CACHE / "indexes")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.n, args.dir)))
        return
    result = run(args.sizes, args.qa_sizes, args.workdir, dense_sizes=args.dense_sizes, lexical=tuple(args.lexical),
                 memory_gib=args.memory_gib)  # fmt: skip
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
