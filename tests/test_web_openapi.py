import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate

from qa.web.openapi import operations, spec, type_name

# One live request per documented (operation, status): (method, url, json body, status).
CASES = [
    ("get", "/v1/ask?q=achilles+rupture", None, 200),
    ("get", "/v1/ask?q=zebra", None, 200),
    ("get", "/v1/ask?q=calf&k=0", None, 400),
    ("get", "/v1/ask?q=calf&document=nope", None, 404),
    ("post", "/v1/ask", {"question": "heel bone", "k": 2, "mode": "tfidf", "document": "calf"}, 200),
    ("post", "/v1/ask", {"question": ""}, 400),
    ("post", "/v1/ask", {"question": "calf", "document": "nope"}, 404),
    ("post", "/v1/ask/batch", {"questions": ["heel", "zebra"]}, 200),
    ("post", "/v1/ask/batch", {"questions": []}, 400),
    ("get", "/v1/passages/calf-p1", None, 200),
    ("get", "/v1/passages/knee-p1", None, 200),
    ("get", "/v1/passages/nope", None, 404),
    ("get", "/v1/documents", None, 200),
    ("get", "/v1/documents/knee", None, 200),
    ("get", "/v1/documents/nope", None, 404),
    ("get", "/v1/references", None, 200),
    ("get", "/healthz", None, 200),
    ("get", "/readyz", None, 200),
    ("get", "/metrics", None, 200),
]


@pytest.fixture(scope="module")
def document():
    return spec()


def test_the_spec_is_valid_openapi_3_1(document):
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_openapi_json_serves_the_spec(client, document):
    r = client.get("/openapi.json")
    assert r.status_code == 200
    assert r.get_json() == document


def test_every_route_is_documented_and_every_documented_path_exists(app, document):
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "openapi.openapi_json", "openapi.docs", "page.index", "page.passage"):
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((method.lower(), path))
    documented = {(m, p) for p, item in document["paths"].items() for m in item}
    assert served == documented


def schema_for(document, path, method, status, media):
    op = document["paths"][path][method]
    response = op["responses"].get(str(status), op["responses"].get("default"))
    schema = response["content"][media]["schema"]
    return Draft202012Validator({**schema, "components": document["components"]}, format_checker=FormatChecker())


def template_of(document, url):
    path = url.split("?")[0]
    for candidate in document["paths"]:
        parts, want = candidate.split("/"), path.split("/")
        if len(parts) == len(want) and all(a == b or a.startswith("{") for a, b in zip(parts, want, strict=True)):
            return candidate
    raise AssertionError(f"{url} is not documented")


@pytest.mark.parametrize("method,url,body,status", CASES)
def test_live_responses_match_their_schemas(client, document, method, url, body, status):
    r = client.open(url, method=method.upper(), json=body)
    assert r.status_code == status, r.data
    path = template_of(document, url)
    assert str(status) in document["paths"][path][method]["responses"]
    media = r.mimetype
    assert media in document["paths"][path][method]["responses"][str(status)]["content"]
    if media == "text/plain":
        return
    errors = sorted(schema_for(document, path, method, status, media).iter_errors(r.get_json(force=True)), key=str)
    assert errors == []


def test_every_operation_has_a_live_success_case(document):
    covered = {(m, template_of(document, u)) for m, u, _, s in CASES if s == 200}
    assert covered == {(op["method"].lower(), op["path"]) for op in operations(document)}


@pytest.mark.parametrize(
    "config,method,url,status",
    [
        ({"API_KEYS": "k1"}, "get", "/v1/documents", 401),
        ({"RATE_LIMIT": "1/minute"}, "get", "/v1/documents", 429),
        ({"MAX_CONTENT_LENGTH": 10}, "post", "/v1/ask", 413),
    ],
)
def test_documented_error_statuses_match_live_problems(make_app, document, config, method, url, status):
    client = make_app(**config).test_client()
    r = None
    for _ in range(2):
        r = client.open(url, method=method.upper(), json={"question": "a long enough question"})
    assert r.status_code == status
    path = template_of(document, url)
    assert str(status) in document["paths"][path][method]["responses"]
    validator = schema_for(document, path, method, status, "application/problem+json")
    assert sorted(validator.iter_errors(r.get_json(force=True)), key=str) == []


def test_a_schema_rejects_an_undocumented_field(document):
    validator = schema_for(document, "/v1/documents/{document_id}", "get", 200, "application/json")
    good = {"id": "a", "path": "a.txt", "title": "A", "url": None, "sha256": "0", "format": "txt", "size": 1}
    assert list(validator.iter_errors(good)) == []
    assert len(list(validator.iter_errors({**good, "extra": 1}))) == 1


def test_docs_page_is_rendered_from_the_spec_without_external_assets(client, document):
    r = client.get("/docs")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    for op in operations(document):
        assert f'id="{op["operationId"]}"' in html
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    assert 'id="problem-invalid-input"' in html
    assert "<script" not in html
    assert "http://" not in html and "https://" not in html.replace("https://doi.org/&lt;doi&gt;", "")


@pytest.mark.parametrize(
    "schema,name",
    [
        ({"$ref": "#/components/schemas/Answer"}, "Answer"),
        ({"type": ["string", "null"]}, "string | null"),
        ({"type": "array", "items": {"$ref": "#/components/schemas/Span"}}, "array of Span"),
        ({"type": "string", "enum": ["a", "b"]}, '"a" | "b"'),
        ({"type": "integer"}, "integer"),
        ({"enum": ["a", "b"]}, '"a" | "b"'),
    ],
)
def test_type_name(schema, name):
    assert type_name(schema) == name


def test_generated_requests_never_get_a_5xx_and_responses_conform(app):
    """Schemathesis, every operation: valid requests accepted, invalid ones a 4xx, bodies match the spec."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=40,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate()

        try:
            run()
        except Exception as exc:  # collect every operation's failures, then report them together
            failures.append(f"{operation.label}: {exc}")
    assert failures == []
