"""gunicorn settings for `make run`, read from the same settings table as the app.

The app (and with it the index) is loaded once in the master (`preload_app`) and the workers fork from
it: index arrays memory-mapped read-only are shared page for page, nothing is loaded per worker.
Metrics: every worker writes its samples to PROMETHEUS_MULTIPROC_DIR (a fresh temporary folder unless
set; it must be set before prometheus_client is imported, hence here), `child_exit` retires a dead
worker's live gauges, and a scrape of any worker sums all of them.
"""

import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from qa import settings as _settings

# One BLAS thread and one encoder thread per worker: the workers are single-threaded and as many as the
# cores, so more threads (numpy's matrix products, the sentence encoder's) only fight each other and the
# other workers. Measured with wrk on the seed, 2 workers: p99 162 ms with OpenBLAS's default threads,
# 26 ms with one. Set before the app (and numpy, and the encoder) is loaded; an operator's own value wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "QA_ENCODER_THREADS"):
    os.environ.setdefault(_var, "1")

_values = _settings.from_env()
bind = f"{_values['HOST']}:{_values['PORT']}"
workers = _values["WORKERS"]
# THREADS > 1: gthread workers, each answering that many requests at once (the GIL serialises the Python, but
# the sentence encoder runs outside it and concurrent new questions share its calls: Encoder.encode_together).
threads = _values["THREADS"]
if threads < 1:
    raise ValueError(f"THREADS must be a whole number ≥ 1 (1: sync workers), not {threads}")
worker_class = "gthread" if threads > 1 else "sync"
preload_app = True
accesslog = None  # the app writes its own structured access log (JSON lines on stderr)
timeout = 30
graceful_timeout = 20
# Behind the front (`make run`, qa.web.serve) requests arrive whole and within the front's limits (8 KiB
# request line and header lines, 100 of them): let everything the front accepts through, with room for
# the X-Forwarded-* lines it adds.
limit_request_line = 8190
limit_request_fields = 120
limit_request_field_size = 16380
# No control socket (gunicorn 25.1+, `gunicornc`): by default every gunicorn of a user binds the same
# ~/.gunicorn/gunicorn.ctl, the last one started takes it over and the first one to stop deletes it, so
# `gunicornc shutdown` could stop another server (two replicas, a test run beside `make run`). qa's servers
# are driven by signals (qa.web.serve) and reload builds by themselves, so nothing here needs it.
control_socket_disable = True


def _metrics_dir() -> str:
    """The multiprocess metrics folder, emptied: stale files from an earlier run would be summed in."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        folder = tempfile.mkdtemp(prefix="qa-metrics-")
        os.environ["QA_METRICS_DIR_OWNED"] = "1"
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    return folder


os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir()


def child_exit(server, worker):  # noqa: ANN001 - gunicorn's hook signature
    """A worker died: mark its live gauges dead so scrapes stop counting it."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # noqa: ANN001
    """Remove the metrics folder we created (never one the operator chose)."""
    if os.environ.get("QA_METRICS_DIR_OWNED") == "1":
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def worker_exit(server, worker):  # noqa: ANN001
    """A worker is leaving (stop, reload, crash): end the process here, with the exit code it was leaving
    with, instead of running Python's finalization. That would destroy the sentence encoder's OpenVINO
    executor, whose worker threads exist only in the master the worker forked from: the destructor waits
    for them forever, and the master SIGKILLs the worker after `graceful_timeout` (every stop took 20 s)."""
    pending = sys.exc_info()[1]  # gunicorn calls this from the `finally` of the worker's sys.exit(code)
    code = pending.code if isinstance(pending, SystemExit) else 0
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"), as Python itself would report it
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
