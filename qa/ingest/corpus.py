"""A corpus folder to a Corpus: documents, passages and references in deterministic order, with
unusable files skipped and the reason recorded (never dropped silently).

Why one module of this size: the two passes over a folder (count every file's words, then read and repair each file
with the corpus's counts), the per-file cache they consult and their batches for the workers are one schedule; the
per-file work itself lives in the modules it calls.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from qa import settings
from qa.errors import CorpusError
from qa.ingest.lexicon import Lexicon, Recording, words_of
from qa.ingest.passages import build_passages
from qa.ingest.reader import (
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
from qa.ingest.references import parse_references
from qa.ingest.structure import analyze
from qa.models import Corpus, Document, Passage, Reference
from qa.util.buildcache import FileCache, code_fingerprint, content_key
from qa.util.progress import Progress, silent
from qa.util.workers import Workers, WorkersUnavailable


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
class FileWords:
    """Pass 1 of one file: the sha256 of the bytes read and the words it has intact, with their counts
    (qa.ingest.lexicon), or why it is skipped; `reusable` when the bytes read are the ones the job's hashes describe."""

    sha256: str | None = None
    words: tuple[tuple[str, int], ...] = ()
    skipped: str | None = None
    reusable: bool = False


@dataclass(frozen=True)
class FileResult:
    """What one file gave: its document, passages and references, or why it was skipped; `reusable` when
    the bytes read are the ones the job's hashes describe (a file edited during the build is not cached);
    `consulted`: every word its repair asked the corpus's lexicon about, with the range [low, high] of counts that
    gives the same answers (qa.ingest.lexicon.Recording), where a later build's counts must lie for this result to
    be reused."""

    document: Document | None
    passages: tuple[Passage, ...] = ()
    references: tuple[Reference, ...] = ()
    skipped: str | None = None
    reusable: bool = False
    consulted: tuple[tuple[str, int, int], ...] = ()


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


def _read(job: FileJob) -> SourceFile | FileResult:
    """The file read and decoded, or (a CorpusError) the skip it is."""
    corpus_dir = Path(job.corpus_dir)
    path = corpus_dir / job.rel
    try:
        return read_source(path, corpus_dir, job.doc_id, job.max_bytes)
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


def _reusable(job: FileJob, source: SourceFile) -> bool:
    corpus_dir = Path(job.corpus_dir)
    return job.sha256 == source.sha256 and sidecar_hashes(corpus_dir / job.rel, corpus_dir) == job.sidecars


def count_words(job: FileJob, keep: bool = False) -> tuple[FileWords, SourceFile | None]:
    """Pass 1 of one file (what a worker runs): its intact words, and the file as read when `keep` (so pass 2
    need not read it again)."""
    source = _read(job)
    if isinstance(source, FileResult):
        return FileWords(skipped=source.skipped, reusable=source.reusable), None
    words = tuple(sorted(words_of(source.text.text).items()))
    return FileWords(source.sha256, words, reusable=_reusable(job, source)), source if keep else None


def read_file(job: FileJob, lexicon: Lexicon | None = None, source: SourceFile | None = None) -> FileResult:
    """Pass 2 of one file (what a worker runs): read (unless pass 1 kept `source`), clean with the corpus's
    `lexicon` and split; a CorpusError becomes a skip reason."""
    read = source if source is not None else _read(job)
    if isinstance(read, FileResult):
        return read
    recording = Recording.of(lexicon) if lexicon is not None else None
    document, passages, references = process(read, recording)
    consulted = tuple(sorted((w, *r) for w, r in recording.consulted.items())) if recording is not None else ()
    return FileResult(document, passages, references, reusable=_reusable(job, read), consulted=consulted)


def count_batch(jobs: list[FileJob], keep: list[bool]) -> tuple[str, list[tuple[FileWords, SourceFile | None]]]:
    """A batch of pass-1 jobs (one worker task) and this process's code fingerprint (see read_files)."""
    return code_fingerprint(), [count_words(job, k) for job, k in zip(jobs, keep, strict=True)]


def read_files(
    jobs: list[FileJob], sources: list[SourceFile | None] | None = None, lexicon: Lexicon | None = None
) -> tuple[str, list[FileResult]]:
    """A batch of pass-2 jobs (one worker task), with the files pass 1 kept (None: read again): the results
    and this process's code fingerprint, which must be the builder's (a worker running other code would
    make another index)."""
    sources = sources or [None] * len(jobs)
    return code_fingerprint(), [read_file(job, lexicon, s) for job, s in zip(jobs, sources, strict=True)]


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

    Two passes: `files` reads every file and counts its intact words (qa.ingest.lexicon), `cleaning` repairs each
    document with the whole corpus's counts and splits it. With a `cache`, an unchanged file (bytes, sidecars)
    is not read again in pass 1, and its pass-2 result is reused while the corpus's counts answer every
    question its repair asked as before; `workers` do the rest in parallel; `progress(stage, done, total)`
    follows both passes; `hashes` are the corpus files' sha256 by relative path if the caller has them
    (qa.storage.index.corpus_hashes). The result is the same either way, byte for byte."""
    corpus_dir = Path(corpus_dir)
    if max_file_bytes is None:
        max_file_bytes = settings.get("MAX_FILE_BYTES")
    paths = discover(corpus_dir)
    rels = [p.relative_to(corpus_dir).as_posix() for p in paths]
    ids = assign_ids(rels)
    jobs = [_job(corpus_dir, rel, ids[rel], max_file_bytes, cache, hashes) for rel in rels]
    sizes = [_size(job) for job in jobs]
    words, sources = _count_pass(jobs, sizes, cache, workers, progress or silent)
    documents = _documents(words)
    lexicon = Lexicon.from_counts(words[i].words for i in documents)
    results = _clean_pass(jobs, sizes, documents, sources, lexicon, cache, workers, progress or silent)
    return _assemble(corpus_dir, paths, words, results)


def _job(
    corpus_dir: Path, rel: str, doc_id: str, max_bytes: int, cache: FileCache | None, hashes: dict[str, str] | None
) -> FileJob:
    if cache is None:
        return FileJob(str(corpus_dir), rel, doc_id, max_bytes)
    path = corpus_dir / rel
    # no sha256 (a link out, an unreadable file): no key, nothing cached; read_file says why it is skipped
    sha = (hashes or {}).get(rel) or (_readable_sha256(path, corpus_dir) if path.is_file() else None)
    return FileJob(str(corpus_dir), rel, doc_id, max_bytes, sha, sidecar_hashes(path, corpus_dir))


# Serial cost of reading and of cleaning, for deciding whether worker processes repay their start: measured
# 2.0 s per MB in all on the Python library reference (28.5 MB, 317 HTML files) on this 2-core machine kind,
# two thirds of it reading the HTML.
READ_SECONDS_PER_BYTE = 1.3e-6
CLEAN_SECONDS_PER_BYTE = 0.7e-6
BATCH_BYTES = 1 << 20  # files per task up to ~1 MB: few tasks to schedule, enough to spread over workers
# Files read in pass 1 are kept for pass 2 up to this many bytes of corpus files in all (the text and its
# offset map take ~6 bytes per byte of HTML, ~17 per byte of plain text); the others are read again.
KEEP_BYTES = 64 << 20


def _count_pass(
    jobs: list[FileJob], sizes: list[int], cache: FileCache | None, workers: Workers | None, report: Progress
) -> tuple[list[FileWords], dict[int, SourceFile]]:
    """Pass 1: every file's words (from the cache, else read here or by the workers, then cached), and the
    files read that are kept for pass 2."""
    words_cache = cache.sibling("words") if cache is not None else None
    keys = [content_key("words", job.key()) if cache is not None and job.sha256 else None for job in jobs]
    words: list[FileWords | None] = [words_cache.get(k, FileWords) if words_cache and k else None for k in keys]
    todo = [i for i, w in enumerate(words) if w is None]
    keep = _keep([sizes[i] for i in todo])
    sources: dict[int, SourceFile] = {}

    def finished(i: int, found: tuple[FileWords, SourceFile | None]) -> None:
        words[i] = found[0]
        if found[1] is not None:
            sources[i] = found[1]
        if words_cache is not None and keys[i] is not None and found[0].reusable:
            words_cache.put(keys[i], found[0])

    args = [(jobs[i], k) for i, k in zip(todo, keep, strict=True)]
    _run(todo, args, [sizes[i] for i in todo], READ_SECONDS_PER_BYTE, count_batch, finished, workers, "files", report,
         len(jobs))  # fmt: skip
    return words, sources  # type: ignore[return-value]  (every slot is filled)


def _keep(sizes: list[int]) -> list[bool]:
    """Which of the files to read are kept for pass 2: the first ones, up to KEEP_BYTES in all."""
    total, keep = 0, []
    for size in sizes:
        total += size
        keep.append(total <= KEEP_BYTES)
    return keep


def _documents(words: list[FileWords]) -> list[int]:
    """The files that are documents: read, and not a byte-for-byte copy of an earlier one."""
    first: set[str] = set()
    kept = []
    for i, w in enumerate(words):
        if w.skipped is None and w.sha256 is not None and w.sha256 not in first:
            first.add(w.sha256)
            kept.append(i)
    return kept


def _clean_pass(
    jobs: list[FileJob],
    sizes: list[int],
    documents: list[int],
    sources: dict[int, SourceFile],
    lexicon: Lexicon,
    cache: FileCache | None,
    workers: Workers | None,
    report: Progress,
) -> dict[int, FileResult]:
    """Pass 2: each document's result, from the cache when its repair's questions get the same answers from
    this `lexicon`, else cleaned here or by the workers (then cached)."""
    keys = {i: jobs[i].key() if cache is not None and jobs[i].sha256 else None for i in documents}
    results: dict[int, FileResult] = {}
    for i in documents:
        found = cache.get(keys[i], FileResult) if cache is not None and keys[i] else None
        if (
            found is not None
            and found.document is not None
            and lexicon.agrees({w: (low, high) for w, low, high in found.consulted})
        ):
            results[i] = found
    todo = [i for i in documents if i not in results]

    def finished(i: int, result: FileResult) -> None:
        results[i] = result
        if cache is not None and keys[i] is not None and result.reusable:
            cache.put(keys[i], result)

    args = [(jobs[i], sources.get(i)) for i in todo]
    _run(todo, args, [sizes[i] for i in todo], CLEAN_SECONDS_PER_BYTE, partial(read_files, lexicon=lexicon),
         finished, workers, "cleaning", report, len(documents))  # fmt: skip
    return results


def _run(
    todo: list[int],
    args: list[tuple],
    sizes: list[int],
    seconds_per_byte: float,
    task: Callable[..., tuple[str, list]],
    finished: Callable[[int, Any], None],
    workers: Workers | None,
    stage: str,
    report: Progress,
    total: int,
) -> None:
    """Run `task` over the items `todo` (their arguments `args`, a tuple of per-item values each), here or in
    batches on the workers, calling `finished(item, result)` for each and reporting `stage` progress."""
    done = total - len(todo)
    report(stage, done, total)
    if workers is not None and workers.parallel(len(todo), seconds_per_byte * sum(sizes)):
        slots = list(range(len(todo)))
        batches = _batches(slots, sizes, max(1, min(BATCH_BYTES, sum(sizes) // (4 * workers.processes))))
        expected = code_fingerprint()
        columns = [[[args[k][c] for k in b] for c in range(len(args[0]))] for b in batches] if args else []
        for b, (fingerprint, batch_results) in workers.map(task, columns):
            if fingerprint != expected:
                raise WorkersUnavailable(
                    f"a build worker ({workers.where}) runs other qa code or libraries than this one"
                )
            for k, result in zip(batches[b], batch_results, strict=True):
                finished(todo[k], result)
            done += len(batches[b])
            report(stage, done, total)
    else:
        for k, i in enumerate(todo):
            _, (result,) = task(*[[a] for a in args[k]])
            finished(i, result)
            done += 1
            report(stage, done, total)


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


def _assemble(corpus_dir: Path, paths: list[Path], words: list[FileWords], results: dict[int, FileResult]) -> Corpus:
    """The corpus in path order; byte-for-byte copies of an earlier file are skipped."""
    documents: list[Document] = []
    passages: list[Passage] = []
    references: list[Reference] = []
    skipped: list[tuple[str, str]] = unreadable_folders(corpus_dir)
    first_with: dict[str, str] = {}  # sha256 -> path of the first file with that content
    for i, path in enumerate(paths):
        shown = display_path(path, corpus_dir)
        if words[i].skipped is not None:
            skipped.append((shown, words[i].skipped))
            continue
        if words[i].sha256 in first_with:
            skipped.append((shown, f"{shown}: duplicate of {first_with[words[i].sha256]}"))
            continue
        first_with[words[i].sha256] = shown  # type: ignore[index]
        result = results[i]
        if result.document is None:  # unreadable in pass 2 (changed during the build)
            skipped.append((shown, result.skipped or f"{shown}: unreadable"))
            continue
        documents.append(result.document)
        passages.extend(result.passages)
        references.extend(result.references)
    return Corpus(tuple(documents), tuple(passages), tuple(references), tuple(skipped))


def process(
    source: SourceFile, lexicon: Lexicon | None = None
) -> tuple[Document, tuple[Passage, ...], tuple[Reference, ...]]:
    """One read file to its Document (title: metadata, else first heading, else file name), passages and
    references; `lexicon`: the corpus's word counts (pass 1 of load_corpus), evidence for repair."""
    structure = analyze(source.text, source.headings, source.code_blocks, source.inline_code, lexicon)
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
