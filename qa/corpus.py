"""A corpus folder to a Corpus: documents, passages and references in deterministic order, with
unusable files skipped and the reason recorded (never dropped silently)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from qa import settings
from qa.errors import CorpusError
from qa.models import Corpus, Document, Passage, Reference
from qa.passages import build_passages
from qa.reader import SourceFile, assign_ids, discover, display_path, read_source
from qa.references import parse_references
from qa.structure import analyze


def load_corpus(corpus_dir: Path, max_file_bytes: int | None = None) -> Corpus:
    """Read every document of `corpus_dir` (sorted by path); a file that is too large, binary, not
    decodable, empty, or a byte-for-byte copy of an earlier file is listed in `skipped` as (path, reason).
    `max_file_bytes` None: the QA_MAX_FILE_BYTES setting. CorpusError when the folder does not exist."""
    corpus_dir = Path(corpus_dir)
    if max_file_bytes is None:
        max_file_bytes = settings.get("MAX_FILE_BYTES")
    paths = discover(corpus_dir)
    ids = assign_ids([p.relative_to(corpus_dir).as_posix() for p in paths])
    documents: list[Document] = []
    passages: list[Passage] = []
    references: list[Reference] = []
    skipped: list[tuple[str, str]] = []
    first_with: dict[str, str] = {}  # sha256 -> path of the first file with that content
    for path in paths:
        shown = display_path(path, corpus_dir)
        try:
            source = read_source(path, corpus_dir, ids[path.relative_to(corpus_dir).as_posix()], max_file_bytes)
        except CorpusError as exc:
            skipped.append((shown, exc.detail))
            continue
        if source.sha256 in first_with:
            skipped.append((shown, f"{shown}: duplicate of {first_with[source.sha256]}"))
            continue
        first_with[source.sha256] = shown
        document, doc_passages, doc_references = process(source)
        documents.append(document)
        passages.extend(doc_passages)
        references.extend(doc_references)
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
