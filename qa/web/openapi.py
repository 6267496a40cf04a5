"""The OpenAPI 3.1 description of the HTTP API (/openapi.json) and a docs page rendered from it (/docs)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from qa.api import DEFAULT_K, DEFAULT_MODE, MAX_BATCH, MAX_K, MAX_QUESTION_CHARS, MODES
from qa.web import params
from qa.web.errors import PROBLEMS, problem_type

bp = Blueprint("openapi", __name__)

JSON = "application/json"
REF = "#/components/schemas/"
NOT_BLANK = params.NOT_BLANK_PATTERN  # at least one non-whitespace character


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def _obj(required: list[str], props: dict[str, Any], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "required": required,
        "properties": props,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _nullable(kind: str, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": [kind, "null"]}
    if description:
        schema["description"] = description
    return schema


def _optional(kind: str, description: str, **extra: Any) -> dict[str, Any]:
    """A request field that may be omitted or null (both mean the default)."""
    return {"type": [kind, "null"], "description": f"{description}; null or absent: the default", **extra}


def _s(kind: str, description: str = "", **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": kind, **extra}
    if description:
        schema["description"] = description
    return schema


def _schemas() -> dict[str, Any]:
    ref_props = {
        "id": _s("string", "`<document_id>-r<ordinal>`"),
        "document_id": _s("string"),
        "ordinal": _s("integer", "1-based position in the document's reference list", minimum=1),
        "authors": {"type": "array", "items": {"type": "string"}, "description": "Personal authors"},
        "organization": _nullable("string", "Corporate author"),
        "title": _s("string"),
        "venue": _nullable("string", "Journal or site"),
        "year": _nullable("integer"),
        "details": _nullable("string", "Volume, issue, pages"),
        "doi": _nullable("string"),
        "url": _nullable("string", "https://doi.org/<doi> when there is a DOI"),
        "text": _s("string", "The formatted citation"),
        "source": _ref("Span"),
    }
    link = _obj(
        ["method", "evidence", "score"],
        {
            "method": _s(
                "string",
                "How the reference was linked: an in-text marker, shared title terms, or the result is the reference",
                enum=["marker", "overlap", "self"],
            ),
            "evidence": _s("string", "e.g. `marker [3]` or `shared terms: achilles, tendon`"),
            "score": _s("number", "1.0 for markers; the overlap score otherwise"),
        },
    )
    return {
        "Span": _obj(
            ["start", "end"],
            {"start": _s("integer", minimum=0), "end": _s("integer", minimum=0)},
            "A half-open character range [start, end)",
        ),
        "RankerScore": _obj(
            ["score", "rank"],
            {"score": _s("number"), "rank": _nullable("integer", "1-based; null when this ranker missed it")},
        ),
        "Reference": _obj(list(ref_props), ref_props, "One entry of a document's reference list"),
        "Citation": _obj([*ref_props, "link"], {**ref_props, "link": link}, "A reference cited by a result, and why"),
        "Result": _obj(
            [
                "rank",
                "passage_id",
                "document_id",
                "document_title",
                "section",
                "heading_path",
                "kind",
                "text",
                "answer",
                "answer_span",
                "highlights",
                "score",
                "scores",
                "source",
                "citations",
                "previous_id",
                "next_id",
            ],
            {
                "rank": _s("integer", minimum=1),
                "passage_id": _s("string"),
                "document_id": _s("string"),
                "document_title": _s("string"),
                "section": _s("string", "Nearest heading above the passage"),
                "heading_path": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Headings above the passage, outermost first (the document title left out)",
                },
                "kind": _s("string", enum=["passage", "reference"]),
                "text": _s("string", "The passage text"),
                "answer": _s("string", "The sentence of `text` that best answers"),
                "answer_span": {**_ref("Span"), "description": "Where `answer` sits in `text`"},
                "highlights": {
                    "type": "array",
                    "items": _ref("Span"),
                    "description": "Matched terms in `text`",
                },
                "score": _s("number"),
                "scores": {
                    "type": "object",
                    "additionalProperties": _ref("RankerScore"),
                    "description": "Per ranker (`bm25`, `tfidf`; `semantic`: cosine similarity when the hybrid "
                    "mode's results were reranked)",
                },
                "source": {**_ref("Span"), "description": "Where the passage sits in the raw file"},
                "citations": {"type": "array", "items": _ref("Citation")},
                "previous_id": _nullable("string", "The passage before, for context"),
                "next_id": _nullable("string", "The passage after, for context"),
            },
            "One ranked passage",
        ),
        "Answer": _obj(
            [
                "question",
                "answered",
                "confidence",
                "reasons",
                "suggestions",
                "mode",
                "results",
                "index",
                "took_ms",
            ],
            {
                "question": _s("string"),
                "answered": _s("boolean", "false: the documents do not say (see `reasons`, `suggestions`)"),
                "confidence": _s("number", minimum=0, maximum=1),
                "reasons": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Why it did (not) answer",
                },
                "suggestions": {"type": "array", "items": {"type": "string"}, "description": "Did-you-mean"},
                "mode": _s("string", enum=list(MODES)),
                "results": {"type": "array", "items": _ref("Result")},
                "index": _obj(
                    ["version", "built_at", "stale"],
                    {
                        "version": _s("string"),
                        "built_at": _s("string"),
                        "stale": _s("boolean", "The corpus changed since this index was built (run qa build)"),
                    },
                ),
                "took_ms": _s("number", minimum=0),
            },
            "The answer to one question",
        ),
        "Answers": _obj(["answers"], {"answers": {"type": "array", "items": _ref("Answer")}}),
        "Sentence": _obj(
            ["text", "start", "end", "source"],
            {"text": _s("string"), "start": _s("integer"), "end": _s("integer"), "source": _ref("Span")},
        ),
        "Passage": _obj(
            [
                "passage_id",
                "document_id",
                "document_title",
                "ordinal",
                "kind",
                "section",
                "text",
                "sentences",
                "source",
                "previous_id",
                "next_id",
                "reference_id",
                "markers",
                "heading_path",
            ],
            {
                "passage_id": _s("string"),
                "document_id": _s("string"),
                "document_title": _s("string"),
                "ordinal": _s("integer", minimum=1),
                "kind": _s("string", enum=["passage", "reference"]),
                "section": _s("string"),
                "text": _s("string"),
                "sentences": {"type": "array", "items": _ref("Sentence")},
                "source": _ref("Span"),
                "previous_id": _nullable("string"),
                "next_id": _nullable("string"),
                "reference_id": _nullable("string", "Set for kind `reference`"),
                "markers": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "In-text citation markers",
                },
                "heading_path": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Headings above the passage, outermost first (the document title left out)",
                },
            },
            "A passage with its neighbours' ids",
        ),
        "Document": _obj(
            ["id", "path", "title", "url", "sha256", "format", "size"],
            {
                "id": _s("string"),
                "path": _s("string"),
                "title": _s("string"),
                "url": _nullable("string"),
                "sha256": _s("string"),
                "format": _s("string", enum=["txt", "md", "html"]),
                "size": _s("integer", "Raw bytes", minimum=0),
            },
        ),
        "Documents": _obj(["documents"], {"documents": {"type": "array", "items": _ref("Document")}}),
        "References": _obj(["references"], {"references": {"type": "array", "items": _ref("Reference")}}),
        "IndexInfo": _obj(
            [
                "format_version",
                "version",
                "built_at",
                "documents",
                "passages",
                "references",
                "terms",
                "size_bytes",
                "stale",
            ],
            {
                "format_version": _s("integer"),
                "version": _s("string", "Content version: changes whenever the index is rebuilt differently"),
                "built_at": _s("string", "ISO 8601, UTC"),
                "documents": _s("integer", minimum=0),
                "passages": _s("integer", minimum=0),
                "references": _s("integer", minimum=0),
                "terms": _s("integer", minimum=0),
                "size_bytes": _s("integer", minimum=0),
                "stale": _s("boolean", "The corpus changed since the build"),
            },
        ),
        "Health": _obj(["status"], {"status": _s("string", enum=["ok"])}),
        "Ready": _obj(
            ["status", "index", "semantic", "stale", "changes"],
            {
                "status": _s("string", enum=["ready"]),
                "index": _ref("IndexInfo"),
                "semantic": _s("boolean", "The semantic reranker orders the hybrid mode's results"),
                "stale": _s("boolean", "The corpus changed since the build: served as built; run qa build"),
                "changes": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "What changed in the corpus since the build ('changed a.txt', 'added b.md')",
                },
            },
        ),
        "AskRequest": _obj(
            ["question"],
            {
                "question": _s("string", "Not blank", minLength=1, maxLength=MAX_QUESTION_CHARS, pattern=NOT_BLANK),
                "k": _optional("integer", "Results wanted", minimum=1, maximum=MAX_K, default=DEFAULT_K),
                "mode": _optional("string", "Ranking", enum=[*MODES, None], default=DEFAULT_MODE),
                "document": _optional("string", "Search only this document id", minLength=1, pattern=NOT_BLANK),
            },
        ),
        "BatchRequest": _obj(
            ["questions"],
            {
                "questions": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_BATCH,
                    "items": _s("string", minLength=1, maxLength=MAX_QUESTION_CHARS, pattern=NOT_BLANK),
                },
                "k": _optional("integer", "Results wanted", minimum=1, maximum=MAX_K, default=DEFAULT_K),
                "mode": _optional("string", "Ranking", enum=[*MODES, None], default=DEFAULT_MODE),
                "document": _optional("string", "Search only this document id", minLength=1, pattern=NOT_BLANK),
            },
        ),
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details (media type application/problem+json)",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": _s("string", "Stable problem type: a link to its entry on /docs", format="uri-reference"),
                "title": _s("string"),
                "status": _s("integer", minimum=400, maximum=599),
                "detail": _s("string", "What went wrong with this request, for people"),
                "errors": {
                    "type": "array",
                    "description": "Every bad item of a batch (the detail names the first)",
                    "items": {
                        "type": "object",
                        "required": ["pointer", "detail"],
                        "properties": {
                            "pointer": _s("string", "JSON pointer to the item, e.g. /questions/1"),
                            "detail": _s("string"),
                        },
                        "additionalProperties": False,
                    },
                },
            },
            "additionalProperties": False,
        },
    }


def _problem_responses(*statuses: int) -> dict[str, Any]:
    text = {
        400: "Invalid input (missing or blank question, bad k or mode, malformed JSON…)",
        401: "An API key is required (only when the server sets QA_API_KEYS)",
        404: "No such id",
        413: "The body is larger than QA_MAX_BODY_BYTES",
        415: "The body is not application/json",
        422: "The question(s) of the request are longer than QA_MAX_BATCH_CHARS characters (the work budget)",
        429: "Rate limit exceeded; see the Retry-After header",
        503: "The index is not loaded (run `qa build`, then restart)",
    }
    out = {
        str(s): {"description": text[s], "content": {"application/problem+json": {"schema": _ref("Problem")}}}
        for s in statuses
    }
    out["default"] = {
        "description": "Any other error",
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }
    return out


def _ok(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref(schema)}}}


def _v1(summary: str, description: str, ok: dict[str, Any], *errors: int, **extra: Any) -> dict[str, Any]:
    return {
        "tags": ["v1"],
        "summary": summary,
        "description": description,
        "security": [{}, {"ApiKey": []}, {"Bearer": []}],
        "responses": {"200": ok, **_problem_responses(401, *errors, 429, 503)},
        **extra,
    }


def _query(name: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _paths() -> dict[str, Any]:
    ask_params = [
        _query(
            "q",
            _s("string", minLength=1, maxLength=MAX_QUESTION_CHARS, pattern=NOT_BLANK),
            "The question",
            required=True,
        ),
        _query("k", _s("integer", minimum=1, maximum=MAX_K, default=DEFAULT_K), "Results wanted"),
        _query("mode", _s("string", enum=list(MODES), default=DEFAULT_MODE), "Ranking"),
        _query("document", _s("string", minLength=1, pattern=NOT_BLANK), "Search only this document id"),
    ]

    def body(schema: str) -> dict[str, Any]:
        return {"required": True, "content": {JSON: {"schema": _ref(schema)}}}

    path_id = {"name": "{}", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/v1/ask": {
            "get": _v1(
                "Answer a question",
                "The question in the query string; a shareable URL.",
                _ok("Answer", "The answer (check `answered`)"),
                400,
                404,
                422,
                operationId="askGet",
                parameters=ask_params,
            ),
            "post": _v1(
                "Answer a question",
                "The question in a JSON body. Unknown fields are rejected.",
                _ok("Answer", "The answer (check `answered`)"),
                400,
                404,
                413,
                415,
                422,
                operationId="askPost",
                requestBody=body("AskRequest"),
            ),
        },
        "/v1/ask/batch": {
            "post": _v1(
                "Answer several questions",
                f"1 to {MAX_BATCH} questions sharing k, mode and document; answers come back in the order asked.",
                _ok("Answers", "One answer per question"),
                400,
                404,
                413,
                415,
                422,
                operationId="askBatch",
                requestBody=body("BatchRequest"),
            ),
        },
        "/v1/passages/{passage_id}": {
            "get": _v1(
                "A passage",
                "With its neighbours' ids (previous_id, next_id) and its document title.",
                _ok("Passage", "The passage"),
                404,
                operationId="getPassage",
                parameters=[{**path_id, "name": "passage_id"}],
            ),
        },
        "/v1/documents": {
            "get": _v1(
                "Every document",
                "In index order.",
                _ok("Documents", "The documents"),
                operationId="listDocuments",
            ),
        },
        "/v1/documents/{document_id}": {
            "get": _v1(
                "A document",
                "By id.",
                _ok("Document", "The document"),
                404,
                operationId="getDocument",
                parameters=[{**path_id, "name": "document_id"}],
            ),
        },
        "/v1/references": {
            "get": _v1(
                "Every reference",
                "Parsed reference-list entries of every document, in index order.",
                _ok("References", "The references"),
                operationId="listReferences",
            ),
        },
        "/healthz": {
            "get": {
                "tags": ["ops"],
                "summary": "Liveness",
                "operationId": "healthz",
                "description": "200 while the process runs, index or not.",
                "responses": {"200": _ok("Health", "The process is up")},
            },
        },
        "/readyz": {
            "get": {
                "tags": ["ops"],
                "summary": "Readiness",
                "operationId": "readyz",
                "description": "200 with the loaded index's identity; 503 (with what to run) without one.",
                "responses": {"200": _ok("Ready", "Serving"), **_problem_responses(503)},
            },
        },
        "/metrics": {
            "get": {
                "tags": ["ops"],
                "summary": "Prometheus metrics",
                "operationId": "metrics",
                "description": "Request counts and latency histograms by endpoint and status; index gauges.",
                "responses": {
                    "200": {
                        "description": "Prometheus text exposition format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            },
        },
    }


def spec() -> dict[str, Any]:
    """The OpenAPI 3.1 document of this server (a new dict on every call)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "qa",
            "version": "1.0.0",
            "summary": "Document-grounded question answering with citations.",
            "description": "Answers come only from the indexed documents; when they do not say, `answered` "
            "is false with reasons and suggestions. Errors are application/problem+json.",
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": "v1", "description": "The JSON API"}, {"name": "ops", "description": "Operations"}],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "Bearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }


@bp.get("/openapi.json")
def openapi_json() -> dict[str, Any]:
    """The OpenAPI document."""
    return spec()


@bp.get("/docs")
def docs() -> str:
    """Human-readable API reference rendered on the server from the same OpenAPI document."""
    document = spec()
    return render_template(
        "docs.html",
        spec=document,
        operations=operations(document),
        problems=PROBLEMS,
        problem_type=problem_type,
        type_name=type_name,
    )


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every (path, method, operation) of `document`, in document order."""
    return [
        {"path": path, "method": method.upper(), **op}
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]


def type_name(schema: dict[str, Any]) -> str:
    """A short human name for a JSON schema: `Answer`, `string | null`, `array of Span`."""
    if "$ref" in schema:
        return schema["$ref"].removeprefix(REF)
    kind = schema.get("type", "object")
    if kind == "array":
        return f"array of {type_name(schema.get('items', {}))}"
    if isinstance(kind, list):
        return " | ".join(kind)
    if "enum" in schema:
        return " | ".join(f'"{v}"' for v in schema["enum"])
    return kind
