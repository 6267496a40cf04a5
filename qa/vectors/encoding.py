"""Passage vectors for a build: reused from the cache by the sha256 of the passage text, the rest encoded here
or by the workers (qa.util.workers), in tasks of a few dozen texts.

The encoder pads every text to its own token count (qa.vectors.encoder), so a vector depends on its text alone, bit
for bit, whatever else is in the batch and however many threads run it. So a vector is the same whichever
build, task, process or machine (of one CPU kind and precision) computed it, and a rebuild that reuses most
vectors, or a build spread over a cluster, writes the same bytes as one build from nothing in one process.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import time
from collections.abc import Sequence
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from qa.util.buildcache import VectorCache, content_key
from qa.util.progress import Progress, silent
from qa.util.workers import Workers, WorkersUnavailable

# Serial cost per passage, for deciding whether worker processes repay their start (each loads the encoder,
# ~1-2 s): OpenVINO bf16 at one thread, 3.3x sentence-transformers' ~20 passages/s here (NOTES-enc).
SECONDS_PER_TEXT = 1 / 60
FLUSH_VECTORS = 1024  # new vectors written to the cache at least this often (a killed build keeps them)
FLUSH_SECONDS = 30.0


def identity(enc: Any = None) -> str:
    """What the vectors' bytes depend on, and nothing else: the encoder's own `identity` when it declares one,
    else the model's weights (their sha256), its config and tokenizer files, the code that builds and runs the
    graph (`encoder.CODE`: not the rest of its module), the versions of OpenVINO (which runs it) and of
    tokenizers (which splits the text), and the precision. Upgrading any other library keeps the cache."""
    from qa.vectors import encoder as encoders

    enc = encoders.shared() if enc is None else enc
    declared = getattr(enc, "identity", None)
    if isinstance(declared, str) and declared:
        return declared
    return content_key(_default_identity(str(getattr(enc, "directory", ""))), getattr(enc, "precision", None))


@cache
def _default_identity(directory: str) -> str:
    from qa.vectors import encoder as encoders

    files = {}
    for name in encoders.MODEL_FILES:  # the weights are named by their sha256, checked when they load
        with contextlib.suppress(OSError):
            files[name] = hashlib.sha256((Path(directory) / name).read_bytes()).hexdigest()
    code = hashlib.sha256("\n".join(inspect.getsource(part) for part in encoders.CODE).encode()).hexdigest()
    libraries = [(name, version(name)) for name in ("openvino", "tokenizers")]
    return content_key(encoders.NAME, encoders.WEIGHTS_SHA256, files, code, encoders.MAX_TOKENS, encoders.BUCKET,
                       libraries)  # fmt: skip


def encode_texts(texts: Sequence[str], threads: int | None = None) -> tuple[str, np.ndarray]:
    """One task: a unit vector per text, and the encoder's identity (a worker with another encoder, or
    another precision, would make other vectors). `threads` 1 on workers: one process per core."""
    from qa.vectors import encoder as encoders

    enc = encoders.shared(threads=threads)
    return identity(enc), enc.encode(list(texts))


def passage_vectors(
    texts: Sequence[str],
    cache_dir: Path | None = None,
    workers: Workers | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """A vector per text (float32, one row each): cached ones reused, the others encoded (by `workers`
    when it repays) and added to the cache in `cache_dir` as they come. `progress("vectors", done, total)`."""
    from qa.vectors import encoder as encoders

    enc = encoders.shared()
    ident = identity(enc)
    report = progress or silent
    digests = [VectorCache.digest(t) for t in texts]
    store = VectorCache(cache_dir, ident, enc.dim) if cache_dir is not None else None
    vectors = np.zeros((len(texts), enc.dim), dtype=np.float32)
    todo: dict[bytes, list[int]] = {}  # each distinct text encoded once
    for i, d in enumerate(digests):
        found = store.get(d) if store is not None else None
        if found is not None:
            vectors[i] = found
        else:
            todo.setdefault(d, []).append(i)
    done = len(texts) - sum(len(rows) for rows in todo.values())
    report("vectors", done, len(texts))
    # longest first: the big tasks start early and the last ones to finish are short
    order = sorted(todo, key=lambda d: -len(texts[todo[d][0]]))
    parallel = workers is not None and workers.parallel(len(order), SECONDS_PER_TEXT * len(order))
    size = _task_size(len(order), workers.processes if parallel else 1)
    tasks = [order[start : start + size] for start in range(0, len(order), size)]
    pending: list[tuple[bytes, np.ndarray]] = []
    flushed = time.monotonic()
    for t, (ident_seen, batch) in _run(tasks, texts, todo, workers if parallel else None):
        if ident_seen != ident:
            raise WorkersUnavailable(f"a build worker ({workers.where}) runs another sentence encoder than this one")
        for d, vector in zip(tasks[t], batch, strict=True):
            vectors[todo[d]] = vector
            pending.append((d, vector))
            done += len(todo[d])
        if store is not None and (len(pending) >= FLUSH_VECTORS or time.monotonic() - flushed >= FLUSH_SECONDS):
            store.add([d for d, _ in pending], np.stack([v for _, v in pending]))
            pending, flushed = [], time.monotonic()
        report("vectors", done, len(texts))
    if store is not None:
        if pending:
            store.add([d for d, _ in pending], np.stack([v for _, v in pending]))
        store.prune(digests, vectors)
    return vectors


def _task_size(n: int, processes: int) -> int:
    """Texts per task: ~16 tasks per process (balance, and progress every few seconds), at most 64 texts
    (a few seconds of numpy encoding on an idle core; the overhead of a task is a millisecond or two)."""
    return max(1, min(64, -(-n // (16 * processes)) if processes > 1 else 32))


def _run(tasks: list[list[bytes]], texts: Sequence[str], todo: dict[bytes, list[int]], workers: Workers | None):
    """(task number, (identity, vectors)) as tasks finish, on the workers or here."""
    chunks = [[texts[todo[d][0]] for d in task] for task in tasks]
    if workers is not None:
        yield from workers.map(encode_texts, [(chunk, 1) for chunk in chunks])
    else:
        for t, chunk in enumerate(chunks):
            yield t, encode_texts(chunk)
