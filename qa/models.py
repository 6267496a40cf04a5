"""Frozen value objects passed between pipeline steps; dicts appear only at the JSON edge."""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")


def http_url(url: str | None) -> str | None:
    """`url` stripped when it is an absolute http(s) link, else None: no javascript:, data:, file: or
    scheme-relative URL from a document's metadata ever reaches a client."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


@dataclass(frozen=True)
class Span:
    """A half-open character range [start, end) into a document's raw (decoded) text."""

    start: int
    end: int

    def to_dict(self) -> dict[str, int]:
        return {"start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Span:
        """The inverse of to_dict (keys this version does not know are ignored)."""
        return _from_dict(cls, d)


@dataclass(frozen=True)
class Document:
    """One source file of the corpus, identified by a stable slug id and its content hash."""

    id: str  # slug of the path relative to the corpus folder, e.g. "calf-pain"
    path: str  # relative to the project root (or to the corpus parent), POSIX separators
    title: str
    url: str | None
    sha256: str  # of the raw bytes
    format: str  # "txt" | "md" | "html"
    size: int  # raw bytes

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", http_url(self.url))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Document:
        """The inverse of to_dict (keys this version does not know are ignored)."""
        return _from_dict(cls, d)


@dataclass(frozen=True)
class Sentence:
    """A sentence of a passage: `start`/`end` index the passage text; `source` the raw file."""

    text: str
    start: int
    end: int
    source: Span

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end, "source": self.source.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Sentence:
        """The inverse of to_dict (keys this version does not know are ignored)."""
        return _from_dict(cls, d)


@dataclass(frozen=True)
class Reference:
    """One parsed entry of a document's reference list."""

    id: str  # f"{document_id}-r{ordinal}"
    document_id: str
    ordinal: int  # 1-based position in the list
    authors: tuple[str, ...]  # personal authors, e.g. ("Neutze D", "Roque J")
    organization: str | None  # corporate author, e.g. "Mount Sinai"
    title: str
    venue: str | None  # journal or site, e.g. "Am Fam Physician"
    year: int | None
    details: str | None  # volume/issue/pages, e.g. "93(4):279-285"
    doi: str | None
    url: str | None  # https://doi.org/<doi> when there is a DOI
    text: str  # formatted citation text
    source: Span

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", http_url(self.url))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["authors"] = list(self.authors)
        d["source"] = self.source.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Reference:
        """The inverse of to_dict (keys this version does not know are ignored)."""
        return _from_dict(cls, d)


@dataclass(frozen=True)
class Passage:
    """A retrievable unit: a few consecutive sentences of one section, or one reference entry."""

    passage_id: str  # f"{document_id}-p{ordinal}" (kind passage) or the reference id (kind reference)
    document_id: str
    ordinal: int  # 1-based order within the document, passages first then references
    kind: str  # "passage" | "reference"
    section: str  # nearest heading above; the document title when there is none; "References"
    text: str  # repaired text, sentences joined by single spaces
    sentences: tuple[Sentence, ...]
    source: Span  # raw span from the first sentence's start to the last sentence's end
    previous_id: str | None = None
    next_id: str | None = None
    reference_id: str | None = None  # set for kind "reference"
    markers: tuple[str, ...] = field(default=())  # in-text citation markers found, e.g. ("1", "3")
    heading_path: tuple[str, ...] = field(default=())  # headings down to `section`, outermost first

    def to_dict(self) -> dict[str, Any]:
        return {
            "passage_id": self.passage_id,
            "document_id": self.document_id,
            "ordinal": self.ordinal,
            "kind": self.kind,
            "section": self.section,
            "text": self.text,
            "sentences": [s.to_dict() for s in self.sentences],
            "source": self.source.to_dict(),
            "previous_id": self.previous_id,
            "next_id": self.next_id,
            "reference_id": self.reference_id,
            "markers": list(self.markers),
            "heading_path": list(self.heading_path),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Passage:
        """The inverse of to_dict (keys this version does not know are ignored)."""
        return _from_dict(cls, d)


@dataclass(frozen=True)
class Corpus:
    """Everything the pipeline derived from a corpus folder, in deterministic order."""

    documents: tuple[Document, ...]
    passages: tuple[Passage, ...]
    references: tuple[Reference, ...]
    skipped: tuple[tuple[str, str], ...] = field(default=())  # (path, reason) of files not used


@dataclass(frozen=True)
class RankerScore:
    """One ranker's view of a result: its raw score and 1-based rank (None: not retrieved by it)."""

    score: float
    rank: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "rank": self.rank}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RankerScore:
        """The inverse of to_dict (keys this version does not know are ignored)."""
        return _from_dict(cls, d)


@dataclass(frozen=True)
class Citation:
    """A reference linked to a passage, with how the link was made."""

    reference: Reference
    link: str  # "marker" (in-text marker such as [3]) | "overlap" (title-term evidence)
    evidence: str  # human-readable, e.g. "marker [3]" or "shared terms: achilles, tendon, rupture"
    score: float  # 1.0 for markers; the overlap score otherwise

    def to_dict(self) -> dict[str, Any]:
        d = self.reference.to_dict()
        d["link"] = {"method": self.link, "evidence": self.evidence, "score": self.score}
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Citation:
        """The inverse of to_dict: the reference's fields plus `link` {method, evidence, score}."""
        link = d["link"]
        return cls(Reference.from_dict(d), link["method"], link["evidence"], link["score"])


@dataclass(frozen=True)
class Result:
    """One ranked passage of an answer."""

    rank: int
    passage_id: str
    document_id: str
    document_title: str
    section: str
    kind: str
    text: str
    answer: str  # the sentence of `text` that best answers
    answer_span: Span  # where `answer` sits in `text`
    highlights: tuple[Span, ...]  # matched query terms, offsets into `text`
    score: float
    scores: dict[str, RankerScore]  # per ranker ("bm25", "tfidf", ...)
    source: Span
    citations: tuple[Citation, ...]
    previous_id: str | None = None
    next_id: str | None = None
    heading_path: tuple[str, ...] = ()  # the passage's headings, outermost first (without the title)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "passage_id": self.passage_id,
            "document_id": self.document_id,
            "document_title": self.document_title,
            "section": self.section,
            "heading_path": list(self.heading_path),
            "kind": self.kind,
            "text": self.text,
            "answer": self.answer,
            "answer_span": self.answer_span.to_dict(),
            "highlights": [h.to_dict() for h in self.highlights],
            "score": self.score,
            "scores": {name: s.to_dict() for name, s in sorted(self.scores.items())},
            "source": self.source.to_dict(),
            "citations": [c.to_dict() for c in self.citations],
            "previous_id": self.previous_id,
            "next_id": self.next_id,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Result:
        """The inverse of to_dict (keys this version does not know are ignored)."""
        return _from_dict(cls, d)


@dataclass(frozen=True)
class Answer:
    """The answer object shared by the CLI, the Python API and HTTP."""

    question: str
    answered: bool
    confidence: float  # 0..1
    reasons: tuple[str, ...]  # why it did (not) answer, for people
    suggestions: tuple[str, ...]  # did-you-mean rewrites of the question
    results: tuple[Result, ...]
    index_version: str
    index_built_at: str
    took_ms: float
    mode: str = "hybrid"
    index_stale: bool = False  # the corpus changed since this index was built (served all the same)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answered": self.answered,
            "confidence": self.confidence,
            "reasons": list(self.reasons),
            "suggestions": list(self.suggestions),
            "mode": self.mode,
            "results": [r.to_dict() for r in self.results],
            "index": {"version": self.index_version, "built_at": self.index_built_at, "stale": self.index_stale},
            "took_ms": self.took_ms,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Answer:
        """The inverse of to_dict (the JSON answer object of the HTTP API and `qa ask --json`)."""
        index = d["index"]
        return _from_dict(cls, d, index_version=index["version"], index_built_at=index["built_at"])


@dataclass(frozen=True)
class IndexInfo:
    """What a loaded index is: its format and content version, build time and sizes."""

    format_version: int
    version: str  # content version: a short hash over the manifest (changes when anything is rebuilt)
    built_at: str  # ISO 8601, UTC
    documents: int
    passages: int
    references: int
    terms: int  # vocabulary size of the shared analyzer
    size_bytes: int  # bytes on disk of the index files
    stale: bool = False  # the corpus changed since the build

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IndexInfo:
        """The inverse of to_dict (keys this version does not know are ignored)."""
        return _from_dict(cls, d)


def _from_dict(cls: type[T], d: dict[str, Any], **given: Any) -> T:
    """Build dataclass `cls` from its JSON form: each field by its annotated type (nested models, tuples, dicts,
    optionals), so a field added to a model round-trips without a hand-written parser. `given` fields win."""
    if not isinstance(d, dict):
        raise ValueError(f"{cls.__name__} must be a JSON object, not {type(d).__name__}")
    hints = _hints(cls)
    values = dict(given)
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name in values:
            continue
        if f.name in d:
            values[f.name] = _convert(hints[f.name], d[f.name])
        elif f.default is MISSING and f.default_factory is MISSING:
            raise ValueError(f"{cls.__name__} is missing {f.name!r}")
    return cls(**values)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (types.UnionType, typing.Union):
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(inner, value)
    if origin is tuple:
        return tuple(_convert(args[0], v) for v in value)
    if origin is dict:
        return {k: _convert(args[1], v) for k, v in value.items()}
    if isinstance(tp, type) and hasattr(tp, "from_dict"):
        return tp.from_dict(value)
    return value
