import pytest
from prometheus_client.parser import text_string_to_metric_families

from qa.api import QA
from qa.errors import IndexMissing


def samples(client):
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.mimetype == "text/plain"
    out = {}
    for family in text_string_to_metric_families(r.get_data(as_text=True)):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_healthz(client):
    r = client.get("/healthz")
    assert (r.status_code, r.get_json()) == (200, {"status": "ok"})


def test_readyz_reports_the_index(client):
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.get_json() == {
        "status": "ready",
        "index": {
            "format_version": 1,
            "version": "fake0001",
            "built_at": "2025-01-02T03:04:05Z",
            "documents": 2,
            "passages": 4,
            "references": 2,
            "terms": 42,
            "size_bytes": 12345,
            "stale": False,
        },
        "semantic": False,
        "stale": False,
        "changes": [],
    }


@pytest.fixture
def no_index(make_app, monkeypatch):
    def missing(cls, *args, **kwargs):
        raise IndexMissing("no index in index: run `qa build` (or `make run`, which builds it)")

    monkeypatch.setattr(QA, "open", classmethod(missing))
    return make_app(QA=None).test_client()


def test_without_an_index_healthz_is_ok_and_readyz_says_what_to_run(no_index):
    assert no_index.get("/healthz").status_code == 200
    r = no_index.get("/readyz")
    assert r.status_code == 503
    assert r.mimetype == "application/problem+json"
    assert r.get_json(force=True)["detail"] == "no index in index: run `qa build` (or `make run`, which builds it)"
    assert samples(no_index)[("qa_index_ready", ())] == 0


def test_metrics_count_requests_by_endpoint_method_and_status(client):
    client.get("/v1/ask?q=heel")
    client.get("/v1/ask?q=heel")
    client.get("/v1/ask?q=")
    client.get("/v1/nope")
    got = samples(client)
    labels = (("endpoint", "v1.ask_get"), ("method", "GET"), ("status", "200"))
    assert got[("qa_http_requests_total", labels)] == 2
    assert got[("qa_http_requests_total", (("endpoint", "v1.ask_get"), ("method", "GET"), ("status", "400")))] == 1
    assert got[("qa_http_requests_total", (("endpoint", "unmatched"), ("method", "GET"), ("status", "404")))] == 1
    assert got[("qa_http_request_duration_seconds_count", labels)] == 2
    assert got[("qa_http_request_duration_seconds_bucket", (*labels[:1], ("le", "+Inf"), *labels[1:]))] == 2


def test_metrics_have_index_gauges(client):
    got = samples(client)
    assert got[("qa_index_ready", ())] == 1
    assert got[("qa_index_documents", ())] == 2
    assert got[("qa_index_passages", ())] == 4
    assert got[("qa_index_references", ())] == 2
    assert got[("qa_index_terms", ())] == 42
    assert got[("qa_index_size_bytes", ())] == 12345
    assert got[("qa_index_stale", ())] == 0
    info = (("built_at", "2025-01-02T03:04:05Z"), ("format_version", "1"), ("version", "fake0001"))
    assert got[("qa_index_info", info)] == 1


def test_unknown_methods_share_one_label(client):
    client.open("/healthz", method="BREW")
    got = samples(client)
    assert got[("qa_http_requests_total", (("endpoint", "unmatched"), ("method", "OTHER"), ("status", "405")))] == 1


def test_each_app_has_its_own_registry(make_app):
    first, second = make_app().test_client(), make_app().test_client()
    first.get("/healthz")
    key = ("qa_http_requests_total", (("endpoint", "ops.healthz"), ("method", "GET"), ("status", "200")))
    assert samples(first)[key] == 1
    assert key not in samples(second)
