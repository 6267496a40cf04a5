"""Issue 13, second pass: client input that used to give a 5xx or slip through, and what leaked to clients.

Rows 3 (lone surrogates), 4 (huge integers), 5 (keys and limits on the page), 12 (chunked bodies over the
limit), 15 (invalid UTF-8 in a URL), 16 (paths, /metrics, redirects, non-http URLs)."""

import base64
import json

import pytest

from qa.api import QA
from qa.errors import InvalidInput, QAError, TooMuchWork
from qa.storage.index import build_index
from qa.web import create_app

SURROGATES = ["calf \ud800 pain", "\ud83d", "\udfff knee", "knee \ud83d\ude00\ud83d"]


@pytest.fixture
def real_app(small_qa, env_clean):
    return create_app({"QA": small_qa})


def _post(client, path: str, raw: bytes, **kw):
    return client.post(path, data=raw, content_type="application/json", **kw)


@pytest.mark.parametrize("question", SURROGATES)
def test_a_lone_surrogate_in_a_question_is_a_400_not_a_500(real_app, question):
    raw = json.dumps({"question": question}).encode()  # \ud800 escapes: valid JSON, not valid Unicode
    r = _post(real_app.test_client(), "/v1/ask", raw)
    assert r.status_code == 400
    assert r.mimetype == "application/problem+json"
    assert "lone surrogate" in r.get_json(force=True)["detail"]


def test_a_batch_names_every_bad_item_and_its_position(real_app):
    raw = json.dumps({"questions": ["knee pain", "calf \ud800 pain", "ankle", "\udfff"]}).encode()
    r = _post(real_app.test_client(), "/v1/ask/batch", raw)
    assert r.status_code == 400
    body = r.get_json(force=True)
    assert body["detail"].startswith("questions[1] has a lone surrogate (U+D800) at character 5")
    assert [(e["pointer"], e["detail"][:42]) for e in body["errors"]] == [
        ("/questions/1", "questions[1] has a lone surrogate (U+D800)"),
        ("/questions/3", "questions[3] has a lone surrogate (U+DFFF)"),
    ]


@pytest.mark.parametrize("question", SURROGATES)
def test_the_library_raises_invalid_input_for_a_lone_surrogate(small_qa, question):
    with pytest.raises(InvalidInput, match="lone surrogate"):
        small_qa.ask(question)
    with pytest.raises(QAError):
        small_qa.ask_batch(["knee", question])


def test_a_whole_emoji_is_still_a_question(small_qa):
    assert small_qa.ask("knee \U0001f600 pain").question == "knee \U0001f600 pain"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"question": "knee", "k": ' + b"1" * 4301 + b"}",
        b'{"question": "knee", "x": [' + b"9" * 10_000 + b"]}",
        b'{"questions": ["knee"], "k": -' + b"7" * 5000 + b"}",
    ],
    ids=["k", "nested", "negative"],
)
def test_an_integer_of_more_than_4300_digits_is_a_400(real_app, raw):
    path = "/v1/ask/batch" if b"questions" in raw else "/v1/ask"
    r = _post(real_app.test_client(), path, raw)
    assert r.status_code == 400
    assert r.get_json(force=True)["detail"] == "the body has a number of more than 4,300 digits"


def _chunked(app, body: bytes):
    """Post `body` as gunicorn hands over a chunked one: de-chunked, wsgi.input_terminated, no Content-Length."""
    inner = app.wsgi_app

    def as_gunicorn(environ, start_response):
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True
        return inner(environ, start_response)

    app.wsgi_app = as_gunicorn
    try:
        return app.test_client().post("/v1/ask", data=body, content_type="application/json")
    finally:
        app.wsgi_app = inner


def test_a_chunked_body_over_the_limit_is_a_413_like_one_with_content_length(real_app):
    big = b'{"question": "' + b"k" * (1 << 20) + b'"}'
    r = _chunked(real_app, big)
    assert r.status_code == 413
    assert r.get_json(force=True)["detail"] == "the request body is larger than 1048576 bytes"
    small = _chunked(real_app, b'{"question": "knee pain"}')
    assert small.status_code == 200 and small.get_json()["question"] == "knee pain"


@pytest.mark.parametrize(
    "path,query",
    [
        ("/v1/ask", "q=%ff%fe"),
        ("/v1/ask", "q=knee%ed%a0%80"),  # an encoded surrogate is not UTF-8 either
        ("/", "q=%c3"),
        ("/v1/passages/\xff", ""),  # WSGI carries the path's decoded bytes as latin-1 text
        ("/passages/ankle-p1\xe9", ""),
    ],
)
def test_invalid_utf8_in_a_url_is_a_400(real_app, path, query):
    r = real_app.test_client().get("/", environ_overrides={"PATH_INFO": path, "QUERY_STRING": query})
    assert r.status_code == 400
    assert r.mimetype == "application/problem+json"
    assert r.get_json(force=True)["detail"].startswith("the URL is not valid UTF-8")
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_valid_percent_encoded_utf8_still_works(real_app):
    r = real_app.test_client().get("/v1/ask?q=knee+%C3%A9t%C3%A9")
    assert r.status_code == 200 and r.get_json()["question"] == "knee été"


# --- row 16: what leaks ------------------------------------------------------------------------------


def test_a_503_names_no_absolute_server_path(env_clean, tmp_path):
    index = tmp_path / "srv" / "secret-place" / "index"
    r = create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(tmp_path)}).test_client().get("/readyz")
    assert r.status_code == 503
    detail = r.get_json(force=True)["detail"]
    assert str(tmp_path) not in detail and "secret-place" not in detail
    assert detail == "no index in index: run `qa build` (or `make run`, which builds it)"


def test_a_corrupt_index_503_names_the_file_relative_to_the_index(small_index, env_clean, tmp_path):
    corpus, _ = small_index
    index = tmp_path / "index"
    build_index(corpus, index, semantic=False)
    engine_file = sorted((index / "current" / "engine").glob("*.npy"))[0]
    engine_file.write_bytes(engine_file.read_bytes()[:-8])
    r = create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(corpus)}).test_client().get("/readyz")
    assert r.status_code == 503
    detail = r.get_json(force=True)["detail"]
    assert str(tmp_path) not in detail
    assert f"engine/{engine_file.name} is missing or truncated" in detail


def test_a_double_slash_never_redirects_to_the_host_the_client_named(real_app):
    r = real_app.test_client().get("/static//etc/passwd", headers={"Host": "evil.example"})
    assert r.status_code == 404
    assert "Location" not in r.headers
    assert "evil.example" not in r.get_data(as_text=True)


def test_metrics_need_the_key_when_keys_are_set(small_qa, env_clean):
    client = create_app({"QA": small_qa, "API_KEYS": "k1"}).test_client()
    assert client.get("/metrics").status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer k1"})
    assert ok.status_code == 200 and b"qa_index_ready 1.0" in ok.data
    assert client.get("/healthz").status_code == 200  # probes stay open
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize(
    "url,kept",
    [
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        (" data:text/html,<b>x</b>", None),
        ("file:///etc/passwd", None),
        ("//evil.example/x", None),
        ("https://example.org/knee", "https://example.org/knee"),
        ("http://example.org/a?b=1", "http://example.org/a?b=1"),
    ],
)
def test_only_http_urls_leave_the_api(env_clean, tmp_path, url, kept):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "knee.md").write_text(f"---\ntitle: Knee\nurl: {url}\n---\n# Knee\n\nKnee pain after runs.\n")
    qa = QA.from_corpus(corpus, tmp_path / "index", semantic=False)
    r = create_app({"QA": qa}).test_client().get("/v1/documents")
    assert r.get_json()["documents"][0]["url"] == kept


# --- row 5: the page is protected like the API ---------------------------------------------------------


@pytest.mark.parametrize("url", ["/?q=knee+pain", "/passages/ankle-p1"])
def test_the_page_needs_the_key_too(small_qa, env_clean, url):
    client = create_app({"QA": small_qa, "API_KEYS": "k1"}).test_client()
    r = client.get(url, headers={"Accept": "text/html"})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert "Runners often feel knee pain" not in r.get_data(as_text=True)
    basic = "Basic " + base64.b64encode(b"any-name:k1").decode()
    assert client.get(url, headers={"Authorization": basic}).status_code == 200
    assert client.get(url, headers={"X-API-Key": "k1"}).status_code == 200
    wrong = "Basic " + base64.b64encode(b"any-name:nope").decode()
    assert client.get(url, headers={"Authorization": wrong}).status_code == 401


def test_static_files_and_the_docs_stay_open(small_qa, env_clean):
    client = create_app({"QA": small_qa, "API_KEYS": "k1"}).test_client()
    assert client.get("/").status_code == 401  # the empty page too: a browser asks for the key at once
    css = client.get("/static/style.css")
    assert css.status_code == 200
    css.close()
    assert client.get("/openapi.json").status_code == 200


def test_an_explicit_opt_out_makes_the_page_public(small_qa, env_clean):
    client = create_app({"QA": small_qa, "API_KEYS": "k1", "PUBLIC_PAGE": True}).test_client()
    assert client.get("/?q=knee+pain").status_code == 200
    assert client.get("/v1/ask?q=knee").status_code == 401


def test_the_rate_limit_covers_the_page_and_the_api_together(small_qa, env_clean):
    client = create_app({"QA": small_qa, "RATE_LIMIT": "3/minute"}).test_client()
    statuses = [client.get(u).status_code for u in ["/?q=knee", "/passages/ankle-p1", "/v1/ask?q=knee", "/?q=knee"]]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/healthz").status_code == 200


# --- row 2: a work budget per request ------------------------------------------------------------------


def test_a_batch_over_the_work_budget_is_a_422_before_any_work(small_qa, env_clean, monkeypatch):
    asked = []
    monkeypatch.setattr(QA, "ask", lambda self, q, **kw: asked.append(q))
    client = create_app({"QA": small_qa}).test_client()
    r = client.post("/v1/ask/batch", json={"questions": ["knee pain " * 200] * 6})  # 6 x 2,000 characters
    assert r.status_code == 422
    assert r.get_json(force=True) == {
        "type": "/docs#problem-too-much-work",
        "title": "Too much work in one request",
        "status": 422,
        "detail": "the batch holds 12,000 characters of questions; one request may hold 10,000 "
        "(QA_MAX_BATCH_CHARS): send fewer or shorter questions per request",
    }
    assert asked == []


def test_the_work_budget_is_a_setting_and_the_library_keeps_it_too(small_qa, env_clean):
    client = create_app({"QA": small_qa, "MAX_BATCH_CHARS": 20}).test_client()
    assert client.post("/v1/ask/batch", json={"questions": ["knee pain", "ankle sprain"]}).status_code == 422
    assert client.post("/v1/ask/batch", json={"questions": ["knee pain", "ankle"]}).status_code == 200
    with pytest.raises(TooMuchWork, match="holds 10,010 characters"):
        small_qa.ask_batch(["k" * 2000] * 5 + ["knee pain "])
    assert len(small_qa.ask_batch(["knee pain " * 200] * 5)) == 5  # exactly 10,000: within budget


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("get", "/v1/ask", {"query_string": {"q": "knee pain " * 10}}),
        ("post", "/v1/ask", {"json": {"question": "knee pain " * 10}}),
        ("get", "/", {"query_string": {"q": "knee pain " * 10}, "headers": {"Accept": "text/html"}}),
    ],
)
def test_a_single_question_is_held_to_the_work_budget_too(small_qa, env_clean, monkeypatch, method, path, kwargs):
    """A budget an operator set below the 2,000-character question limit covers single questions as well."""
    asked = []
    monkeypatch.setattr(QA, "ask", lambda self, q, **kw: asked.append(q))
    client = create_app({"QA": small_qa, "MAX_BATCH_CHARS": 60}).test_client()
    r = getattr(client, method)(path, **kwargs)
    assert r.status_code == 422
    assert asked == []
    expected = "the question holds 100 characters of questions; one request may hold 60 (QA_MAX_BATCH_CHARS)"
    assert expected in r.get_data(as_text=True)
