"""A corpus folder to a Corpus: documents, passages and references in deterministic order, with
unusable files skipped and the reason recorded (never dropped silently)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from qa import settings
from qa.buildcache import FileCache, code_fingerprint, content_key
from qa.errors import CorpusError
from qa.models import Corpus, Document, Passage, Reference
from qa.passages import build_passages
from qa.progress import Progress, silent
from qa.reader import (
    FileUnreadable,
    SourceFile,
    assign_ids,
    discover,
    display_path,
    outside_link,
    read_source,
    sidecar_paths,
    unreadable_folders,
)
from qa.references import parse_references
from qa.structure import analyze
from qa.workers import Workers, WorkersUnavailable


@dataclass(frozen=True)
class FileJob:
    """One corpus file to read: where it is (the corpus folder as this process names it: workers on other
    machines must see it at the same path), its document id, the size limit, and the sha256 of its bytes and
    of its metadata sidecars (None: absent) when the build started."""

    corpus_dir: str
    rel: str
    doc_id: str
    max_bytes: int | None
    sha256: str | None = None
    sidecars: tuple[str | None, ...] = ()

    def key(self) -> str:
        """What the file's result depends on: the parsing code, the path as shown, id, limit and bytes."""
        shown = display_path(Path(self.corpus_dir) / self.rel, Path(self.corpus_dir))
        return content_key(code_fingerprint(), shown, self.doc_id, self.max_bytes, self.sha256, self.sidecars)


@dataclass(frozen=True)
class FileResult:
    """What one file gave: its document, passages and references, or why it was skipped; `reusable` when
    the bytes read are the ones the job's hashes describe (a file edited during the build is not cached)."""

    document: Document | None
    passages: tuple[Passage, ...] = ()
    references: tuple[Reference, ...] = ()
    skipped: str | None = None
    reusable: bool = False


def sidecar_hashes(path: Path, corpus_dir: Path) -> tuple[str | None, ...]:
    """sha256 of each metadata sidecar a file may have (None where there is none; "unreadable" for one that
    cannot be read or links out of the corpus, which is never read: the file is then skipped, uncached)."""
    paths = sidecar_paths(path)
    return tuple((_readable_sha256(p, corpus_dir) or "unreadable") if p.is_file() else None for p in paths)


def _readable_sha256(path: Path, corpus_dir: Path) -> str | None:
    """sha256 of a file's bytes; None when it links out of the corpus (never read) or cannot be read."""
    if outside_link(path, corpus_dir):
        return None
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def read_file(job: FileJob) -> FileResult:
    """Read, clean and split one corpus file (what a worker runs); a CorpusError becomes a skip reason."""
    corpus_dir = Path(job.corpus_dir)
    path = corpus_dir / job.rel
    try:
        source = read_source(path, corpus_dir, job.doc_id, job.max_bytes)
    except FileUnreadable as exc:  # the filesystem's verdict, not the bytes': asked again at every build
        return FileResult(None, skipped=exc.detail)
    except CorpusError as exc:
        # a skip is as reusable as a result (the same bytes fail the same way) when the bytes are the job's
        try:
            unchanged = job.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            unchanged = False
        reusable = unchanged and sidecar_hashes(path, corpus_dir) == job.sidecars
        return FileResult(None, skipped=exc.detail, reusable=reusable)
    document, passages, references = process(source)
    reusable = job.sha256 == source.sha256 and sidecar_hashes(path, corpus_dir) == job.sidecars
    return FileResult(document, passages, references, reusable=reusable)


def read_files(jobs: list[FileJob]) -> tuple[str, list[FileResult]]:
    """A batch of files (one worker task): the results and this process's code fingerprint, which must be
    the builder's (a worker running other code would make another index)."""
    return code_fingerprint(), [read_file(job) for job in jobs]


def load_corpus(
    corpus_dir: Path,
    max_file_bytes: int | None = None,
    cache: FileCache | None = None,
    workers: Workers | None = None,
    progress: Progress | None = None,
    hashes: dict[str, str] | None = None,
) -> Corpus:
    """Read every document of `corpus_dir` (sorted by path); a file that is too large, binary, not
    decodable, empty, or a byte-for-byte copy of an earlier file is listed in `skipped` as (path, reason).
    `max_file_bytes` None: the QA_MAX_FILE_BYTES setting. CorpusError when the folder does not exist.

    With a `cache`, files whose bytes (and sidecars) did not change are not read again; `workers` read the
    others in parallel; `progress("files", done, total)` follows them; `hashes` are the corpus files' sha256
    by relative path if the caller has them (qa.index.corpus_hashes). The result is the same either way."""
    corpus_dir = Path(corpus_dir)
    if max_file_bytes is None:
        max_file_bytes = settings.get("MAX_FILE_BYTES")
    paths = discover(corpus_dir)
    rels = [p.relative_to(corpus_dir).as_posix() for p in paths]
    ids = assign_ids(rels)
    jobs = [_job(corpus_dir, rel, ids[rel], max_file_bytes, cache, hashes) for rel in rels]
    results = _results(jobs, cache, workers, progress)
    return _assemble(corpus_dir, paths, results)


def _job(
    corpus_dir: Path, rel: str, doc_id: str, max_bytes: int, cache: FileCache | None, hashes: dict[str, str] | None
) -> FileJob:
    if cache is None:
        return FileJob(str(corpus_dir), rel, doc_id, max_bytes)
    path = corpus_dir / rel
    # no sha256 (a link out, an unreadable file): no key, nothing cached; read_file says why it is skipped
    sha = (hashes or {}).get(rel) or (_readable_sha256(path, corpus_dir) if path.is_file() else None)
    return FileJob(str(corpus_dir), rel, doc_id, max_bytes, sha, sidecar_hashes(path, corpus_dir))


# Serial cost of reading and cleaning, for deciding whether worker processes repay their start: measured
# 2.0 s per MB on the Python library reference (28.5 MB, 317 HTML files) on this 2-core machine kind.
SECONDS_PER_BYTE = 2.0e-6
BATCH_BYTES = 1 << 20  # files per task up to ~1 MB: few tasks to schedule, enough to spread over workers


def _results(
    jobs: list[FileJob], cache: FileCache | None, workers: Workers | None, progress: Progress | None
) -> list[FileResult]:
    """Each job's result: from the cache, else read here or by the workers (then cached)."""
    results: list[FileResult | None] = [None] * len(jobs)
    keys = [job.key() if cache is not None and job.sha256 else None for job in jobs]
    for i, key in enumerate(keys):
        if key is not None:
            results[i] = cache.get(key, FileResult)
    todo = [i for i, r in enumerate(results) if r is None]
    done = len(jobs) - len(todo)
    report = progress or silent
    report("files", done, len(jobs))

    def finished(batch: list[int], batch_results: list[FileResult]) -> None:
        nonlocal done
        for i, result in zip(batch, batch_results, strict=True):
            results[i] = result
            if cache is not None and keys[i] is not None and result.reusable:
                cache.put(keys[i], result)
        done += len(batch)
        report("files", done, len(jobs))

    sizes = [_size(jobs[i]) for i in todo]
    if workers is not None and workers.parallel(len(todo), SECONDS_PER_BYTE * sum(sizes)):
        batches = _batches(todo, sizes, max(1, min(BATCH_BYTES, sum(sizes) // (4 * workers.processes))))
        expected = code_fingerprint()
        for b, (fingerprint, batch_results) in workers.map(read_files, [([jobs[i] for i in b],) for b in batches]):
            if fingerprint != expected:
                raise WorkersUnavailable(
                    f"a build worker ({workers.where}) runs other qa code or libraries than this one"
                )
            finished(batches[b], batch_results)
    else:
        for i in todo:
            finished([i], [read_file(jobs[i])])
    return results  # type: ignore[return-value]  (every slot is filled)


def _size(job: FileJob) -> int:
    try:
        return (Path(job.corpus_dir) / job.rel).stat().st_size
    except OSError:
        return 0


def _batches(items: list[int], sizes: list[int], target: int) -> list[list[int]]:
    """Consecutive items grouped until a group's size reaches `target`."""
    batches: list[list[int]] = [[]]
    total = 0
    for item, size in zip(items, sizes, strict=True):
        if batches[-1] and total + size > target:
            batches.append([])
            total = 0
        batches[-1].append(item)
        total += size
    return [b for b in batches if b]


def _assemble(corpus_dir: Path, paths: list[Path], results: list[FileResult]) -> Corpus:
    """The corpus in path order; byte-for-byte copies of an earlier file are skipped."""
    documents: list[Document] = []
    passages: list[Passage] = []
    references: list[Reference] = []
    skipped: list[tuple[str, str]] = unreadable_folders(corpus_dir)
    first_with: dict[str, str] = {}  # sha256 -> path of the first file with that content
    for path, result in zip(paths, results, strict=True):
        shown = display_path(path, corpus_dir)
        if result.document is None:
            skipped.append((shown, result.skipped or f"{shown}: unreadable"))
            continue
        if result.document.sha256 in first_with:
            skipped.append((shown, f"{shown}: duplicate of {first_with[result.document.sha256]}"))
            continue
        first_with[result.document.sha256] = shown
        documents.append(result.document)
        passages.extend(result.passages)
        references.extend(result.references)
    return Corpus(tuple(documents), tuple(passages), tuple(references), tuple(skipped))


def process(source: SourceFile) -> tuple[Document, tuple[Passage, ...], tuple[Reference, ...]]:
    """One read file to its Document (title: metadata, else first heading, else file name),
    passages and references."""
    structure = analyze(source.text, source.headings, source.code_blocks, source.inline_code)
    title = source.title or (structure.headings[0].text if structure.headings else source.stem)
    document = Document(
        id=source.id,
        path=source.path,
        title=title,
        url=source.url,
        sha256=source.sha256,
        format=source.format,
        size=source.size,
    )
    references = parse_references(source.id, structure.references)
    passages = build_passages(source.id, title, structure.sections, references)
    return document, passages, references


def corpus_fingerprint(corpus_dir: Path) -> dict[str, str]:
    """{path relative to the corpus folder's parent: sha256 of the raw bytes} for every corpus file
    and metadata sidecar; cheap (no parsing), for telling whether an index is stale."""
    corpus_dir = Path(corpus_dir)
    paths = discover(corpus_dir)
    paths += sorted(p for p in corpus_dir.rglob("*.meta.json") if p.is_file())
    return {
        display_path(p, corpus_dir): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(paths, key=lambda p: p.relative_to(corpus_dir).as_posix())
    }
