"""JSON API v1: ask (GET, POST, batch), passages, documents, references; bodies are the models' to_dict()."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, current_app, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import RequestEntityTooLarge, Unauthorized, UnsupportedMediaType

from qa.api import QA, check_work
from qa.errors import IndexUnavailable
from qa.web import schema

bp = Blueprint("v1", __name__, url_prefix="/v1")


def current_qa() -> QA:
    """The app's QA, or IndexUnavailable (503) saying what to run when start-up could not open the index."""
    qa = current_app.extensions.get("qa")
    if qa is None:
        raise IndexUnavailable(current_app.extensions.get("qa_error") or "the index is not loaded")
    return qa


@bp.before_request
def require_api_key() -> None:
    """With QA_API_KEYS set, every /v1 request but a CORS preflight needs one of the keys."""
    if request.method != "OPTIONS":
        check_api_key()


def check_api_key(page: bool = False) -> None:
    """Unauthorized unless QA_API_KEYS is empty or the request carries one of the keys: `X-API-Key`,
    `Authorization: Bearer`, or (for `page`, what a browser's login box sends) Basic with the key as password."""
    keys = current_app.extensions.get("qa_api_keys") or ()
    if not keys:
        return
    given = request.headers.get("X-API-Key", "")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not given and scheme.lower() == "bearer":
        given = token.strip()
    elif not given and page and scheme.lower() == "basic" and request.authorization is not None:
        given = request.authorization.password or ""
    # compare against every key, in constant time for each, so timing reveals neither key nor position
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(given.encode(), key.encode())
    if not matched:
        description = "an API key is required: send it as `X-API-Key: <key>` or `Authorization: Bearer <key>`"
        if given:
            description = "the API key is not valid"
        challenge = WWWAuthenticate("basic", {"realm": "qa"}) if page else _bearer_challenge()
        raise Unauthorized(description, www_authenticate=challenge)


def _bearer_challenge() -> WWWAuthenticate:
    return WWWAuthenticate("bearer", {"realm": "qa"})


def request_body() -> bytes:
    """The request body; a streamed (chunked) body over MAX_CONTENT_LENGTH is a 413, as one with a
    Content-Length is (werkzeug would cut it at the limit and the JSON would look malformed)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.content_length is None and limit is not None and request.environ.get("wsgi.input_terminated"):
        data = request.environ["wsgi.input"].read(int(limit) + 1)
        if len(data) > int(limit):
            raise RequestEntityTooLarge()
        return data
    return request.get_data(cache=False)


def _json_body() -> dict[str, Any]:
    mimetype = request.mimetype
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(f"send the body as application/json, not {mimetype}")
    return schema.json_object(request_body())


def check_budget(questions: Sequence[str]) -> None:
    """The work budget of one request (QA_MAX_BATCH_CHARS), for a single question as for a batch: 422
    before any work when an operator set it below a question's length limit."""
    check_work(questions, int(current_app.config["MAX_BATCH_CHARS"]))


def _answer(p: schema.AskQuery | schema.AskRequest) -> dict[str, Any]:
    check_budget([p.question])
    qa = current_qa()
    if p.document is not None:
        qa.document(p.document)
    return qa.ask(p.question, k=p.k, mode=p.mode, document=p.document).to_dict()


@bp.get("/ask")
def ask_get() -> dict[str, Any]:
    """Answer `q` (with `k`, `mode`, `document`) from the query string."""
    return _answer(schema.AskQuery.parse(request.args))


@bp.post("/ask")
def ask_post() -> dict[str, Any]:
    """Answer `{question, k, mode, document}`."""
    return _answer(schema.AskRequest.parse(_json_body()))


@bp.post("/ask/batch")
def ask_batch() -> dict[str, Any]:
    """Answer `{questions: [...], k, mode, document}`: one answer per question, in order."""
    p = schema.BatchRequest.parse(_json_body())
    check_budget(p.questions)  # before the document lookup: refuse the work before doing any
    qa = current_qa()
    if p.document is not None:
        qa.document(p.document)
    limit = int(current_app.config["MAX_BATCH_CHARS"])
    answers = qa.ask_batch(list(p.questions), k=p.k, mode=p.mode, document=p.document, max_chars=limit)
    return {"answers": [a.to_dict() for a in answers]}


@bp.get("/passages/<passage_id>")
def passage(passage_id: str) -> dict[str, Any]:
    """One passage with its neighbours' ids and its document's title."""
    qa = current_qa()
    found = qa.passage(passage_id)
    body = found.to_dict()
    body["document_title"] = qa.document(found.document_id).title
    return body


@bp.get("/documents")
def documents() -> dict[str, Any]:
    """Every document of the index, in index order."""
    return {"documents": [d.to_dict() for d in current_qa().documents()]}


@bp.get("/documents/<document_id>")
def document(document_id: str) -> dict[str, Any]:
    """One document by id."""
    return current_qa().document(document_id).to_dict()


@bp.get("/references")
def references() -> dict[str, Any]:
    """Every parsed reference of every document, in index order."""
    return {"references": [r.to_dict() for r in current_qa().references()]}
