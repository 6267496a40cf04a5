"""Hostile text (as questions and inside documents), API fuzzing over the real QA, and security limits."""

import json
from html.parser import HTMLParser

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from qa.api import QA
from qa.storage.index import build_index
from qa.web import create_app

HOSTILE = {
    "script": "<script>alert(1)</script> knee",
    "attribute": '"><img src=x onerror=alert(1)> ankle',
    "single-quote": "' onmouseover='alert(1)' x='",
    "rtl": "\u202eniap eenk\u202c \u200fknee\u200e pain",
    "nul": "knee\x00pain",
    "combining-1990": "a" + "\u0301" * 1990,
    "combining-10000": "a" + "\u0301" * 10000,
    "emoji": "🦵🏽💥 knee 👩‍👩‍👧‍👦 pain",
    "long-word": "x" * 1999,
    "long-word-over": "y" * 5000,
    "template": "{{ 7*7 }} {% raw %} ${7*7} %s %(x)s",
    "entities": "&lt;script&gt; &amp; &#0; &#x202e;",
    "newlines": "knee\r\n\r\npain\n<script>",
}


class _Elements(HTMLParser):
    """Every element and attribute of a page, as the browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.unsafe: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("img", "iframe", "object", "embed", "svg") or (tag == "script" and not a.get("src")):
            self.unsafe.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.unsafe.append(f"<{tag} {name}={value!r}>")


def assert_safe_html(html: str) -> None:
    """No markup of the attacker's: no inline <script>, no <img>, no event handler, no javascript: link."""
    parser = _Elements()
    parser.feed(html)
    parser.close()
    assert parser.unsafe == []


@pytest.fixture
def real_app(small_qa, env_clean):
    return create_app({"QA": small_qa})


# --- hostile questions ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_question_on_the_page_is_escaped(real_app, text):
    r = real_app.test_client().get("/", query_string={"q": text})
    assert r.status_code in (200, 400)
    html = r.get_data(as_text=True)
    assert_safe_html(html)
    if r.status_code == 200 and "\x00" not in text:
        value = html.split('name="q"', 1)[1].split(">", 1)[0]  # the question box echoes it, escaped
        assert "<" not in value and '"><' not in value


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_question_in_every_api_form_gets_json_back(real_app, text):
    client = real_app.test_client()
    accepted = len(text) <= 2000
    responses = [
        client.get("/v1/ask", query_string={"q": text}),
        client.post("/v1/ask", json={"question": text, "k": 5}),
        client.post("/v1/ask/batch", json={"questions": [text, "knee pain"]}),
    ]
    for r in responses:
        assert r.status_code == (200 if accepted else 400), r.data
        body = json.loads(r.get_data(as_text=True))
        if accepted:
            answer = body["answers"][0] if "answers" in body else body
            assert answer["question"] == text
        else:
            assert body["detail"].endswith(f"is {len(text)} characters long; the limit is 2000")


# --- hostile documents ------------------------------------------------------------------------------

HOSTILE_DOCS = {
    "script.txt": "Script Injection\n\nThe knee <script>alert('doc')</script> hurts when running.\n",
    "attr.md": '---\ntitle: "><img src=x onerror=alert(1)>\n---\n# Attr "><img src=x onerror=alert(2)>\n\n'
    'Ankle "><img src=x onerror=alert(3)> sprains need rest.\n',
    "entities.html": "<html><head><title>&lt;script&gt;alert(4)&lt;/script&gt;</title></head><body>"
    "<h1>Encoded &lt;img src=x onerror=alert(5)&gt;</h1><p>Calf &lt;script&gt;alert(6)&lt;/script&gt; cramps "
    "happen at night.</p><p><a href='javascript:alert(7)'>link</a> shin</p></body></html>",
    "rtl.txt": "Mirror Text\n\n\u202eniap fleh\u202c \u200fHeel\u200e pain is common in runners.\n",
    "nul.txt": "Nul Bytes\n\n" + "Hip pain rises with age in runners and walkers alike. " * 4 + "hip\x00joint.\n",
    "combining.txt": "Combining Marks\n\nThe tibia z" + "\u0301" * 10000 + "algo bone.\n",
    "emoji.txt": "Emoji 🦵\n\nThe 🦵🏽 femur 👩‍👩‍👧‍👦 is the longest bone.\n",
    "long.txt": "Long Word\n\nThe patella " + "w" * 20000 + " sits on the knee.\n",
    "template.txt": "Template Text\n\nThe {{ 7*7 }} {% if %} ${7*7} meniscus %s tears.\n",
}
HOSTILE_QUESTIONS = ["knee script", "ankle sprains rest", "calf cramps night", "heel pain runners", "hip joint",
                     "tibia bone", "femur longest bone", "patella knee", "meniscus tears", "shin link"]  # fmt: skip


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    corpus = base / "corpus"
    corpus.mkdir()
    for name, text in HOSTILE_DOCS.items():
        (corpus / name).write_bytes(text.encode("utf-8"))
    report = build_index(corpus, base / "index")
    assert report.skipped == ()
    qa = QA.open(base / "index", corpus)
    return create_app({"QA": qa}), qa


def test_every_hostile_document_is_indexed(hostile_app):
    _, qa = hostile_app
    assert [d.id for d in qa.documents()] == [
        "attr", "combining", "emoji", "entities", "long", "nul", "rtl", "script", "template",
    ]  # fmt: skip


@pytest.mark.parametrize("question", HOSTILE_QUESTIONS)
def test_hostile_passages_render_escaped_in_answers(hostile_app, env_clean, question):
    app, _ = hostile_app
    r = app.test_client().get("/", query_string={"q": question})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert_safe_html(html)
    assert 'class="answer"' in html or "do not" in html


def test_every_hostile_passage_page_and_json_is_safe(hostile_app, env_clean):
    app, qa = hostile_app
    client = app.test_client()
    ids = [p.passage_id for d in qa.documents() for p in _passages(qa, d.id)]
    assert len(ids) >= 9
    for pid in ids:
        page = client.get(f"/passages/{pid}", query_string={"q": "knee"})
        assert page.status_code == 200, pid
        assert_safe_html(page.get_data(as_text=True))
        api = client.get(f"/v1/passages/{pid}")
        assert api.status_code == 200
        assert api.get_json()["text"] == qa.passage(pid).text
    for doc in qa.documents():
        assert client.get(f"/v1/documents/{doc.id}").get_json()["title"] == doc.title


def _passages(qa, document_id):
    out, pid = [], f"{document_id}-p1"
    while pid is not None and pid.startswith(document_id):
        p = qa.passage(pid)
        out.append(p)
        pid = p.next_id
    return out


def test_hostile_text_reaches_json_intact(hostile_app, env_clean):
    app, qa = hostile_app
    client = app.test_client()
    script = client.get("/v1/passages/script-p1").get_json()["text"]
    assert "<script>alert('doc')</script>" in script
    assert client.get("/v1/documents/attr").get_json()["title"] == "><img src=x onerror=alert(1)>"
    assert client.get("/v1/documents/entities").get_json()["title"] == "<script>alert(4)</script>"
    rtl = client.get("/v1/passages/rtl-p1").get_json()["text"]
    assert "\u202e" in rtl or "\u200f" in rtl


# --- schemathesis over the real QA -----------------------------------------------------------------


def test_fuzzing_the_real_service_from_its_openapi_document(real_app):
    """Every operation, valid and invalid requests: never a 5xx, every response conforms to the spec."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", real_app)
    failures, cases = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _fuzz(operation, cases)
        except Exception as exc:  # collect every operation's failures, then report them together
            failures.append(f"{operation.label}: {exc}")
    assert failures == []
    print(f"schemathesis: {len(cases)} cases over {len(set(cases))} operations")
    assert len(set(cases)) == 10 and len(cases) >= 10 * 10


def _fuzz(operation, cases: list) -> None:
    @settings(max_examples=30, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case):
        cases.append(operation.label)
        case.call_and_validate()

    run()
