"""The standard benchmark set (`make bench`): SciFact retrieval + footprint, synthetic scale 10k-1M, HTTP
under wrk, the semantic reranker's cost, the sentence encoder vs sentence-transformers; writes
bench/results/*.json and *.png and regenerates BENCHMARKS.md from them.

    python -m bench.run                 # everything (~15 min on 2 cores)
    python -m bench.run --report-only   # BENCHMARKS.md from the JSON already in bench/results
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import encoder, http, retrieval, scale, semantic

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SCIFACT = ROOT.parent / "shared" / "beir" / "scifact"
VARIANTS = (("ours bm25", "bm25", {}), ("ours tfidf", "tfidf", {}), ("ours hybrid (default)", "hybrid", {}))
SIZES = [10_000, 100_000, 1_000_000]
QA_SIZES = [10_000, 100_000]


def machine() -> dict[str, Any]:
    """Where the figures were measured."""
    import os

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    mem = int(next(ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")))
    return {"platform": platform.platform(), "python": platform.python_version(), "cpu": cpu,
            "cores": os.cpu_count(), "mem_gib": round(mem / 2**20, 1),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                     text=True, check=False).stdout.strip()}  # fmt: skip


def save(name: str, result: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--skip", nargs="*", default=[], choices=["retrieval", "scale", "http", "semantic", "encoder"])
    parser.add_argument("--sizes", type=int, nargs="*", default=SIZES)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    args = parser.parse_args(argv)
    if not args.report_only:
        started = time.perf_counter()
        save("machine", machine())
        if "retrieval" not in args.skip:
            result = retrieval.run(SCIFACT, rounds=5, variants=VARIANTS)
            result["footprint"] = retrieval.footprints(SCIFACT)
            save("retrieval", result)
            print(retrieval.table(result), flush=True)
        if "scale" not in args.skip:
            save("scale", scale.run(args.sizes, [n for n in QA_SIZES if n in args.sizes], scale.CACHE / "indexes",
                                    keep=[("qa", max(QA_SIZES))]))  # fmt: skip
        if "http" not in args.skip:
            large = scale.CACHE / "indexes" / f"qa-{max(QA_SIZES)}"
            pair = (large, scale.qa_corpus_dir(max(QA_SIZES))) if large.exists() else None
            save("http", http.run([1, 2, 4], args.duration, pair, scale.CACHE / "http", threads=(1, 4)))
        if "semantic" not in args.skip:
            save("semantic", semantic.run(rounds=5))
        if "encoder" not in args.skip:  # sentence-transformers' column needs QA_BENCH_ST_PYTHON (see bench/encoder.py)
            result = encoder.run()
            save("encoder", result)
            print(encoder.table(result), flush=True)
        print(f"bench: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    from bench import report  # the report is regenerated from the JSON, whatever ran

    report.write(RESULTS, ROOT / "BENCHMARKS.md")


if __name__ == "__main__":
    main()
