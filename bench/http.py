"""HTTP throughput of gunicorn serving `/v1/ask` against `/healthz` (the stack's own ceiling) in the same
run, under wrk on 127.0.0.1 for a bounded time, with 1, 2 and 4 workers (sync, or gthread with `--threads`
above 1: concurrent new questions of a worker then share the sentence encoder's calls); `/v1/ask` both with
six questions asked over and over (their vectors and analyses cached) and with a question never asked before
on every request; and the memory each worker holds (RSS, USS, PSS) when serving a large memory-mapped index.

    python -m bench.http --workers 1 2 4 --threads 1 4 --duration 10 --out bench/results/http.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # never anything but loopback
QUESTIONS = (
    "Are there many different causes of calf pain?",
    "What stabilizes your posture as you walk or run?",
    "What are other tests performed based on?",
    "Why does it matter to get an accurate diagnosis?",
    "How is a calf strain treated?",
    "What does the Achilles tendon connect?",
)
_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}
NEW_PER_SECOND = 3000  # new questions made per second of wrk run: more than any worker count here serves


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(index_dir: Path, corpus_dir: Path, workers: int, settings: dict[str, str] | None = None):
    """A gunicorn serving the app on a free loopback port; yields (base url, master pid); always stopped.
    Only the given settings reach it: QA_* and PROMETHEUS_* variables of the caller's environment do not."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "PROMETHEUS"))}
    env |= {"HOST": HOST, "PORT": str(port), "WORKERS": str(workers), "QA_INDEX_DIR": str(index_dir),
            "QA_CORPUS_DIR": str(corpus_dir), "QA_LOG_LEVEL": "WARNING", **(settings or {})}  # fmt: skip
    cmd = [str(Path(sys.executable).parent / "gunicorn"), "--config", "python:qa.web.gunicorn_conf", "wsgi:app"]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below, after gunicorn stops)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://{HOST}:{port}"
    try:
        _wait_ready(base, proc, workers, log)
        yield base, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait_ready(base: str, proc: subprocess.Popen, workers: int, log: Any, timeout: float = 120) -> None:
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn exited: {log.read().decode(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200 and len(psutil.Process(proc.pid).children()) == workers:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not become ready")


WRK_THREADS = 2
# Each wrk thread takes every WRK_THREADS-th path from its own offset, so no two requests share a path
# until the list runs out (the caller checks that it did not).
_EACH_ONCE = """local counter = 0
function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end
function init(args)
  i = offset
end
request = function()
  local path = paths[i % #paths + 1]
  i = i + {step}
  return wrk.format('GET', path)
end
"""


def wrk(
    url: str, duration: int, connections: int, paths: list[str] | None = None, once: bool = False
) -> dict[str, Any]:
    """wrk's requests/s, p50/p99 (ms) and error counts for `url`, rotating through `paths` if given
    (`once`: each path at most once, as long as there are more paths than requests)."""
    cmd = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency"]
    with tempfile.TemporaryDirectory() as tmp:
        if paths:
            script = Path(tmp) / "rotate.lua"
            listed = "paths = {" + ", ".join(json.dumps(p) for p in paths) + "}\n"
            if once:
                script.write_text(listed + _EACH_ONCE.format(step=WRK_THREADS))
            else:
                script.write_text(
                    listed + "local i = 0\n"
                    "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
                )
            cmd += ["-s", str(script)]
        out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> dict[str, Any]:
    """The figures of one wrk --latency report."""
    pct = {m[0]: float(m[1]) * _UNIT[m[2]] for m in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50_ms": pct.get("50"),
        "p99_ms": pct.get("99"),
        "errors": (sum(int(g) for g in socket_errors.groups()) if socket_errors else 0)
        + (int(non2xx.group(1)) if non2xx else 0),
    }


def ask_paths(questions: tuple[str, ...] = QUESTIONS) -> list[str]:
    return [f"/v1/ask?q={quote(q)}" for q in questions]


TEMPLATES = ("What is the {} of {}?", "How does {} affect {}?", "Why is {} linked to {}?", "Can {} cause {}?",
             "What do {} and {} have in common?", "Is {} a sign of {}?")  # fmt: skip


def new_questions(n: int, corpus_dir: Path = ROOT / "corpus", seed: int = 0) -> list[str]:
    """`n` distinct questions made of the corpus's own words (templates x word pairs); one in five has a
    typo (two letters swapped), as real questions do, so spelling correction runs too."""
    import random

    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from qa.ingest.corpus import load_corpus

    text = " ".join(p.text for p in load_corpus(corpus_dir).passages)
    words = sorted({w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)} - ENGLISH_STOP_WORDS)
    rng, seen, out = random.Random(seed), set(), []
    while len(out) < n:
        a, b = rng.choice(words), rng.choice(words)
        if len(out) % 5 == 4:
            i = rng.randrange(len(b) - 1)
            b = b[:i] + b[i + 1] + b[i] + b[i + 2 :]
        q = rng.choice(TEMPLATES).format(a, b)
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out


def throughput(
    index_dir: Path, corpus_dir: Path, workers: int, duration: int, new: list[str], threads: int = 1
) -> dict[str, Any]:
    """/healthz, /v1/ask with repeated questions, then with `new` ones (each asked once), on one server of
    `workers` workers of `threads` threads (THREADS: 1 sync workers, more gthread). Each run also gives the
    workers' CPU time per request (`cpu_ms`): on a shared machine req/s follow the neighbours' load, CPU time
    much less, and cores / CPU time per request is what a machine of its own would serve at saturation."""
    measured = set(new)
    warm_new = tuple(q for q in new_questions(NEW_PER_SECOND, seed=1) if q not in measured)
    with gunicorn(index_dir, corpus_dir, workers, {"THREADS": str(threads)}) as (base, pid):
        connections = max(4, 2 * workers)
        wrk(base + "/healthz", 1, connections)  # warm-up
        wrk(base + "/", 1, connections, ask_paths())
        health = _with_cpu(pid, lambda: wrk(base + "/healthz", duration, connections))
        ask = _with_cpu(pid, lambda: wrk(base + "/", duration, connections, ask_paths()))
        # as the repeated questions' run follows a second of them, the new ones' follows a second of other new
        # questions: the workers' first answers from a passage (its sentences encoded, its text analysed) are
        # not what a new question costs
        wrk(base + "/", 1, connections, ask_paths(warm_new), once=True)
        ask_new = _with_cpu(pid, lambda: wrk(base + "/", duration, connections, ask_paths(tuple(new)), once=True))
    if ask_new["requests"] > len(new):
        raise RuntimeError(f"{ask_new['requests']} requests but only {len(new)} new questions: some were repeated")
    return {"workers": workers, "threads": threads, "connections": connections, "healthz": health, "ask": ask,
            "ask_new": ask_new,
            "ask_vs_healthz": ask["rps"] / health["rps"] if health["rps"] else None,
            "new_vs_repeated": ask_new["rps"] / ask["rps"] if ask["rps"] else None,
            "new_vs_repeated_cpu": ask["cpu_ms"] / ask_new["cpu_ms"] if ask_new["cpu_ms"] else None}  # fmt: skip


def worker_cpu_seconds(master_pid: int) -> float:
    """User + system CPU seconds of the master's worker processes so far."""
    import psutil

    total = 0.0
    for child in psutil.Process(master_pid).children():
        with contextlib.suppress(psutil.NoSuchProcess):
            times = child.cpu_times()
            total += times.user + times.system
    return total


def _with_cpu(master_pid: int, run_wrk: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """wrk's figures and the workers' CPU milliseconds per request during the run."""
    before = worker_cpu_seconds(master_pid)
    figures = run_wrk()
    spent = worker_cpu_seconds(master_pid) - before
    return figures | {"cpu_ms": 1e3 * spent / figures["requests"] if figures["requests"] else None}


def memory(index_dir: Path, corpus_dir: Path, workers: int, questions: list[str], duration: int = 3) -> dict[str, Any]:
    """RSS, USS and PSS (bytes) of the master and each worker after serving `questions` for a while."""
    import psutil

    with gunicorn(index_dir, corpus_dir, workers) as (base, pid):
        load = wrk(base + "/", duration, max(4, 2 * workers), ask_paths(tuple(questions)))
        master = psutil.Process(pid)
        procs = [("master", master)] + [("worker", c) for c in master.children()]
        rows = []
        for role, p in procs:
            info = p.memory_full_info()
            rows.append({"role": role, "rss": info.rss, "uss": info.uss, "pss": info.pss})
    workers_rows = [r for r in rows if r["role"] == "worker"]
    return {"workers": workers, "processes": rows, "load": load,
            "total_rss": sum(r["rss"] for r in rows), "total_pss": sum(r["pss"] for r in rows),
            "total_uss": sum(r["uss"] for r in rows),
            "max_worker_uss": max(r["uss"] for r in workers_rows)}  # fmt: skip


def seed_index(workdir: Path) -> Path:
    """A fresh index of the project's seed corpus under `workdir`."""
    from qa.storage.index import build_index

    index_dir = workdir / "seed-index"
    shutil.rmtree(index_dir, ignore_errors=True)
    build_index(ROOT / "corpus", index_dir)
    return index_dir


def index_bytes(index_dir: Path) -> int:
    from qa.storage.index import current_build, info_from_manifest, read_manifest

    build = current_build(index_dir)
    return info_from_manifest(read_manifest(build), build).size_bytes


def run(
    workers: list[int], duration: int, large: tuple[Path, Path] | None, workdir: Path, threads: Sequence[int] = (1,)
) -> dict[str, Any]:
    """Throughput per worker count and thread count on the seed index; memory per worker count on the large
    index (sync workers)."""
    workdir.mkdir(parents=True, exist_ok=True)
    seed = seed_index(workdir)
    new = new_questions(NEW_PER_SECOND * duration)
    result: dict[str, Any] = {"duration_s": duration, "throughput": [], "memory": [], "log_level": "WARNING"}
    for n in workers:
        for t in threads:
            result["throughput"].append(throughput(seed, ROOT / "corpus", n, duration, new, t))
            print(f"http workers={n} threads={t}: {json.dumps(result['throughput'][-1])}", flush=True)
    if large is not None:
        from bench import synth

        result["large_index_bytes"] = index_bytes(large[0])
        for n in workers:
            result["memory"].append(memory(large[0], large[1], n, synth.questions(50, "short")))
            print(f"http memory workers={n}: total PSS {result['memory'][-1]['total_pss'] / 2**20:.0f} MiB", flush=True)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--threads", type=int, nargs="*", default=[1], help="threads per worker (1: sync workers)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--large-index", type=Path, help="an index folder for the memory measurement")
    parser.add_argument("--large-corpus", type=Path, help="the corpus folder of --large-index")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    large = (args.large_index, args.large_corpus) if args.large_index else None
    with tempfile.TemporaryDirectory(prefix="qa-bench-http-") as tmp:
        result = run(args.workers, args.duration, large, Path(tmp), args.threads)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
