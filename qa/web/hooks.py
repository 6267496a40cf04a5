"""Per-request plumbing: request ids, security headers, metrics and one JSON access-log line per request."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, current_app, g, request
from flask.wrappers import Response

from qa.errors import InvalidInput

REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
access_log = logging.getLogger("qa.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any `fields` given."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "request_id", None):
            line["request_id"] = record.request_id
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test capture replaces it between records)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(level: str) -> None:
    """JSON lines on stderr for the access log and the web layer's errors (added once per process)."""
    for name in ("qa.access", "qa.web"):
        logger = logging.getLogger(name)
        logger.setLevel(level.upper())
        logger.propagate = False
        if not any(isinstance(h, StderrHandler) for h in logger.handlers):
            handler = StderrHandler()
            handler.setFormatter(JsonFormatter())
            logger.addHandler(handler)


def request_id(header: str | None) -> str:
    """The caller's X-Request-ID when it is 1-128 safe characters, else a new random id."""
    if header and REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def register(app: Flask) -> None:
    """Install the hooks; the before-hook runs first so even rejected requests get an id and a log line."""
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.request_id = request_id(request.headers.get("X-Request-ID"))
    g.started = time.perf_counter()
    _check_url_is_utf8(request.environ)


def _check_url_is_utf8(environ: dict[str, Any]) -> None:
    """InvalidInput when the path or query string is not UTF-8 once percent-decoded (werkzeug would
    otherwise pass the bytes on re-quoted, as if `%FF` had been typed)."""
    path = environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    try:
        path.encode("latin-1").decode("utf-8")  # WSGI carries the decoded bytes as latin-1 text
        unquote_to_bytes(query.encode("latin-1", "strict")).decode("utf-8")
    except UnicodeError as exc:
        raise InvalidInput("the URL is not valid UTF-8 after percent-decoding; encode the question as UTF-8") from exc


def _finish(response: Response) -> Response:
    rid = g.get("request_id") or request_id(None)
    response.headers["X-Request-ID"] = rid
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    seconds = time.perf_counter() - g.get("started", time.perf_counter())
    endpoint = request.url_rule.endpoint if request.url_rule else "unmatched"
    metrics = current_app.extensions.get("qa_metrics")
    if metrics is not None:
        metrics.observe(endpoint, request.method, response.status_code, seconds)
    fields = {
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round(seconds * 1000, 3),
        "request_id": rid,
        "remote": request.remote_addr,
        "endpoint": endpoint,
    }
    access_log.info("request", extra={"fields": fields})
    return response
