"""/openapi.json (OpenAPI 3.1) generated from the schema's models (qa.web.schema) and the table of operations
below, and the /docs page rendered from the same document."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from qa.api import MAX_BATCH
from qa.web import schema
from qa.web.errors import PROBLEMS, problem_type

bp = Blueprint("openapi", __name__)

JSON = "application/json"
REF = "#/components/schemas/"
PROBLEM_STATUSES = {
    400: "Invalid input (missing or blank question, bad k or mode, malformed JSON…)",
    401: "An API key is required (only when the server sets QA_API_KEYS)",
    404: "No such id",
    413: "The body is larger than QA_MAX_BODY_BYTES",
    415: "The body is not application/json",
    422: "The question(s) of the request are longer than QA_MAX_BATCH_CHARS characters (the work budget)",
    429: "Rate limit exceeded; see the Retry-After header",
    503: "The index is not loaded (run `qa build`, then restart)",
}


@dataclass(frozen=True)
class Operation:
    """One documented endpoint: its response model (or a media type), the problems it may answer with, and
    its request model (a JSON body, or the query string's parameters)."""

    method: str
    path: str
    id: str
    summary: str
    description: str
    ok: tuple[type[BaseModel] | str, str]
    errors: tuple[int, ...] = ()
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    tag: str = "v1"


OPERATIONS = (
    Operation("get", "/v1/ask", "askGet", "Answer a question", "The question in the query string; a shareable URL.",
              (schema.Answer, "The answer (check `answered`)"), (400, 404, 422), query=schema.AskQuery),
    Operation("post", "/v1/ask", "askPost", "Answer a question", "The question in a JSON body. Unknown fields are "
              "rejected.", (schema.Answer, "The answer (check `answered`)"), (400, 404, 413, 415, 422),
              body=schema.AskRequest),
    Operation("post", "/v1/ask/batch", "askBatch", "Answer several questions", f"1 to {MAX_BATCH} questions sharing "
              "k, mode and document; answers come back in the order asked.",
              (schema.Answers, "One answer per question"), (400, 404, 413, 415, 422), body=schema.BatchRequest),
    Operation("get", "/v1/passages/{passage_id}", "getPassage", "A passage", "With its neighbours' ids "
              "(previous_id, next_id) and its document title.", (schema.Passage, "The passage"), (404,)),
    Operation("get", "/v1/documents", "listDocuments", "Every document", "In index order.",
              (schema.Documents, "The documents")),
    Operation("get", "/v1/documents/{document_id}", "getDocument", "A document", "By id.",
              (schema.Document, "The document"), (404,)),
    Operation("get", "/v1/references", "listReferences", "Every reference", "Parsed reference-list entries of "
              "every document, in index order.", (schema.References, "The references")),
    Operation("get", "/healthz", "healthz", "Liveness", "200 while the process runs, index or not.",
              (schema.Health, "The process is up"), tag="ops"),
    Operation("get", "/readyz", "readyz", "Readiness", "200 with the loaded index's identity; 503 (with what to "
              "run) without one.", (schema.Ready, "Serving"), (503,), tag="ops"),
    Operation("get", "/metrics", "metrics", "Prometheus metrics", "Request counts and latency histograms by "
              "endpoint and status; index gauges.", ("text/plain", "Prometheus text exposition format"), tag="ops"),
)  # fmt: skip


def components() -> dict[str, Any]:
    """Every model's JSON Schema, by class name, with references between them (titles left out)."""
    models = [*schema.RESPONSES, *schema.REQUESTS]
    _, document = models_json_schema([(m, "validation") for m in models], ref_template=REF + "{model}")
    return {name: _untitled(s) for name, s in document["$defs"].items()}


def _untitled(node: Any) -> Any:
    if isinstance(node, list):
        return [_untitled(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("properties", "$defs"):
            out[key] = {name: _untitled(v) for name, v in value.items()}
        elif key != "title" or not isinstance(value, str):
            out[key] = _untitled(value)
    return out


def _problems(*statuses: int) -> dict[str, Any]:
    content = {"application/problem+json": {"schema": {"$ref": REF + "Problem"}}}
    out = {str(s): {"description": PROBLEM_STATUSES[s], "content": content} for s in statuses}
    out["default"] = {"description": "Any other error", "content": content}
    return out


def _parameters(op: Operation) -> list[dict[str, Any]]:
    out = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    if op.query is not None:
        query = _untitled(op.query.model_json_schema())
        for name, field in query["properties"].items():
            field = dict(field)
            description = field.pop("description", "")
            if field.get("default", "") is None:  # absent: every document
                del field["default"]
            out.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in query.get("required", []),
                    "schema": field,
                    "description": description,
                }
            )
    return out


def _operation(op: Operation) -> dict[str, Any]:
    model, text = op.ok
    media = (JSON, {"$ref": REF + model.__name__}) if not isinstance(model, str) else (model, {"type": "string"})
    out: dict[str, Any] = {"tags": [op.tag], "summary": op.summary, "operationId": op.id, "description": op.description}
    if op.tag == "v1":
        out["security"] = [{}, {"ApiKey": []}, {"Bearer": []}]
        errors = _problems(401, *op.errors, 429, 503)
    else:
        errors = _problems(*op.errors) if op.errors else {}
    out["responses"] = {"200": {"description": text, "content": {media[0]: {"schema": media[1]}}}, **errors}
    if parameters := _parameters(op):
        out["parameters"] = parameters
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": {JSON: {"schema": {"$ref": REF + op.body.__name__}}}}
    return out


def spec() -> dict[str, Any]:
    """The OpenAPI 3.1 document of this server (a new dict on every call)."""
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
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
        "paths": paths,
        "components": {
            "schemas": components(),
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
    if "anyOf" in schema:
        return " | ".join(type_name(s) for s in schema["anyOf"])
    kind = schema.get("type", "object")
    if kind == "array":
        return f"array of {type_name(schema.get('items', {}))}"
    if isinstance(kind, list):
        return " | ".join(kind)
    if "enum" in schema:
        return " | ".join(f'"{v}"' for v in schema["enum"])
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {type_name(schema['additionalProperties'])}"
    return kind
