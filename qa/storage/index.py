"""The index on disk: built atomically under a lock, described by a checksummed manifest, checked for staleness.

Layout of the index folder:
    current -> builds/<version>     symlink, swapped atomically when a build completes
    builds/<version>/manifest.json  format version, settings, corpus hashes, counts, file checksums, its own checksum
    builds/<version>/store/         passages, documents, references (qa.storage.store)
    builds/<version>/engine/        ranker arrays (qa.search.engine)
    builds/<version>/semantic/      passage vectors (qa.vectors.semantic), when semantic reranking is on; with
                                    several documents also heading-path vectors and each passage's row among them
    cache/                          work later builds reuse (qa.util.buildcache; passage words: qa.search.wordlists);
                                    never read when serving
    .lock                           held by a running build
Why one module of this size: the build, the manifest and every check that reads it (checksums, staleness, the lock)
share the folder layout above; split, that layout would be described in several places.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from qa import __version__
from qa.errors import CorpusError, IndexCorrupt, IndexMissing, IndexStale, IndexUnavailable, QAError
from qa.ingest.reader import outside_link
from qa.models import Corpus, IndexInfo, Passage
from qa.util import buildcache
from qa.util.buildcache import FileCache
from qa.util.hashing import file_sha256
from qa.util.progress import Progress, silent
from qa.util.workers import Workers

FORMAT_VERSION = 1
CURRENT = "current"
BUILDS = "builds"
MANIFEST = "manifest.json"
CACHE = buildcache.FOLDER
MANIFEST_KEYS = frozenset({"format_version", "version", "built_at", "engine", "corpus", "counts", "files"})
log = logging.getLogger(__name__)
KEEP_BUILDS = 2  # the new build and the one before it (a worker may still be reading it)


class BuildLocked(QAError):
    """Another build of the same index is running."""

    status = 409
    type = "build-in-progress"
    title = "Build in progress"


class NoSpace(QAError):
    """The filesystem filled up during a build: nothing of it is left behind, the served index is kept."""

    status = 507
    type = "no-space"
    title = "No space left"

    def __init__(self, index_dir: Path) -> None:
        link = index_dir / CURRENT
        kept = (
            f"the index being served ({os.readlink(link).rsplit('/', 1)[-1]}) was kept"
            if link.is_symlink()
            else ("there was no index before it")
        )
        super().__init__(f"no space left in {index_dir}: the build was abandoned and its partial files removed; {kept}")


@dataclass(frozen=True)
class BuildReport:
    """What a build produced: the index info, its folder and the corpus files it skipped (with why)."""

    info: IndexInfo
    path: Path
    skipped: tuple[tuple[str, str], ...]


def corpus_hashes(corpus_dir: Path, cache: dict[str, tuple[int, int, str]] | None = None) -> dict[str, str]:
    """sha256 of every non-hidden file under the corpus folder, keyed by POSIX path relative to it.

    With `cache` ({path: (mtime_ns, size, sha256)}, updated in place) a file whose modification time and
    size are unchanged is not read again: the cheap check a running server repeats."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist")
    hashes = {}
    for path in sorted(corpus_dir.rglob("*")):
        rel = path.relative_to(corpus_dir)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            if outside_link(path, corpus_dir):
                continue  # never read: the build skips it too, with the reason
            key = rel.as_posix()
            try:
                if cache is None:
                    hashes[key] = file_sha256(path)
                    continue
                st = path.stat()
                known = cache.get(key)
                if known is None or known[:2] != (st.st_mtime_ns, st.st_size):
                    known = cache[key] = (st.st_mtime_ns, st.st_size, file_sha256(path))
            except OSError:
                continue  # skipped by the build ("permission denied"...); "added" once it can be read
            hashes[key] = known[2]
    return hashes


@contextmanager
def build_lock(index_dir: Path, wait: bool = True) -> Iterator[None]:
    """Hold the index's build lock; with wait=False raise BuildLocked when another build holds it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise BuildLocked(f"another build of {index_dir} is running (pid {holder})") from exc
        with suppress(OSError):  # the holder's pid is a courtesy: a full disk must not stop the build here
            os.ftruncate(handle.fileno(), 0)
            os.pwrite(handle.fileno(), str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


HEADING_WEIGHT = 2  # the heading path is matched as if written this many times (measured: MedQuAD, seed)


def indexed_text(passage: Passage, title: str) -> str:
    """The text a passage is matched on: its heading path (the markup's headings down to its own; the
    document title when it has none) HEADING_WEIGHT times, then its text; a reference: its text only.
    A heading counts HEADING_WEIGHT times in all: when the text begins with its own heading (PostgreSQL's
    "ABORT — abort the current transaction" under "ABORT", an API entry opening with its signature) that heading is
    written once less, so a long signature's words do not outweigh the description's.

    The title is not added to every passage: on a small corpus a word in every passage of a document
    loses its weight (BM25's idf), and a page's title is its first heading anyway (h1, `# Title`)."""
    if passage.kind == "reference":
        return passage.text
    headings = list(passage.heading_path) or [passage.section or title]
    copies = [headings] * HEADING_WEIGHT
    if _begins_with(passage.text, headings[-1]):
        copies[-1] = headings[:-1]
    return "\n".join([*(h for copy in copies for h in copy), passage.text])


_words = re.compile(r"\w+").findall  # the word tokens of a string


def _begins_with(text: str, heading: str) -> bool:
    """Whether `text` opens with the words of `heading` (case, spacing and punctuation aside)."""
    head = _words(heading.lower())
    return bool(head) and _words(text[: 4 * len(heading) + 16].lower())[: len(head)] == head


def _library_versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("numpy", "scipy", "scikit-learn", "nltk", "wordfreq")}


def write_index(
    corpus: Corpus,
    corpus_files: dict[str, str],
    index_dir: Path,
    engine_settings: Any = None,
    progress: Progress | None = None,
    semantic: bool | None = None,
    workers: Workers | None = None,
    cache: bool = True,
) -> Path:
    """Write a complete build of `corpus` under index_dir/builds and point `current` at it, atomically.

    `semantic` (default: the QA_SEMANTIC setting, on when the sentence encoder is installed) also stores
    a vector per passage for the semantic reranker (qa.vectors.semantic): cached vectors of unchanged passage texts
    are reused (with `cache`), the others encoded by `workers` (default: in this process)."""
    from qa.search.engine import Engine, EngineSettings
    from qa.storage.store import write_store

    report = progress or silent
    builds = index_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    tmp = builds / f".tmp-{uuid.uuid4().hex[:12]}"
    try:
        files = [f"store/{n}" for n in write_store(tmp / "store", corpus.documents, corpus.passages, corpus.references)]
        titles = {d.id: d.title for d in corpus.documents}
        texts = [indexed_text(p, titles[p.document_id]) for p in corpus.passages]
        report("passages", 0, len(texts))  # the index is made anew, from the words of passages analysed before
        cache_dir = index_dir / CACHE if cache else None
        engine = Engine.build(
            texts, engine_settings or EngineSettings(), progress=partial(report, "passages"), cache=cache_dir
        )
        engine_meta = engine.save(tmp / "engine")
        files += [f"engine/{n}" for n in engine_meta.get("files", [])]
        semantic_meta = _semantic_vectors(corpus, tmp / "semantic", semantic, report, workers, cache_dir)
        files += [f"semantic/{n}" for n in (semantic_meta or {}).get("files", [])]
        manifest = {
            "format_version": FORMAT_VERSION,
            "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "qa_version": __version__,
            "libraries": _library_versions(),
            "engine": engine_meta,
            "semantic": semantic_meta,
            "corpus": {"files": corpus_files, "skipped": [list(s) for s in corpus.skipped]},
            "counts": {
                "documents": len(corpus.documents),
                "passages": len(corpus.passages),
                "references": len(corpus.references),
                "terms": engine.n_terms,
            },
            "files": {
                name: {"sha256": file_sha256(tmp / name), "bytes": (tmp / name).stat().st_size} for name in files
            },
        }
        manifest["version"] = content_version(manifest)
        manifest["checksum"] = manifest_checksum(manifest)
        _write_durably(tmp / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        final = builds / manifest["version"]
        if final.exists() and not _intact(final):
            shutil.rmtree(final)  # a damaged copy of this very build: nothing can be serving from it
        if final.exists():  # the same version, the same files: keep the one readers may have open
            os.utime(final)  # the newest build again, for pruning
        else:
            os.rename(tmp, final)
        _point_current(index_dir, final)
        _prune(builds, keep=final.name)
        return final
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def content_version(manifest: dict[str, Any]) -> str:
    """The build's version: a hash of its manifest without `built_at`, `version` and `checksum`, so two builds
    of the same corpus with the same code and settings get the same version (and the same folder) whenever
    they run."""
    content = {k: v for k, v in manifest.items() if k not in ("built_at", "version", "checksum")}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]


def _semantic_vectors(
    corpus: Corpus,
    folder: Path,
    wanted: bool | None,
    progress: Progress,
    workers: Workers | None,
    cache_dir: Path | None,
) -> Any:
    """Passage vectors for the semantic reranker, or None when it is off or its encoder is not installed."""
    from qa.vectors import encoder, semantic
    from qa.vectors.encoding import passage_vectors

    required = wanted is True
    if not (required or (wanted is None and semantic.enabled())):
        return None
    try:
        enc = encoder.shared()
    except encoder.EncoderUnavailable as exc:
        if required:
            raise
        log.warning("building without semantic reranking: %s", exc)
        return None
    titles = {d.id: d.title for d in corpus.documents}
    texts = semantic.vector_texts(corpus.passages, titles)
    headings = semantic.heading_texts(corpus.passages, titles)
    paths, rows = headings if headings is not None else ([], None)
    # one call: the heading paths' vectors are reused, encoded and kept in the cache like the passages'
    vectors = passage_vectors([*texts, *paths], cache_dir, workers, progress)
    graph = (lambda done, total: progress("graph", done, total)) if progress else None
    heading_vectors = vectors[len(texts) :] if rows is not None else None
    return semantic.save(vectors[: len(texts)], folder, enc.precision, graph, cache=cache_dir,
                         headings=heading_vectors, heading_rows=rows)  # fmt: skip


def lacks_vectors(manifest: dict[str, Any]) -> bool:
    """True when a build has no passage vectors although semantic reranking is on and its encoder is
    installed (an index built before the reranker, or while the encoder was missing): rebuild it."""
    from qa.vectors import encoder, semantic

    if manifest.get("semantic") or not semantic.enabled():
        return False
    try:
        encoder.shared()
    except encoder.EncoderUnavailable:
        return False
    return True


def _intact(build: Path) -> bool:
    try:
        verify_files(build, read_manifest(build))
    except IndexUnavailable:
        return False
    return True


def _write_durably(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _point_current(index_dir: Path, build: Path) -> None:
    """Swap the `current` symlink to `build` with one rename (readers see the old or the new, never neither)."""
    link = index_dir / f".{CURRENT}-{uuid.uuid4().hex[:8]}"
    os.symlink(os.path.relpath(build, index_dir), link)
    os.replace(link, index_dir / CURRENT)


def _prune(builds: Path, keep: str) -> None:
    """Remove older builds beyond KEEP_BUILDS (newest first); leftovers of killed builds too."""
    entries = sorted(builds.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    kept = 1
    for entry in entries:
        if entry.name == keep:
            continue
        if entry.name.startswith(".tmp-") and time.time() - entry.stat().st_mtime < 3600:
            continue  # maybe another build's work in progress (the lock makes this rare)
        if not entry.name.startswith(".tmp-") and kept < KEEP_BUILDS:
            kept += 1
            continue
        shutil.rmtree(entry, ignore_errors=True)


def remove_leftovers(index_dir: Path) -> list[str]:
    """Delete what killed builds left behind (.tmp-* build folders, .current-* links); call under the lock.

    Returns the names removed."""
    builds = index_dir / BUILDS
    leftovers = list(builds.glob(".tmp-*")) if builds.is_dir() else []
    leftovers += [p for p in index_dir.glob(f".{CURRENT}-*") if p.is_symlink()]
    for path in leftovers:
        if path.is_symlink():
            path.unlink()
        else:
            shutil.rmtree(path, ignore_errors=True)
    buildcache.remove_leftovers(index_dir / CACHE)
    return sorted(p.name for p in leftovers)


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    engine_settings: Any = None,
    progress: Progress | None = None,
    wait: bool = True,
    semantic: bool | None = None,
    workers: Workers | None = None,
    cache: bool = True,
) -> BuildReport:
    """Read the corpus and build its index, atomically, under the build lock.

    With `cache` (the default) the work of files and passage texts that did not change since an earlier
    build of this index is reused from index_dir/cache; `workers` (qa.util.workers: local processes or a Dask
    cluster; default: this process) do the rest. Whatever was reused and wherever the work ran, the build's
    files are the same bytes as a build from nothing in one process."""
    from qa.ingest.corpus import load_corpus

    with build_lock(index_dir, wait=wait):
        remove_leftovers(index_dir)
        files = corpus_hashes(corpus_dir)
        try:
            file_cache = FileCache(index_dir / CACHE) if cache else None
            corpus = load_corpus(corpus_dir, cache=file_cache, workers=workers, progress=progress, hashes=files)
            if not corpus.passages:
                reasons = "; ".join(f"{p}: {r}" for p, r in corpus.skipped) or "no .txt, .md or .html files"
                raise CorpusError(f"nothing to index in {corpus_dir} ({reasons})")
            path = write_index(corpus, files, index_dir, engine_settings, progress, semantic, workers, cache)
            if file_cache is not None:
                file_cache.prune()
        except OSError as exc:  # the cache's entries and the build's files alike may meet a full disk
            if exc.errno != errno.ENOSPC:
                raise
            raise NoSpace(index_dir) from exc
    manifest = read_manifest(path)
    return BuildReport(info_from_manifest(manifest, path), path, corpus.skipped)


def current_build(index_dir: Path) -> Path:
    """The build folder `current` points at (IndexMissing when there is none)."""
    link = index_dir / CURRENT
    if not link.exists():
        raise IndexMissing(f"no index in {index_dir}: run `qa build` (or `make run`, which builds it)")
    return link.resolve()


def manifest_checksum(manifest: dict[str, Any]) -> str:
    """The sha256 of a manifest without its `checksum` field (sorted keys), `built_at` and `version`
    included: any change to the manifest, one flipped bit anywhere, is detected when it is read."""
    content = {k: v for k, v in manifest.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def read_manifest(build: Path) -> dict[str, Any]:
    """The parsed manifest of a build; IndexCorrupt if it is missing, unreadable or fails its checksum."""
    try:
        manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"index manifest {build / MANIFEST} is missing or unreadable: run `qa build`") from exc
    if not isinstance(manifest, dict) or not manifest.keys() >= MANIFEST_KEYS:
        raise IndexCorrupt(f"index manifest {build / MANIFEST} is missing or unreadable: run `qa build`")
    if "checksum" not in manifest:
        raise IndexCorrupt(f"index manifest {build / MANIFEST} has no checksum (an older qa built it): run `qa build`")
    if manifest["checksum"] != manifest_checksum(manifest) or not isinstance(manifest["version"], str):
        raise IndexCorrupt(f"index manifest {build / MANIFEST} fails its checksum (damaged): run `qa build`")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexUnavailable(
            f"index {build} has format version {manifest.get('format_version')!r}, "
            f"this qa reads {FORMAT_VERSION}: run `qa build`"
        )
    return manifest


def verify_files(build: Path, manifest: dict[str, Any], checksums: bool = True) -> None:
    """Check every index file exists with its recorded size (and sha256); IndexCorrupt names the first bad one."""
    for name, meta in sorted(manifest["files"].items()):
        path = build / name
        if not path.is_file() or path.stat().st_size != meta["bytes"]:
            raise IndexCorrupt(f"index file {path} is missing or truncated: run `qa build`")
        if checksums and file_sha256(path) != meta["sha256"]:
            raise IndexCorrupt(f"index file {path} fails its checksum (corrupted): run `qa build`")


def stale_changes(manifest: dict[str, Any], corpus_dir: Path, cache: dict | None = None) -> list[str]:
    """What changed in the corpus since the build ('added x', 'removed y', 'changed z'); [] when fresh."""
    built = manifest["corpus"]["files"]
    now = corpus_hashes(corpus_dir, cache)
    changes = [f"added {p}" for p in sorted(now.keys() - built.keys())]
    changes += [f"removed {p}" for p in sorted(built.keys() - now.keys())]
    changes += [f"changed {p}" for p in sorted(now.keys() & built.keys()) if now[p] != built[p]]
    return changes


def check_fresh(manifest: dict[str, Any], corpus_dir: Path) -> None:
    """Raise IndexStale naming the changes when the corpus differs from what was built."""
    changes = stale_changes(manifest, corpus_dir)
    if changes:
        shown = ", ".join(changes[:5]) + (f" and {len(changes) - 5} more" if len(changes) > 5 else "")
        raise IndexStale(f"the corpus changed since the index was built ({shown}): run `qa build`")


def info_from_manifest(manifest: dict[str, Any], build: Path, stale: bool = False) -> IndexInfo:
    counts = manifest["counts"]
    return IndexInfo(
        format_version=manifest["format_version"],
        version=manifest["version"],
        built_at=manifest["built_at"],
        documents=counts["documents"],
        passages=counts["passages"],
        references=counts["references"],
        terms=counts["terms"],
        size_bytes=sum(m["bytes"] for m in manifest["files"].values()),
        stale=stale,
    )
