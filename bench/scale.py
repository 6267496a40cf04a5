"""Cost against corpus size on synthetic corpora (bench.synth): build time, index size, peak and serving
memory, query latency for short and long questions; ours (Engine bm25 + hybrid, and the full QA build
path for small sizes) vs bm25s. Every build and every serve runs in its own subprocess (clean peak RSS).

    python -m bench.scale --sizes 10000 100000 1000000 --qa-sizes 10000 --out bench/results/scale.json
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


def corpus_file(n: int) -> Path:
    """The cached synthetic corpus of n passages (generated once, deterministic)."""
    path = CACHE / f"synth-{n}.txt"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        synth.write(tmp, synth.passages(n))
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
    from qa.engine import Engine

    texts = synth.read(corpus_file(n))
    start = time.perf_counter()
    engine = Engine.build(texts)
    build_s = time.perf_counter() - start
    meta = engine.save(out)
    (out / "meta.json").write_text(json.dumps(meta))
    return {"build_s": build_s, "index_bytes": dir_bytes(out), "build_peak_rss": peak_rss(),
            "terms": engine.n_terms, "postings": meta["counts"]["postings"]}  # fmt: skip


def work_ours_serve(n: int, out: Path) -> dict[str, Any]:
    from qa.engine import Engine

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
    from qa.index import build_index

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


WORKERS: dict[str, Callable[[int, Path], dict[str, Any]]] = {
    "ours-build": work_ours_build, "ours-serve": work_ours_serve,
    "bm25s-build": work_bm25s_build, "bm25s-serve": work_bm25s_serve,
    "qa-build": work_qa_build, "qa-serve": work_qa_serve,
}  # fmt: skip


def in_subprocess(worker: str, n: int, out: Path, timeout: float = 1800) -> dict[str, Any]:
    """Run one worker in a fresh interpreter and return the JSON it prints."""
    cmd = [sys.executable, "-m", "bench.scale", "--worker", worker, "--n", str(n), "--dir", str(out)]
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parent.parent),
                                                       os.environ.get("PYTHONPATH", "")])}  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{worker} n={n} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(
    sizes: list[int], qa_sizes: list[int], workdir: Path, keep: list[tuple[str, int]] = (), log=print
) -> dict[str, Any]:
    """Every system at every size; index folders live under `workdir`, removed after use but `keep`."""
    rows = []
    for n in sizes:
        corpus_file(n)
        systems = ["ours", "bm25s"] + (["qa"] if n in qa_sizes else [])
        for system in systems:
            out = workdir / f"{system}-{n}"
            shutil.rmtree(out, ignore_errors=True)
            built = in_subprocess(f"{system}-build", n, out)
            served = in_subprocess(f"{system}-serve", n, out)
            rows.append({"system": system, "n": n} | built | served)
            log(f"scale n={n:,} {system}: build {built['build_s']:.1f} s, {json.dumps(served)[:300]}", flush=True)
            if (system, n) not in keep:
                shutil.rmtree(out, ignore_errors=True)
    return {"rows": rows, "n_queries": N_QUERIES, "rounds": ROUNDS, "seed": 0}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--qa-sizes", type=int, nargs="*", default=[10_000])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--workdir", type=Path, default=CACHE / "indexes")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.n, args.dir)))
        return
    result = run(args.sizes, args.qa_sizes, args.workdir)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
