"""Soak test: gunicorn (2 workers) serving the seed index on loopback, several client threads sending a
mix of valid and invalid requests for a while; counts statuses, 5xx and dropped connections, and the
workers' RSS after warm-up vs at the end.

    python -m bench.soak --seconds 60 --out bench/results/soak.json

Exit status 1 when any 5xx, any dropped connection, or RSS growth over --max-growth (default 10 %).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import http as bench_http

ROOT = Path(__file__).resolve().parent.parent
MAX_BODY = 65_536  # the served QA_MAX_BODY_BYTES: small, so a 413 body fits the socket buffers


def requests_mix(passage_id: str) -> list[tuple[str, str, bytes | None, dict[str, str], int]]:
    """(method, path, body, headers, expected status): valid and invalid requests, API and page."""
    j = {"Content-Type": "application/json"}
    ask = json.dumps({"question": "what causes calf pain?", "k": 3}).encode()
    batch = json.dumps({"questions": ["calf pain", "achilles tendon rupture", "blood clot", "zebra"]}).encode()
    return [
        ("GET", "/v1/ask?q=calf+pain+after+running", None, {}, 200),
        ("GET", "/v1/ask?q=achilles&k=5&mode=bm25", None, {}, 200),
        ("POST", "/v1/ask", ask, j, 200),
        ("POST", "/v1/ask/batch", batch, j, 200),
        ("GET", "/?q=muscle+cramp", None, {}, 200),
        ("GET", f"/passages/{passage_id}", None, {}, 200),
        ("GET", f"/v1/passages/{passage_id}", None, {}, 200),
        ("GET", "/v1/documents", None, {}, 200),
        ("GET", "/v1/references", None, {}, 200),
        ("GET", "/readyz", None, {}, 200),
        ("GET", "/healthz", None, {}, 200),
        ("GET", "/v1/ask?q=", None, {}, 400),
        ("GET", "/v1/ask?q=calf&k=0", None, {}, 400),
        ("GET", "/v1/ask?q=calf&mode=nope", None, {}, 400),
        ("GET", "/v1/ask?q=calf&document=..%2F..%2Fetc%2Fpasswd", None, {}, 404),
        ("GET", "/v1/passages/nope", None, {}, 404),
        ("GET", "/static/..%2F..%2Fpyproject.toml", None, {}, 404),
        ("POST", "/v1/ask", b'{"question": ', j, 400),
        ("POST", "/v1/ask", b"question=calf", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
        ("POST", "/v1/ask/batch", json.dumps({"questions": ["q"] * 51}).encode(), j, 400),
        ("POST", "/v1/ask", b'{"question": "' + b"x" * (MAX_BODY + 1000) + b'"}', j, 413),
        ("DELETE", "/v1/ask", None, {}, 405),
        ("GET", "/v1/ask?q=" + "%3Cscript%3E" * 20 + "%00%E2%80%AE", None, {}, 200),
    ]


def _request(port: int, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def worker_rss(master_pid: int) -> dict[int, int]:
    """RSS in bytes of each gunicorn worker (the master's children)."""
    import psutil

    return {p.pid: p.memory_info().rss for p in psutil.Process(master_pid).children()}


class Clients:
    """Client threads sending the mix until told to stop; thread-safe counters."""

    def __init__(self, port: int, mix: list, threads: int) -> None:
        self.port, self.mix = port, mix
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.unexpected: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def _run(self, seed: int) -> None:
        rng = random.Random(seed)
        while not self.stop.is_set():
            method, path, body, headers, expected = rng.choice(self.mix)
            try:
                status = _request(self.port, method, path, body, headers)
            except (OSError, http.client.HTTPException) as exc:
                with self.lock:
                    self.dropped[f"{method} {path[:60]}: {type(exc).__name__}"] += 1
                continue
            with self.lock:
                self.statuses[status] += 1
                if status != expected:
                    self.unexpected[f"{method} {path[:60]} -> {status} (expected {expected})"] += 1

    def __enter__(self) -> Clients:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


def run(
    seconds: float,
    threads: int = 4,
    workers: int = 2,
    warmup: float | None = None,
    index_dir: Path | None = None,
    corpus_dir: Path = ROOT / "corpus",
) -> dict[str, Any]:
    """Soak a gunicorn server for `seconds` (the first `warmup` seconds included); the figures as a dict."""
    from qa.storage.index import build_index

    warmup = min(5.0, seconds / 5) if warmup is None else warmup
    with tempfile.TemporaryDirectory(prefix="qa-soak-") as tmp:
        if index_dir is None:
            index_dir = Path(tmp) / "index"
            build_index(corpus_dir, index_dir)
        settings = {"QA_MAX_BODY_BYTES": str(MAX_BODY)}
        with bench_http.gunicorn(index_dir, corpus_dir, workers, settings) as (base, master_pid):
            port = urlsplit(base).port
            passage_id = json.loads(_get_body(port, "/v1/ask?q=calf+pain"))["results"][0]["passage_id"]
            clients = Clients(port, requests_mix(passage_id), threads)
            started = time.monotonic()
            with clients:
                time.sleep(warmup)
                rss_start = worker_rss(master_pid)
                time.sleep(max(0.0, seconds - warmup))
                rss_end = worker_rss(master_pid)
            elapsed = time.monotonic() - started
    return _report(clients, elapsed, seconds, threads, workers, warmup, rss_start, rss_end)


def _get_body(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        return conn.getresponse().read()
    finally:
        conn.close()


def _report(clients: Clients, elapsed: float, seconds: float, threads: int, workers: int, warmup: float,
            rss_start: dict[int, int], rss_end: dict[int, int]) -> dict[str, Any]:  # fmt: skip
    total = sum(clients.statuses.values())
    same = sorted(rss_start.keys() & rss_end.keys())
    start, end = sum(rss_start[p] for p in same), sum(rss_end[p] for p in same)
    return {
        "command": f"python -m bench.soak --seconds {seconds:g} --threads {threads} --workers {workers}",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "seconds": round(elapsed, 1),
        "warmup_seconds": warmup,
        "threads": threads,
        "workers": workers,
        "requests": total,
        "requests_per_second": round(total / elapsed, 1) if elapsed else 0.0,
        "statuses": {str(k): v for k, v in sorted(clients.statuses.items())},
        "server_errors": sum(v for k, v in clients.statuses.items() if k >= 500),
        "dropped": sum(clients.dropped.values()),
        "dropped_detail": dict(clients.dropped),
        "unexpected_statuses": dict(clients.unexpected),
        "workers_replaced": sorted(rss_start.keys()) != sorted(rss_end.keys()),
        "rss_mib_after_warmup": round(start / 2**20, 1),
        "rss_mib_at_end": round(end / 2**20, 1),
        "rss_growth_percent": round(100 * (end - start) / start, 2) if start else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-growth", type=float, default=10.0, help="RSS growth allowed, percent")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(args.seconds, args.threads, args.workers)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    growth = result["rss_growth_percent"] or 0.0
    ok = result["server_errors"] == 0 and result["dropped"] == 0 and growth <= args.max_growth
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
