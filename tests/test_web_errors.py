import json
import logging

import pytest

from qa.errors import CorpusError
from qa.web.errors import PROBLEMS, problem_type


class Exploding:
    """A QA whose ask has a bug (and whose documents hit a library error)."""

    def ask(self, *args, **kwargs):
        raise RuntimeError("secret stack detail")

    def documents(self):
        raise CorpusError("corpus/bad.txt is not valid UTF-8")


@pytest.fixture
def exploding(make_app):
    return make_app(QA=Exploding()).test_client()


@pytest.fixture
def error_lines():
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(record)

    handler = Collect()
    logger = logging.getLogger("qa.web")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def test_a_bug_is_a_logged_500_problem_without_internals(exploding, error_lines):
    r = exploding.get("/v1/ask?q=calf", headers={"X-Request-ID": "bug-1"})
    assert r.status_code == 500
    assert r.mimetype == "application/problem+json"
    body = r.get_json(force=True)
    assert body == {
        "type": "/docs#problem-internal-error",
        "title": "Internal error",
        "status": 500,
        "detail": "an unexpected error occurred; it has been logged",
    }
    assert "secret" not in r.get_data(as_text=True)
    [record] = error_lines
    assert record.getMessage() == "unhandled error on GET /v1/ask"
    assert record.request_id == "bug-1"
    assert record.exc_info[0] is RuntimeError


def test_a_library_error_keeps_its_status_type_and_detail(exploding):
    body = exploding.get("/v1/documents").get_json(force=True)
    assert body == {
        "type": "/docs#problem-corpus-error",
        "title": "Corpus error",
        "status": 500,
        "detail": "corpus/bad.txt is not valid UTF-8",
    }


@pytest.mark.parametrize(
    "accept,mimetype",
    [
        ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
        ("*/*", "application/problem+json"),
        ("application/json", "application/problem+json"),
        ("", "application/problem+json"),
    ],
)
def test_unknown_page_paths_negotiate_html_or_problem_json(client, accept, mimetype):
    r = client.get("/no/such/page", headers={"Accept": accept})
    assert r.status_code == 404
    assert r.mimetype == mimetype


@pytest.mark.parametrize("path", ["/v1/nope", "/metrics/x", "/readyz/x"])
def test_api_paths_are_always_problem_json(client, path):
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert r.mimetype == "application/problem+json"
    assert json.loads(r.data)["title"] == "Not found"


def test_every_problem_type_is_documented_on_the_docs_page(client):
    html = client.get("/docs").get_data(as_text=True)
    for slug in PROBLEMS:
        assert f'id="problem-{slug}"' in html
        assert problem_type(slug) == f"/docs#problem-{slug}"
