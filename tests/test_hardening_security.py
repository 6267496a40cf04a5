"""Security: headers on every response (errors too), no debug mode, constant-time keys, no path reachable
through an id or parameter, request and batch size limits."""

import hmac

import pytest

from qa.api import QA
from qa.web import create_app


@pytest.fixture
def real_app(small_qa, env_clean):
    return create_app({"QA": small_qa, "MAX_CONTENT_LENGTH": 10_000})


ROUTES = [
    ("GET", "/", None, 200),
    ("GET", "/?q=ankle+sprain", None, 200),
    ("GET", "/?q=ankle&k=99", None, 400),
    ("GET", "/passages/ankle-p1", None, 200),
    ("GET", "/passages/nope", None, 404),
    ("GET", "/docs", None, 200),
    ("GET", "/openapi.json", None, 200),
    ("GET", "/static/style.css", None, 200),
    ("GET", "/healthz", None, 200),
    ("GET", "/readyz", None, 200),
    ("GET", "/metrics", None, 200),
    ("GET", "/v1/ask?q=knee", None, 200),
    ("GET", "/v1/ask", None, 400),
    ("POST", "/v1/ask", {"question": "knee"}, 200),
    ("POST", "/v1/ask/batch", {"questions": ["knee"] * 51}, 400),
    ("GET", "/v1/documents/nope", None, 404),
    ("DELETE", "/v1/ask", None, 405),
    ("POST", "/v1/ask", {"question": "x" * 20_000}, 413),
    ("GET", "/nothing-here", None, 404),
]


@pytest.mark.parametrize("method,url,body,status", ROUTES, ids=[f"{m} {u[:30]} {s}" for m, u, _, s in ROUTES])
def test_every_route_and_error_carries_the_security_headers(real_app, method, url, body, status):
    r = real_app.test_client().open(url, method=method, json=body, headers={"Accept": "text/html"})
    assert r.status_code == status
    check_headers(r)
    r.close()


def check_headers(r) -> None:
    csp = dict(part.strip().split(" ", 1) for part in r.headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'" and csp["default-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert "unsafe-inline" not in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    if r.mimetype == "text/html":
        assert "<script>" not in r.get_data(as_text=True)  # no inline script for the CSP to forbid


def test_a_500_and_a_503_carry_them_too(small_qa, env_clean, monkeypatch, tmp_path):
    monkeypatch.setattr(QA, "ask", lambda *a, **k: 1 / 0)
    r = create_app({"QA": small_qa}).test_client().get("/v1/ask?q=knee")
    assert r.status_code == 500
    check_headers(r)
    r = create_app({"INDEX_DIR": str(tmp_path), "CORPUS_DIR": str(tmp_path)}).test_client().get("/?q=knee")
    assert r.status_code == 503
    check_headers(r)


@pytest.mark.parametrize("env", [{}, {"FLASK_DEBUG": "1"}, {"FLASK_ENV": "development", "FLASK_DEBUG": "true"}])
def test_never_debug_mode_and_a_bug_shows_no_traceback(small_qa, env_clean, monkeypatch, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(QA, "ask", lambda *a, **k: 1 / 0)
    app = create_app({"QA": small_qa})
    assert app.debug is False
    r = app.test_client().get("/v1/ask?q=knee")
    assert r.status_code == 500
    body = r.get_data(as_text=True)
    assert "Traceback" not in body and "ZeroDivisionError" not in body and "qa/" not in body
    assert r.get_json(force=True)["detail"] == "an unexpected error occurred; it has been logged"


def test_api_keys_are_compared_in_constant_time_against_every_key(small_qa, env_clean, monkeypatch):
    calls, real = [], hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr("qa.web.api.hmac.compare_digest", spy)
    client = create_app({"QA": small_qa, "API_KEYS": "first-key,second-key"}).test_client()
    assert client.get("/v1/documents", headers={"X-API-Key": "second-key"}).status_code == 200
    assert calls == [(b"second-key", b"first-key"), (b"second-key", b"second-key")]
    calls.clear()
    assert client.get("/v1/documents", headers={"Authorization": "Bearer first-key"}).status_code == 200
    assert calls == [(b"first-key", b"first-key"), (b"first-key", b"second-key")]  # no early exit
    calls.clear()
    assert client.get("/v1/documents", headers={"X-API-Key": "guess"}).status_code == 401
    assert calls == [(b"guess", b"first-key"), (b"guess", b"second-key")]


SECRET = "TOP-SECRET-CONTENT-42"
TRAVERSALS = [
    "../../../../etc/passwd",
    "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fpyproject.toml",
    "%252e%252e%252fpyproject.toml",
    "/etc/passwd",
    "%2Fetc%2Fpasswd",
    "..\\..\\pyproject.toml",
    "ankle-p1%00",
    "ankle-p1%00.txt",
    "....//....//etc/passwd",
    "{secret}",
    "..%2F..%2F{secret_rel}",
    "corpus/ankle.txt",
    "ankle.txt",
]


@pytest.fixture
def secret_app(small_index, env_clean, tmp_path):
    corpus, index = small_index
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    app = create_app({"QA": QA.open(index, corpus)})
    return app, secret


@pytest.mark.parametrize("template", TRAVERSALS)
@pytest.mark.parametrize(
    "route",
    ["/v1/passages/{}", "/v1/documents/{}", "/passages/{}", "/v1/ask?q=knee&document={}", "/static/{}", "/{}"],
)
def test_no_file_is_reachable_through_an_id_or_parameter(secret_app, route, template):
    app, secret = secret_app
    value = template.format(secret=secret, secret_rel=str(secret).lstrip("/").replace("/", "%2F"))
    r = app.test_client().get(route.format(value))
    body = r.get_data(as_text=True)
    assert r.status_code in (404, 400, 308), (route, value, r.status_code)
    assert SECRET not in body and "root:" not in body and "[project]" not in body
    if r.status_code == 308:  # werkzeug's slash merge: follow it and it must still be nothing
        follow = app.test_client().get(r.headers["Location"])
        assert follow.status_code in (404, 400)
        assert SECRET not in follow.get_data(as_text=True)


def test_the_body_size_limit_gives_413(small_qa, env_clean):
    client = create_app({"QA": small_qa}).test_client()  # the default limit: 1 MiB
    big = client.post("/v1/ask", data=b'{"question": "' + b"k" * 1_100_000 + b'"}', content_type="application/json")
    assert big.status_code == 413
    assert big.get_json(force=True)["detail"] == "the request body is larger than 1048576 bytes"
    assert client.post("/v1/ask", json={"question": "knee " * 300}).status_code == 200


def test_a_batch_of_51_is_refused_and_50_is_answered(small_qa, env_clean):
    client = create_app({"QA": small_qa}).test_client()
    r = client.post("/v1/ask/batch", json={"questions": ["knee pain"] * 51})
    assert r.status_code == 400
    assert r.get_json(force=True)["detail"] == "questions must be a list of 1 to 50 questions"
    ok = client.post("/v1/ask/batch", json={"questions": ["knee pain"] * 50})
    assert ok.status_code == 200
    assert len(ok.get_json()["answers"]) == 50
