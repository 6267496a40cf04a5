"""Request parameters of the API and page, parsed strictly: anything unusable raises InvalidInput (400)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qa.api import DEFAULT_K, DEFAULT_MODE, MAX_BATCH, MAX_K, MODES, is_blank, validate_question, validate_questions
from qa.errors import InvalidInput

_INT = re.compile(r"-?[0-9]{1,12}")
MAX_INT_DIGITS = 4300  # sys.int_info.default_max_str_digits
NOT_BLANK_PATTERN = r"[^\s\x1c-\x1f\x85\ufeff]"  # the same rule as a JSON Schema pattern
_JSON_TYPES = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}
ASK_FIELDS = frozenset({"question", "k", "mode", "document"})
BATCH_FIELDS = frozenset({"questions", "k", "mode", "document"})


@dataclass(frozen=True)
class AskParams:
    """A validated single question with its options."""

    question: str
    k: int = DEFAULT_K
    mode: str = DEFAULT_MODE
    document: str | None = None


@dataclass(frozen=True)
class BatchParams:
    """Validated questions (1..MAX_BATCH) sharing one set of options."""

    questions: tuple[str, ...]
    k: int = DEFAULT_K
    mode: str = DEFAULT_MODE
    document: str | None = None


question = validate_question  # the library's own rule, so HTTP and Python say the same thing


def k_value(value: Any, *, text: bool = False) -> int:
    """k as an int in 1..MAX_K: a JSON integer, or with `text` (query strings) decimal digits."""
    if value is None:
        return DEFAULT_K
    if text and isinstance(value, str):
        if not _INT.fullmatch(value):
            raise InvalidInput(f"k must be an integer from 1 to {MAX_K}, not {value[:20]!r}")
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON Schema counts 3.0 as an integer; so do we
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"k must be an integer from 1 to {MAX_K}, not {json.dumps(value)[:20]}")
    if not 1 <= value <= MAX_K:
        raise InvalidInput(f"k must be an integer from 1 to {MAX_K}, not {value}")
    return value


def mode_value(value: Any) -> str:
    """One of qa.api.MODES; the default when absent."""
    if value is None:
        return DEFAULT_MODE
    if not isinstance(value, str) or value not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}")
    return value


def document_value(value: Any) -> str | None:
    """A non-empty document id, or None for every document."""
    if value is None:
        return None
    if not isinstance(value, str) or is_blank(value):
        raise InvalidInput("document must be a non-empty document id")
    return value


def ask_from_query(args: Mapping[str, str]) -> AskParams:
    """Parameters of `GET /v1/ask?q=&k=&mode=&document=` (unknown parameters are ignored)."""
    return AskParams(
        question(args.get("q"), "q"),
        k_value(args.get("k"), text=True),
        mode_value(args.get("mode")),
        document_value(args.get("document")),
    )


def ask_from_json(body: dict[str, Any]) -> AskParams:
    """Parameters of `POST /v1/ask` from a decoded JSON object (unknown fields are rejected)."""
    _known_fields(body, ASK_FIELDS)
    return AskParams(
        question(body.get("question")),
        k_value(body.get("k")),
        mode_value(body.get("mode")),
        document_value(body.get("document")),
    )


def batch_from_json(body: dict[str, Any]) -> BatchParams:
    """Parameters of `POST /v1/ask/batch`: 1..MAX_BATCH questions, each checked like a single one."""
    _known_fields(body, BATCH_FIELDS)
    questions = body.get("questions")
    if not isinstance(questions, list) or not 1 <= len(questions) <= MAX_BATCH:
        raise InvalidInput(f"questions must be a list of 1 to {MAX_BATCH} questions")
    checked = validate_questions(questions)
    return BatchParams(
        checked, k_value(body.get("k")), mode_value(body.get("mode")), document_value(body.get("document"))
    )


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
        raise InvalidInput(f"the body must be a JSON object, not {_JSON_TYPES.get(type(body), 'a value')}")
    return body


def _int(digits: str) -> int:
    """A JSON integer; Python refuses to convert more than 4,300 digits (CVE-2020-10735), so say so first."""
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise InvalidInput(f"the body has a number of more than {MAX_INT_DIGITS:,} digits")
    return int(digits)


def _reject_constant(name: str) -> Any:
    raise InvalidInput(f"the body is not valid JSON: {name} is not a JSON value")


def _known_fields(body: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(unknown)}; expected {', '.join(sorted(allowed))}")
