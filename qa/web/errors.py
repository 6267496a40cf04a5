"""The one place errors become responses: application/problem+json (RFC 9457), or HTML for page visitors."""

from __future__ import annotations

import json
import logging
import math
import re
import time
from pathlib import Path

from flask import Flask, current_app, g, render_template, request
from flask.wrappers import Response
from werkzeug.exceptions import HTTPException

from qa.errors import QAError

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("qa.web")

# Problem types a client may see: slug -> (status, title). /docs lists them; `type` links there.
PROBLEMS: dict[str, tuple[int, str]] = {
    "invalid-input": (400, "Invalid input"),
    "unauthorized": (401, "Unauthorized"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "payload-too-large": (413, "Payload too large"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "too-much-work": (422, "Too much work in one request"),
    "request-timeout": (408, "Request timeout"),
    "uri-too-long": (414, "URI too long"),
    "request-header-fields-too-large": (431, "Request header fields too large"),
    "bad-gateway": (502, "Bad gateway"),
    "gateway-timeout": (504, "Gateway timeout"),
    "rate-limited": (429, "Too many requests"),
    "internal-error": (500, "Internal error"),
    "corpus-error": (500, "Corpus error"),
    "index-unavailable": (503, "Index unavailable"),
}
_BY_STATUS = {status: slug for slug, (status, _) in PROBLEMS.items()}
_JSON_PATHS = ("/v1/", "/openapi.json", "/metrics", "/healthz", "/readyz")


def problem_type(slug: str) -> str:
    """The `type` URI of a problem: a link to its entry on the docs page."""
    return f"/docs#problem-{slug}"


def problem(
    status: int,
    detail: str,
    slug: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    errors: tuple[dict[str, str], ...] = (),
) -> Response:
    """A problem response for this request: JSON for API clients, an HTML page for people on the page;
    `errors` lists each bad item of a batch."""
    slug = slug or _BY_STATUS.get(status) or _slugify(title or str(status))
    title = title or PROBLEMS.get(slug, (status, "Error"))[1]
    body: dict[str, object] = {"type": problem_type(slug), "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = list(errors)
    if _wants_html():
        html = render_template("error.html", problem=body)
        response = Response(html, status=status, mimetype="text/html")
    else:
        response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register(app: Flask) -> None:
    """Install the handlers: QAError by its status, HTTP errors by theirs, anything else as a logged 500."""
    app.register_error_handler(QAError, _qa_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _bug)


def _qa_error(exc: QAError) -> Response:
    if exc.status >= 500 and exc.status != 503:  # 503 (no index) is an operator state, said by /readyz
        log.error("%s: %s", type(exc).__name__, exc.detail, extra={"request_id": g.get("request_id")})
    detail = public_detail(exc.detail) if exc.status >= 500 else exc.detail
    return problem(exc.status, detail, exc.type, exc.title, errors=getattr(exc, "errors", ()))


_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/[^\s'\"`,;()]+")


def public_detail(detail: str) -> str:
    """A server-side message fit for clients: absolute paths become relative to the index folder (or are
    dropped to their last part), so a client never learns where the server keeps its files."""
    index_dir = str(Path(current_app.config.get("INDEX_DIR") or "index").resolve())
    corpus_dir = str(Path(current_app.config.get("CORPUS_DIR") or "corpus").resolve())

    def relative(match: re.Match[str]) -> str:
        path = match.group().rstrip(".:")
        tail = match.group()[len(path) :]
        for base in (index_dir, corpus_dir):
            if path == base:
                return Path(base).name + tail
            if path.startswith(base + "/"):
                return path[len(base) + 1 :] + tail
        return Path(path).name + tail

    return _ABSOLUTE_PATH.sub(relative, detail)


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    headers = {k: v for k, v in exc.get_headers() if k.lower() not in ("content-type", "content-length")}
    if status == 429:
        headers["Retry-After"] = str(_retry_after())
        detail = f"rate limit of {exc.description} exceeded; retry after {headers['Retry-After']} s"
    elif status == 405:
        detail = f"{request.method} is not allowed here; allowed: {headers.get('Allow', '')}"
    elif status == 404:
        detail = f"nothing at {request.path}; see /docs for the API"
    elif status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        detail = f"the request body is larger than {limit} bytes"
    else:
        detail = exc.description or exc.name
    title = PROBLEMS[_BY_STATUS[status]][1] if status in _BY_STATUS else exc.name
    return problem(status, detail, _BY_STATUS.get(status), title, headers)


def _bug(exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path, extra={"request_id": g.get("request_id")})
    return problem(500, "an unexpected error occurred; it has been logged", "internal-error")


def _retry_after() -> int:
    """Seconds until the breached rate-limit window resets (at least 1)."""
    limiter = current_app.extensions.get("qa_limiter")
    current = limiter.current_limit if limiter else None
    if current is None:
        return 1
    return max(1, math.ceil(current.reset_at - time.time()))


def _wants_html() -> bool:
    if request.path.startswith(_JSON_PATHS) or request.path == "/v1":
        return False
    best = request.accept_mimetypes.best_match(["application/json", PROBLEM_JSON, "text/html"])
    return best == "text/html"


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "error"
