"""Progress of long jobs, per stage (files, passages, vectors): a live bar on a terminal, a log line every
few seconds elsewhere (a `make run` log, CI), nothing when asked for silence.

A job reports `progress(stage, done, total)`; a stage starts at its first report and is finished when
`done == total` (its bar closes at 100 %, its log says how long it took), so no stage is left showing
97 % while the next one does the work. Reporters are safe to call from several threads (a parallel
build reports finished tasks from the executor's callback thread while the main thread builds).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

INTERVAL = 5.0  # seconds between two log lines of one stage: often enough to see a build move, not a flood
UNITS = {"files": "files", "passages": "passages", "vectors": "vectors", "questions": "questions"}


class Progress(Protocol):
    """`progress(stage, done, total)`: `done` of `total` items of `stage` are finished."""

    def __call__(self, stage: str, done: int, total: int) -> None: ...


def silent(stage: str, done: int, total: int) -> None:
    """A reporter that reports nothing."""


def duration(seconds: float) -> str:
    """`42s`, `3m05s`, `1h02m`: short enough for a log line."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


@dataclass
class _Stage:
    started: float
    first_done: int  # already done at the first report (work reused from the cache): not part of the rate
    last_line: float
    finished: bool = False


class LogLines:
    """One line per stage when it starts, every `interval` seconds while it runs and when it finishes:
    `progress vectors 1,024/40,156 (2.6%), 14.2 vectors/s, ETA 45m48s`."""

    def __init__(self, stream: TextIO, interval: float = INTERVAL, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.interval = interval
        self.clock = clock
        self.stages: dict[str, _Stage] = {}
        self.lock = threading.Lock()

    def __call__(self, stage: str, done: int, total: int) -> None:
        with self.lock:
            now = self.clock()
            state = self.stages.get(stage)
            if state is None:
                state = self.stages[stage] = _Stage(now, done, now)
                self._line(stage, done, total, state, now)
            elif state.finished:
                return
            elif done >= total or now - state.last_line >= self.interval:
                state.last_line = now
                self._line(stage, done, total, state, now)
            state.finished = done >= total

    def _line(self, stage: str, done: int, total: int, state: _Stage, now: float) -> None:
        unit = UNITS.get(stage, "items")
        elapsed = now - state.started
        share = f" ({100 * done / total:.1f}%)" if total else ""
        text = f"progress {stage} {done:,}/{total:,}{share}"
        worked = done - state.first_done
        if done >= total:
            text += f" done in {duration(elapsed)}"
            if state.first_done:
                text += f" ({state.first_done:,} reused)"
        elif worked > 0 and elapsed > 0:
            rate = worked / elapsed
            text += f", {rate:,.1f} {unit}/s, ETA {duration((total - done) / rate)}"
        elif state.first_done:
            text += f" ({state.first_done:,} reused)"
        self.stream.write(text + "\n")
        self.stream.flush()


class Bars:
    """A tqdm bar per stage on a terminal; a stage's bar closes (at 100 %) when the stage finishes."""

    def __init__(self, stream: TextIO) -> None:
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread: build workers fork from this process
        self.stream = stream
        self.bars: dict[str, Any] = {}
        self.lock = threading.Lock()

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        with self.lock:
            bar = self.bars.get(stage)
            if bar is None:
                unit = UNITS.get(stage, "item").removesuffix("s")
                bar = self.bars[stage] = tqdm(
                    total=total, initial=done, desc=stage, unit=unit, file=self.stream, leave=True, dynamic_ncols=True
                )
            if bar.disable:
                return
            bar.update(done - bar.n)
            if done >= total:
                bar.close()  # prints the final count: a bar never stays behind at 97 %
                bar.disable = True

    def close(self) -> None:
        with self.lock:
            for bar in self.bars.values():
                if not bar.disable:
                    bar.close()


def for_stream(stream: TextIO, enabled: bool | None = None) -> Progress:
    """Bars when `stream` is a terminal, log lines when it is not; nothing when `enabled` is False
    (True: bars on a terminal, lines elsewhere, as for None)."""
    if enabled is False:
        return silent
    return Bars(stream) if stream.isatty() else LogLines(stream)
