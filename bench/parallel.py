"""One corpus built from nothing three ways in one run — in one process, on one process per local core, and
through a two-worker Dask cluster on 127.0.0.1 — with each build's time and whether its files are the same.

    python -m bench.parallel --synthetic 120 --out bench/results/parallel.json
    python -m bench.parallel --corpus /usr/share/doc/python3/html/library --semantic off
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.incremental import snapshot, synthetic_corpus


def timed(corpus: Path, index: Path, semantic: bool | None, **workers: Any) -> tuple[float, Path]:
    from qa.storage.index import build_index
    from qa.util import progress
    from qa.util.workers import Workers

    shutil.rmtree(index, ignore_errors=True)
    start = time.perf_counter()
    with Workers(**workers) as pool:
        report = build_index(corpus, index, progress=progress.LogLines(sys.stderr), semantic=semantic,
                             workers=pool, cache=False)  # fmt: skip
    return time.perf_counter() - start, report.path


def run(corpus: Path, workdir: Path, semantic: bool | None) -> dict[str, Any]:
    from distributed import LocalCluster

    from qa.util.workers import local_cores

    serial_s, serial = timed(corpus, workdir / "serial", semantic, processes=1)
    local_s, local = timed(corpus, workdir / "local", semantic, processes=local_cores())
    started = time.perf_counter()
    # a free port for the dashboard: None still serves it on :8787, which another cluster on the machine may hold
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", worker_dashboard_address=None) as cluster:  # fmt: skip
        cluster_start_s = time.perf_counter() - started
        dask_s, dask = timed(corpus, workdir / "dask", semantic, scheduler=cluster.scheduler_address)
    reference = snapshot(serial)
    return {"corpus": str(corpus), "cores": local_cores(), "serial_s": serial_s, "local_s": local_s,
            "dask_s": dask_s, "dask_cluster_start_s": cluster_start_s,
            "local_identical": snapshot(local) == reference, "dask_identical": snapshot(dask) == reference,
            "version": serial.name}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--corpus", type=Path)
    source.add_argument("--synthetic", type=int, metavar="FILES")
    parser.add_argument("--semantic", choices=("auto", "on", "off"), default="auto")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "qa-bench-parallel")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    semantic = {"auto": None, "on": True, "off": False}[args.semantic]
    corpus = args.corpus or synthetic_corpus(args.workdir.with_name(args.workdir.name + "-src"), args.synthetic)
    result = run(corpus, args.workdir, semantic)
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
