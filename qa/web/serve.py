"""`make run`: gunicorn's sync workers on a private Unix socket behind the buffering front (qa.web.front).

    python -m qa.web.serve        # HOST:PORT from the settings, WORKERS sync workers

The workers keep what sync workers are good at (one CPU-bound answer per core, the memory-mapped index
shared by fork, hot reload, multiprocess metrics: qa.web.gunicorn_conf); the front keeps what they are
bad at, slow clients, away from them. SIGTERM or SIGINT stops both; if gunicorn exits, so does this.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from qa import settings
from qa.web.front import Front, Limits

log = logging.getLogger("qa.web.front")


def gunicorn_command(socket_path: Path) -> list[str]:
    """gunicorn with the project's config, bound to the Unix socket instead of HOST:PORT."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:qa.web.gunicorn_conf",
        "--bind",
        f"unix:{socket_path}",
    ]


async def _run(host: str, port: int, front: Front, workers: subprocess.Popen) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    while not Path(front.upstream).exists():  # listen once the workers can answer (the app is preloaded)
        if workers.poll() is not None or stop.is_set():
            return workers.poll() or 0
        await asyncio.sleep(0.1)
    server = await front.serve(host, port)
    print(f"qa: serving on http://{host}:{port} (front), workers on {front.upstream}", file=sys.stderr, flush=True)
    while not stop.is_set() and workers.poll() is None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)
    server.close()
    return workers.poll() or 0


def main() -> int:
    """Start the workers, then the front; stop the workers when the front stops (and vice versa)."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    values = settings.from_env()
    hops = int(values["PROXY_HOPS"])
    with tempfile.TemporaryDirectory(prefix="qa-serve-") as private:
        os.chmod(private, 0o700)  # only this user reaches the workers' socket
        socket_path = Path(private) / "workers.sock"
        env = dict(os.environ, QA_PROXY_HOPS=str(hops + 1))  # the front is one more proxy to trust
        workers = subprocess.Popen([*gunicorn_command(socket_path), "wsgi:app"], env=env)
        front = Front(str(socket_path), Limits(max_body=int(values["MAX_CONTENT_LENGTH"]),
                                               heavy_slots=max(1, int(values["WORKERS"]) - 1)), hops)  # fmt: skip
        try:
            code = asyncio.run(_run(str(values["HOST"]), int(values["PORT"]), front, workers))
        finally:
            if workers.poll() is None:
                workers.send_signal(signal.SIGTERM)
                try:
                    workers.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    workers.kill()
                    workers.wait()
    return code


if __name__ == "__main__":
    sys.exit(main())
