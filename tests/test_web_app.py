import pytest

from qa.api import QA
from qa.errors import IndexStale
from qa.web import create_app

# --- API keys ---------------------------------------------------------------------------------------


@pytest.fixture
def keyed(make_app):
    return make_app(API_KEYS="alpha-key, beta-key").test_client()


@pytest.mark.parametrize(
    "headers,status",
    [
        ({}, 401),
        ({"X-API-Key": "wrong"}, 401),
        ({"X-API-Key": "alpha-key "}, 401),
        ({"X-API-Key": "alpha"}, 401),
        ({"Authorization": "Bearer wrong"}, 401),
        ({"Authorization": "Basic alpha-key"}, 401),
        ({"X-API-Key": "alpha-key"}, 200),
        ({"X-API-Key": "beta-key"}, 200),
        ({"Authorization": "Bearer beta-key"}, 200),
        ({"Authorization": "bearer alpha-key"}, 200),
    ],
)
def test_api_keys_guard_v1(keyed, headers, status):
    assert keyed.get("/v1/documents", headers=headers).status_code == status


def test_401_is_a_problem_with_a_challenge(keyed):
    r = keyed.post("/v1/ask", json={"question": "heel"})
    assert r.status_code == 401
    assert r.mimetype == "application/problem+json"
    assert r.headers["WWW-Authenticate"] == "Bearer realm=qa"
    assert r.get_json(force=True)["detail"] == (
        "an API key is required: send it as `X-API-Key: <key>` or `Authorization: Bearer <key>`"
    )
    wrong = keyed.get("/v1/documents", headers={"X-API-Key": "nope"}).get_json(force=True)
    assert wrong["detail"] == "the API key is not valid"


@pytest.mark.parametrize("url", ["/healthz", "/readyz", "/openapi.json", "/docs"])
def test_api_keys_leave_the_probes_and_docs_open(keyed, url):
    assert keyed.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/", "/?q=heel", "/passages/calf-p1", "/metrics"])
def test_api_keys_cover_the_page_and_metrics_too(keyed, url):
    assert keyed.get(url).status_code == 401  # they serve the corpus (or its traffic) as /v1 does


def test_no_keys_configured_means_open(client):
    assert client.get("/v1/documents").status_code == 200


# --- CORS -------------------------------------------------------------------------------------------


def test_cors_is_off_by_default(client):
    r = client.get("/v1/documents", headers={"Origin": "https://app.example"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_cors_allows_configured_origins_only(make_app):
    client = make_app(CORS_ORIGINS="https://app.example,https://other.example").test_client()
    r = client.get("/v1/documents", headers={"Origin": "https://app.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "X-Request-ID" in r.headers["Access-Control-Expose-Headers"]
    r = client.get("/v1/documents", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in r.headers
    r = client.get("/healthz", headers={"Origin": "https://app.example"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_cors_preflight_passes_without_an_api_key(make_app):
    client = make_app(CORS_ORIGINS="*", API_KEYS="k").test_client()
    r = client.options(
        "/v1/ask",
        headers={
            "Origin": "https://any.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-api-key",
        },
    )
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert set(r.headers["Access-Control-Allow-Headers"].lower().split(", ")) == {"content-type", "x-api-key"}
    assert "POST" in r.headers["Access-Control-Allow-Methods"]


# --- rate limit -------------------------------------------------------------------------------------


def test_rate_limit_gives_429_with_retry_after(make_app):
    client = make_app(RATE_LIMIT="3/minute").test_client()
    statuses = [client.get("/v1/ask?q=heel").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    r = client.get("/v1/documents")
    assert r.status_code == 429
    assert r.mimetype == "application/problem+json"
    assert 1 <= int(r.headers["Retry-After"]) <= 61  # the window is one minute; reset_at rounds up
    body = r.get_json(force=True)
    assert body["type"] == "/docs#problem-rate-limited"
    assert body["detail"] == f"rate limit of 3 per 1 minute exceeded; retry after {r.headers['Retry-After']} s"


def test_rate_limit_is_per_client_on_v1_and_the_page(make_app):
    client = make_app(RATE_LIMIT="1/minute").test_client()
    assert client.get("/v1/documents").status_code == 200
    assert client.get("/v1/documents").status_code == 429
    other = {"REMOTE_ADDR": "10.0.0.2"}
    assert client.get("/v1/documents", environ_base=other).status_code == 200
    assert [client.get(u).status_code for u in ("/healthz", "/metrics", "/")] == [200, 200, 429]


def test_no_rate_limit_by_default(client):
    assert {client.get("/v1/documents").status_code for _ in range(30)} == {200}
    assert "Retry-After" not in client.get("/v1/documents").headers


@pytest.mark.parametrize("limit", ["lots", "60/fortnight", "-1/minute"])
def test_a_malformed_rate_limit_stops_start_up(make_app, limit):
    with pytest.raises(ValueError, match=f"setting QA_RATE_LIMIT='{limit}' is not a rate limit like '60/minute'"):
        make_app(RATE_LIMIT=limit)


def test_several_limits_apply_together(make_app):
    client = make_app(RATE_LIMIT="2/second;3/hour").test_client()
    assert [client.get("/v1/documents").status_code for _ in range(3)] == [200, 200, 429]


def test_proxy_hops_trust_x_forwarded_for(make_app):
    client = make_app(RATE_LIMIT="1/minute", PROXY_HOPS=1).test_client()
    first = {"X-Forwarded-For": "203.0.113.9"}
    assert client.get("/v1/documents", headers=first).status_code == 200
    assert client.get("/v1/documents", headers=first).status_code == 429
    assert client.get("/v1/documents", headers={"X-Forwarded-For": "203.0.113.10"}).status_code == 200


def test_without_proxy_hops_x_forwarded_for_is_ignored(make_app):
    client = make_app(RATE_LIMIT="1/minute").test_client()
    assert client.get("/v1/documents", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200
    assert client.get("/v1/documents", headers={"X-Forwarded-For": "203.0.113.10"}).status_code == 429


# --- start-up ---------------------------------------------------------------------------------------


def test_settings_come_from_the_environment(monkeypatch, fake_qa):
    monkeypatch.setenv("QA_API_KEYS", "env-key")
    monkeypatch.setenv("QA_MAX_BODY_BYTES", "2048")
    app = create_app({"QA": fake_qa})
    assert app.config["MAX_CONTENT_LENGTH"] == 2048
    assert app.test_client().get("/v1/documents", headers={"X-API-Key": "env-key"}).status_code == 200
    assert app.debug is False


def test_the_index_is_opened_once_with_the_configured_folders(make_app, monkeypatch, tmp_path, fake_qa):
    calls = []

    def fake_open(cls, index_dir, corpus_dir=None, stale="raise"):
        calls.append((index_dir, corpus_dir, stale))
        return fake_qa

    monkeypatch.setattr(QA, "open", classmethod(fake_open))
    (tmp_path / "corpus").mkdir()
    app = make_app(QA=None, INDEX_DIR=str(tmp_path / "idx"), CORPUS_DIR=str(tmp_path / "corpus"))
    client = app.test_client()
    for _ in range(3):
        assert client.get("/v1/ask?q=heel").status_code == 200
    assert calls == [(tmp_path / "idx", tmp_path / "corpus", "flag")]  # served flagged when stale (row 9)
    assert app.extensions["qa"] is fake_qa


def test_a_missing_corpus_folder_skips_the_staleness_check(make_app, monkeypatch, tmp_path, fake_qa):
    calls = []
    monkeypatch.setattr(QA, "open", classmethod(lambda cls, i, c=None, stale="raise": calls.append(c) or fake_qa))
    make_app(QA=None, INDEX_DIR=str(tmp_path), CORPUS_DIR=str(tmp_path / "absent"))
    assert calls == [None]


def test_a_stale_index_keeps_the_app_up_and_says_to_rebuild(make_app, monkeypatch):
    def stale(cls, *args, **kwargs):
        raise IndexStale("the corpus changed since the index was built (calf.txt)")

    monkeypatch.setattr(QA, "open", classmethod(stale))
    client = make_app(QA=None).test_client()
    assert client.get("/healthz").status_code == 200
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.get_json(force=True)["detail"] == (
        "the corpus changed since the index was built (calf.txt) "
        "Run `qa build` (or `make build`) to build it; the server picks it up without a restart."
    )


def test_an_unexpected_open_failure_is_logged_and_kept_out_of_the_response(make_app, monkeypatch, tmp_path):
    def broken(cls, *args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(QA, "open", classmethod(broken))
    client = make_app(QA=None, INDEX_DIR=str(tmp_path)).test_client()
    body = client.get("/readyz").get_json(force=True)
    assert body["status"] == 503
    assert "secret" not in body["detail"]
    assert body["detail"].startswith(f"the index in {tmp_path.name} could not be loaded (see the server log).")
