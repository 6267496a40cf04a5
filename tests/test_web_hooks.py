import json
import logging

import pytest

from qa.web.hooks import SECURITY_HEADERS, JsonFormatter, request_id


@pytest.mark.parametrize("url", ["/", "/healthz", "/v1/ask?q=heel", "/v1/nope", "/docs", "/openapi.json"])
def test_security_headers_on_every_response(client, url):
    r = client.get(url)
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_security_headers_match_the_table(client):
    r = client.get("/healthz")
    assert {k: r.headers[k] for k in SECURITY_HEADERS} == SECURITY_HEADERS


@pytest.mark.parametrize("given", ["abc-123", "req_1.2:3", "A" * 128])
def test_a_safe_request_id_is_echoed(client, given):
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given


@pytest.mark.parametrize("given", ["", "has space", "new\\nline", "<x>", "A" * 129, "ü"])
def test_an_unsafe_request_id_is_replaced(client, given):
    echoed = client.get("/healthz", headers={"X-Request-ID": given}).headers["X-Request-ID"]
    assert echoed != given
    assert len(echoed) == 32 and int(echoed, 16) >= 0


def test_ids_are_generated_per_request(client):
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_request_id_function():
    assert request_id("ok-1") == "ok-1"
    assert request_id(None) != request_id(None)


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(json.loads(JsonFormatter().format(record)))


@pytest.fixture
def access_lines():
    handler = Collect()
    logger = logging.getLogger("qa.access")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def test_one_json_access_line_per_request(client, access_lines):
    client.get("/v1/ask?q=heel&k=2", headers={"X-Request-ID": "trace-7"})
    client.post("/v1/ask", json={"question": ""})
    assert len(access_lines) == 2
    first = access_lines[0]
    assert set(first) == {
        "ts",
        "level",
        "logger",
        "message",
        "method",
        "path",
        "status",
        "duration_ms",
        "request_id",
        "remote",
        "endpoint",
    }
    assert (first["method"], first["path"], first["status"], first["request_id"]) == (
        "GET",
        "/v1/ask",
        200,
        "trace-7",
    )
    assert first["endpoint"] == "v1.ask_get"
    assert first["remote"] == "127.0.0.1"
    assert first["duration_ms"] >= 0
    assert (access_lines[1]["method"], access_lines[1]["status"]) == ("POST", 400)


def test_the_query_string_is_not_logged(client, access_lines):
    client.get("/v1/ask?q=private+matter")
    assert "private" not in json.dumps(access_lines)


def test_json_formatter_includes_exceptions():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("qa.web", logging.ERROR, __file__, 1, "failed %s", ("x",), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed x"
    assert line["level"] == "error"
    assert "ValueError: boom" in line["exc"]
