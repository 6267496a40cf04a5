"""Slow clients against `make run`'s server: trickling connections (request heads at 1 byte/s, bodies of a
declared 1,000,000 bytes at 100 B/s) held open for a while, and normal questions asked meanwhile; the
same load on bare gunicorn sync workers (what `make run` served before the front) in the same run.

    python -m bench.slowclients --seconds 20 --trickle 100 --out bench/results/slowclients.json

Loopback only; every loop is bounded by --seconds; the servers are stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import http as bench_http

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


async def _trickle(port: int, until: float, body: bool, counts: dict[str, int]) -> None:
    """One slow client: reconnects whenever the server gives up on it, until `until`."""
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
        except OSError:
            counts["refused"] += 1
            await asyncio.sleep(0.5)
            continue
        counts["connections"] += 1
        if body:
            head = (
                b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"
            )
            writer.write(head)
            piece, pause = b'{"question": "' + b"x" * 86, 1.0  # 100 B/s
        else:
            writer.write(b"GET /v1/ask?q=calf HTTP/1.1\r\n")
            piece, pause = b"X", 1.0  # one header byte a second, never finishing the head
        try:
            while loop.time() < until:
                writer.write(piece)
                await writer.drain()
                if body:
                    piece = b"x" * 100
                try:
                    data = await asyncio.wait_for(reader.read(1024), pause)
                except TimeoutError:
                    continue
                counts["cut_by_server"] += 1  # an answer (408) or a close: the server let go of us
                if data.startswith(b"HTTP/1.1 408"):
                    counts["408"] += 1
                break
        except OSError:
            counts["cut_by_server"] += 1
        finally:
            writer.close()


async def _ask(port: int, question: str, timeout: float) -> tuple[int | None, float]:
    """(status or None when unanswered within `timeout`, seconds taken) of one normal GET /v1/ask."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(HOST, port)
            path = "/v1/ask?q=" + question.replace(" ", "+")
            writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            data = await reader.read()
            writer.close()
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else None
        return status, time.monotonic() - started
    except (TimeoutError, OSError):
        return None, time.monotonic() - started


async def _load(port: int, seconds: float, trickle: int, questions: int, timeout: float) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds
    counts = dict.fromkeys(("connections", "refused", "cut_by_server", "408"), 0)
    bodies = max(2, trickle // 5)
    tricklers = [asyncio.create_task(_trickle(port, until, i < bodies, counts)) for i in range(trickle)]
    await asyncio.sleep(min(2.0, seconds / 10))  # let the slow clients take their places first
    answers = []
    gap = max(0.0, (seconds - 4.0) / max(1, questions))
    for i in range(questions):
        answers.append(await _ask(port, f"what causes calf pain number {i}", timeout))
        await asyncio.sleep(gap)
    await asyncio.gather(*tricklers)
    healthz = await _ask(port, "after", timeout)
    latencies = sorted(t for status, t in answers if status == 200)
    return {
        "questions": questions,
        "answered_200": len(latencies),
        "statuses": [status for status, _ in answers],
        "max_seconds": round(max(latencies), 3) if latencies else None,
        "median_seconds": round(latencies[len(latencies) // 2], 3) if latencies else None,
        "slow_connections": counts,
        "answered_after": healthz[0],
    }


def drive(port: int, seconds: float = 20, trickle: int = 100, questions: int = 10, timeout: float = 10) -> dict:
    """The slow-client load against a server on 127.0.0.1:`port`; figures as a dict."""
    return asyncio.run(_load(port, seconds, trickle, questions, timeout))


@contextmanager
def front(index_dir: Path, corpus_dir: Path, workers: int = 2, settings: dict[str, str] | None = None):
    """`python -m qa.web.serve` (what `make run` starts) on a free loopback port; yields the port."""
    port = bench_http.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "PROMETHEUS"))}
    env |= {"HOST": HOST, "PORT": str(port), "WORKERS": str(workers), "QA_INDEX_DIR": str(index_dir),
            "QA_CORPUS_DIR": str(corpus_dir), "QA_LOG_LEVEL": "WARNING", **(settings or {})}  # fmt: skip
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed below, after the server stops)
    proc = subprocess.Popen([sys.executable, "-m", "qa.web.serve"], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        _wait(port, proc, log)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait(port: int, proc: subprocess.Popen, log: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"qa.web.serve exited: {log.read().decode(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("qa.web.serve did not become ready")


def run(seconds: float, trickle: int, questions: int, workers: int = 2) -> dict[str, Any]:
    """Both servers under the same load, one after the other, in one run."""
    from qa.storage.index import build_index

    corpus = ROOT / "corpus"
    with tempfile.TemporaryDirectory(prefix="qa-slow-") as tmp:
        index = Path(tmp) / "index"
        build_index(corpus, index)
        with front(index, corpus, workers) as port:
            with_front = drive(port, seconds, trickle, questions)
        with bench_http.gunicorn(index, corpus, workers) as (base, _pid):
            bare = drive(int(base.rsplit(":", 1)[1]), seconds, trickle, questions)
    return {
        "command": f"python -m bench.slowclients --seconds {seconds:g} --trickle {trickle} --questions {questions}",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "note": "shared 2-core machine; both servers measured in this one run",
        "workers": workers,
        "front_then_sync_workers": with_front,
        "bare_gunicorn_sync_workers": bare,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--trickle", type=int, default=100)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(args.seconds, args.trickle, args.questions)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    ok = result["front_then_sync_workers"]["answered_200"] == args.questions
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
