"""Where a build's parallel work runs: in this process, on one worker process per local core, or on a Dask
cluster. Only the place differs: every task is a plain function of its arguments, so the results (and the
index made from them) are the same byte for byte wherever they ran.

Dask (`distributed`) is the distributed engine: `Workers(scheduler="tcp://host:8786")` sends the tasks to
its scheduler, which spreads them over its workers; nothing here schedules anything itself. Local work uses
`concurrent.futures.ProcessPoolExecutor` (the standard library's), started only when a job is big enough to
repay starting the processes.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from qa.errors import QAError


class WorkersUnavailable(QAError):
    """The Dask scheduler cannot be reached (or Dask is not installed)."""

    status = 503
    type = "workers-unavailable"
    title = "Build workers unavailable"


def local_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def one_thread() -> None:
    """Limit BLAS and OpenMP pools of this process to one thread: a worker per core already uses every
    core, and BLAS threads on a busy core only fight each other (NOTES: 1.3 passages/s under load)."""
    from threadpoolctl import threadpool_limits

    global _limited
    if not _limited:
        threadpool_limits(1)
        _limited = True


_limited = False


class Workers:
    """Runs tasks in this process (`processes=1`), on local processes (default: one per core) or on the
    Dask cluster whose scheduler is `scheduler`. Start lazily, stop with `close()` (or use `with`)."""

    def __init__(
        self, processes: int | None = None, scheduler: str | None = None, timeout: float | None = None
    ) -> None:
        if processes is not None and processes < 0:
            raise ValueError(f"processes must be 0 (every core) or more, not {processes}")
        self.scheduler = scheduler or None
        self.explicit = bool(processes)  # a count asked for: use it even for small jobs (tests, benchmarks)
        self.processes = processes or local_cores()
        self.timeout = timeout
        self._executor: cf.Executor | None = None
        self._client: Any = None
        self._started = False
        self._lock = threading.Lock()

    @property
    def where(self) -> str:
        """Where the tasks ran, for messages: `dask tcp://…`, `4 local processes`, or `this process` (also
        when every job was too small to repay starting processes)."""
        if self.scheduler:
            return f"dask {self.scheduler}"
        return f"{self.processes} local processes" if self._started else "this process"

    def parallel(self, tasks: int, serial_seconds: float) -> bool:
        """Whether `tasks` tasks estimated at `serial_seconds` in all should go to workers: always on a
        cluster; locally when there are cores to spread over and the job repays starting the processes."""
        if self.scheduler:
            return tasks > 0
        if self.processes < 2 or tasks < 2:
            return False
        return self.explicit or serial_seconds >= START_SECONDS

    def executor(self) -> cf.Executor:
        """The executor the tasks go to (started on first use)."""
        with self._lock:
            if self._executor is None:
                self._executor = self._dask() if self.scheduler else self._local()
                self._started = True
            return self._executor

    def _local(self) -> cf.Executor:
        # fork (Linux's default): workers start in milliseconds with this process's modules, and unlike spawn
        # and forkserver they do not run the caller's main script again (a script without an
        # `if __name__ == "__main__"` guard would start a second build, which waits on this one's lock).
        context = multiprocessing.get_context("fork")
        return cf.ProcessPoolExecutor(self.processes, mp_context=context, initializer=one_thread)

    def _dask(self) -> cf.Executor:
        try:
            from distributed import Client
        except ImportError as exc:
            raise WorkersUnavailable(
                "building on a Dask cluster needs dask and distributed: pip install 'qa[dask]'"
            ) from exc
        try:
            self._client = Client(self.scheduler, timeout=self.timeout or CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise WorkersUnavailable(f"cannot reach the Dask scheduler at {self.scheduler}: {exc}") from exc
        return self._client.get_executor(pure=False)

    def map(self, fn: Callable[..., Any], args: Sequence[tuple]) -> Iterator[tuple[int, Any]]:
        """`(i, fn(*args[i]))` for every i, in the order they finish. The first task that raises stops the
        job: the tasks not started are cancelled and its exception is raised here."""
        executor = self.executor()
        futures = {executor.submit(fn, *a): i for i, a in enumerate(args)}
        try:
            for future in cf.as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        """Stop local worker processes; disconnect from the cluster (its workers go on serving others)."""
        with self._lock:
            if self._executor is not None:
                if self._client is None:
                    self._executor.shutdown(wait=True, cancel_futures=True)
                else:  # a Dask ClientExecutor: its tasks were cancelled or finished by map()
                    self._executor.shutdown(wait=False)
                self._executor = None
            if self._client is not None:
                self._client.close()
                self._client = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


CONNECT_SECONDS = 30.0  # how long to try reaching a Dask scheduler before giving up
START_SECONDS = 2.0  # serial work below this is done in this process: starting worker processes costs ~1 s
