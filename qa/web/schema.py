"""The HTTP API's schema, declared once: request and response models (pydantic v2), each field with its type,
bounds and meaning. Requests are parsed by the request models (with the library's own rules, so HTTP and
Python say the same words), and /openapi.json is generated from all of them (qa.web.openapi)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from qa.api import (
    DEFAULT_K,
    DEFAULT_MODE,
    MAX_BATCH,
    MAX_K,
    MAX_QUESTION_CHARS,
    MODES,
    is_blank,
    validate_k,
    validate_mode,
    validate_question,
    validate_questions,
)
from qa.errors import InvalidInput

NOT_BLANK = r"[^\s\x1c-\x1f\x85\ufeff]"  # at least one character that is not whitespace (qa.api.is_blank)
MAX_INT_DIGITS = 4300  # sys.int_info.default_max_str_digits
Mode = Literal[MODES]  # type: ignore[valid-type]
Kind = Literal["passage", "reference"]
HEADING_PATH = "Headings above the passage, outermost first (the document title left out)"
_JSON_TYPES = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}


class Schema(BaseModel):
    """A JSON object of exactly these fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, regex_engine="python-re")


def _nullable(kind: Any, description: str = "") -> Any:
    return Annotated[kind | None, Field(description=description or None)]


# -- responses: the bodies the models' to_dict() give (tests/test_web_openapi.py checks live ones) --------


class Span(Schema):
    """A half-open character range [start, end)"""

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class RankerScore(Schema):
    score: float
    rank: _nullable(int, "1-based; null when this ranker missed it")


class Reference(Schema):
    """One entry of a document's reference list"""

    id: str = Field(description="`<document_id>-r<ordinal>`")
    document_id: str
    ordinal: int = Field(ge=1, description="1-based position in the document's reference list")
    authors: list[str] = Field(description="Personal authors")
    organization: _nullable(str, "Corporate author")
    title: str
    venue: _nullable(str, "Journal or site")
    year: _nullable(int)
    details: _nullable(str, "Volume, issue, pages")
    doi: _nullable(str)
    url: _nullable(str, "https://doi.org/<doi> when there is a DOI")
    text: str = Field(description="The formatted citation")
    source: Span


class Link(Schema):
    method: Literal["marker", "overlap", "self"] = Field(
        description="How the reference was linked: an in-text marker, shared title terms, or the result is the "
        "reference"
    )
    evidence: str = Field(description="e.g. `marker [3]` or `shared terms: achilles, tendon`")
    score: float = Field(description="1.0 for markers; the overlap score otherwise")


class Citation(Reference):
    """A reference cited by a result, and why"""

    link: Link


class Result(Schema):
    """One ranked passage"""

    rank: int = Field(ge=1)
    passage_id: str
    document_id: str
    document_title: str
    section: str = Field(description="Nearest heading above the passage")
    heading_path: list[str] = Field(description=HEADING_PATH)
    kind: Kind
    text: str = Field(description="The passage text")
    answer: str = Field(description="The sentence of `text` that best answers")
    answer_span: Span = Field(description="Where `answer` sits in `text`")
    highlights: list[Span] = Field(description="Matched terms in `text`")
    score: float
    scores: dict[str, RankerScore] = Field(
        description="Per ranker (`bm25`, `tfidf`; `semantic`: cosine similarity when the hybrid mode's results "
        "were reranked)"
    )
    source: Span = Field(description="Where the passage sits in the raw file")
    citations: list[Citation]
    previous_id: _nullable(str, "The passage before, for context")
    next_id: _nullable(str, "The passage after, for context")


class AnswerIndex(Schema):
    """The index that answered"""

    version: str
    built_at: str
    stale: bool = Field(description="The corpus changed since this index was built (run qa build)")


class Answer(Schema):
    """The answer to one question"""

    question: str
    answered: bool = Field(description="false: the documents do not say (see `reasons`, `suggestions`)")
    confidence: float = Field(ge=0, le=1)
    reasons: list[str] = Field(description="Why it did (not) answer")
    suggestions: list[str] = Field(description="Did-you-mean")
    mode: Mode
    results: list[Result]
    index: AnswerIndex
    took_ms: float = Field(ge=0)


class Answers(Schema):
    answers: list[Answer]


class Sentence(Schema):
    text: str
    start: int
    end: int
    source: Span


class Passage(Schema):
    """A passage with its neighbours' ids"""

    passage_id: str
    document_id: str
    document_title: str
    ordinal: int = Field(ge=1)
    kind: Kind
    section: str
    text: str
    sentences: list[Sentence]
    source: Span
    previous_id: _nullable(str)
    next_id: _nullable(str)
    reference_id: _nullable(str, "Set for kind `reference`")
    markers: list[str] = Field(description="In-text citation markers")
    heading_path: list[str] = Field(description=HEADING_PATH)


class Document(Schema):
    id: str
    path: str
    title: str
    url: _nullable(str)
    sha256: str
    format: Literal["txt", "md", "html"]
    size: int = Field(ge=0, description="Raw bytes")


class Documents(Schema):
    documents: list[Document]


class References(Schema):
    references: list[Reference]


class IndexInfo(Schema):
    format_version: int
    version: str = Field(description="Content version: changes whenever the index is rebuilt differently")
    built_at: str = Field(description="ISO 8601, UTC")
    documents: int = Field(ge=0)
    passages: int = Field(ge=0)
    references: int = Field(ge=0)
    terms: int = Field(ge=0)
    size_bytes: int = Field(ge=0)
    stale: bool = Field(description="The corpus changed since the build")


class Health(Schema):
    status: Literal["ok"]


class Ready(Schema):
    status: Literal["ready"]
    index: IndexInfo
    semantic: bool = Field(description="The semantic reranker orders the hybrid mode's results")
    stale: bool = Field(description="The corpus changed since the build: served as built; run qa build")
    changes: list[str] = Field(description="What changed in the corpus since the build ('changed a.txt', 'added b.md')")


class ProblemItem(Schema):
    pointer: str = Field(description="JSON pointer to the item, e.g. /questions/1")
    detail: str


class Problem(Schema):
    """RFC 9457 problem details (media type application/problem+json)"""

    type: str = Field(
        description="Stable problem type: a link to its entry on /docs", json_schema_extra={"format": "uri-reference"}
    )
    title: str
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="What went wrong with this request, for people")
    errors: list[ProblemItem] = Field(
        default_factory=list, description="Every bad item of a batch (the detail names the first)"
    )


# -- requests: parsed by these models, in field order, with the library's rules and words ------------------

Question = Annotated[str, Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=NOT_BLANK)]
DocumentId = Annotated[str, Field(min_length=1, pattern=NOT_BLANK)]
K_FIELD = Field(DEFAULT_K, description="Results wanted")
MODE_FIELD = Field(DEFAULT_MODE, description="Ranking")
DOCUMENT_FIELD = Field(None, description="Search only this document id")


class Request(Schema):
    """A request's fields: unknown ones are refused first, then each is checked in order; null or absent
    means the default."""

    @model_validator(mode="before")
    @classmethod
    def _fields(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(cls.model_fields))
            if unknown and cls.model_config.get("extra") == "forbid":
                expected = ", ".join(sorted(cls.model_fields))
                raise InvalidInput(f"unknown field(s): {', '.join(unknown)}; expected {expected}")
            required = {name: None for name, f in cls.model_fields.items() if f.is_required()}
            data = required | {k: v for k, v in data.items() if k in cls.model_fields}
        return data

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Any:
        """The request as this model, or InvalidInput saying what is wrong (the first bad field)."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:  # a rule below lets through what a constraint refuses: say which
            first = exc.errors()[0]
            raise InvalidInput(f"{'.'.join(map(str, first['loc'])) or 'the body'}: {first['msg']}") from exc

    @field_validator("k", mode="before", check_fields=False)
    @classmethod
    def _k(cls, value: Any) -> int:
        return DEFAULT_K if value is None else validate_k(value, text=cls._from_text())

    @field_validator("mode", mode="before", check_fields=False)
    @classmethod
    def _mode(cls, value: Any) -> str:
        return DEFAULT_MODE if value is None else validate_mode(value)

    @field_validator("document", mode="before", check_fields=False)
    @classmethod
    def _document(cls, value: Any) -> str | None:
        if value is not None and (not isinstance(value, str) or is_blank(value)):
            raise InvalidInput("document must be a non-empty document id")
        return value

    @classmethod
    def _from_text(cls) -> bool:
        return False


class AskQuery(Request):
    """`GET /v1/ask?q=&k=&mode=&document=`: strings from the query string; unknown parameters are ignored."""

    model_config = ConfigDict(extra="ignore")

    q: Question = Field(description="The question")
    k: Annotated[int, Field(ge=1, le=MAX_K)] = K_FIELD
    mode: Mode = MODE_FIELD
    document: DocumentId = DOCUMENT_FIELD  # type: ignore[assignment]  (absent: None, every document)

    @field_validator("q", mode="before")
    @classmethod
    def _q(cls, value: Any) -> str:
        return validate_question(value, "q")

    @classmethod
    def _from_text(cls) -> bool:
        return True

    @property
    def question(self) -> str:
        return self.q


class AskRequest(Request):
    question: Question = Field(description="Not blank")
    k: Annotated[int, Field(ge=1, le=MAX_K)] | None = K_FIELD
    mode: Mode | None = MODE_FIELD
    document: DocumentId | None = DOCUMENT_FIELD

    @field_validator("question", mode="before")
    @classmethod
    def _question(cls, value: Any) -> str:
        return validate_question(value)


class BatchRequest(Request):
    questions: list[Question] = Field(min_length=1, max_length=MAX_BATCH)
    k: Annotated[int, Field(ge=1, le=MAX_K)] | None = K_FIELD
    mode: Mode | None = MODE_FIELD
    document: DocumentId | None = DOCUMENT_FIELD

    @field_validator("questions", mode="before")
    @classmethod
    def _questions(cls, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_BATCH:
            raise InvalidInput(f"questions must be a list of 1 to {MAX_BATCH} questions")
        return validate_questions(value)


RESPONSES = (Answer, Answers, Passage, Document, Documents, References, Health, Ready, Problem)
REQUESTS = (AskRequest, BatchRequest)


# -- the body's JSON, strictly ------------------------------------------------------------------------------


def json_object(data: bytes) -> dict[str, Any]:
    """The body decoded as strict UTF-8 JSON whose top level is an object."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the body is not valid UTF-8 (byte {exc.start})") from exc
    if not text.strip():
        raise InvalidInput("the body is empty; send a JSON object")
    try:
        body = json.loads(text, parse_constant=_reject_constant, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from exc
    except RecursionError as exc:
        raise InvalidInput("the body is nested too deeply") from exc
    if not isinstance(body, dict):
        raise InvalidInput(f"the body must be a JSON object, not {_JSON_TYPES.get(type(body), 'null')}")
    return body


def _int(digits: str) -> int:
    """A JSON integer; Python refuses to convert more than 4,300 digits (CVE-2020-10735), so say so first."""
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise InvalidInput(f"the body has a number of more than {MAX_INT_DIGITS:,} digits")
    return int(digits)


def _reject_constant(name: str) -> Any:
    raise InvalidInput(f"the body is not valid JSON: {name} is not a JSON value")
