"""qa.client against real servers on 127.0.0.1: the seed app (same models and errors as in-process), an app with
API keys, and a scripted server that answers 429/502/503 or stalls first (retries, backoff, Retry-After)."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from dataclasses import replace

import pytest
from integrations import ANSWERED, ANSWERED_IDS, LOST_SECTION, UNKNOWN
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from qa.client import Client, parse_retry_after
from qa.errors import (
    BadResponse,
    CorpusError,
    IndexUnavailable,
    InvalidInput,
    NotFound,
    QAError,
    RateLimited,
    Unauthorized,
    Unreachable,
    from_problem,
)
from qa.models import Answer


def same(answer: Answer) -> Answer:
    return replace(answer, took_ms=0.0)  # the only field that differs between two askings


@pytest.fixture(scope="module")
def client(seed_url):
    with Client(seed_url, retries=0) as c:
        yield c


# --- the API, compared with the library in-process ----------------------------------------------------------


@pytest.mark.parametrize("question", [ANSWERED, LOST_SECTION, UNKNOWN])
def test_ask_returns_the_library_answer(client, seed_qa, question):
    answer = client.ask(question)
    assert isinstance(answer, Answer)
    assert same(answer) == same(seed_qa.ask(question))


def test_ask_pins_ids_and_order(client):
    answer = client.ask(ANSWERED)
    assert answer.answered is True
    assert [r.passage_id for r in answer.results] == ANSWERED_IDS
    assert answer.results[0].citations[0].reference.id == "calf-pain-r2"
    assert answer.results[0].source.to_dict() == {"start": 4834, "end": 4906}


def test_ask_passes_k_mode_and_document(client, seed_qa):
    answer = client.ask("what causes calf pain?", k=5, mode="bm25", document="calf-pain")
    assert (answer.mode, len(answer.results)) == ("bm25", 5)
    assert same(answer) == same(seed_qa.ask("what causes calf pain?", k=5, mode="bm25", document="calf-pain"))


def test_ask_batch_answers_in_order(client, seed_qa):
    answers = client.ask_batch([UNKNOWN, ANSWERED], k=2)
    assert [same(a) for a in answers] == [same(a) for a in seed_qa.ask_batch([UNKNOWN, ANSWERED], k=2)]
    assert [a.answered for a in answers] == [False, True]


def test_reading_methods_return_the_library_models(client, seed_qa):
    assert client.passage("calf-pain-p5") == seed_qa.passage("calf-pain-p5")
    assert client.passage("calf-pain-r2") == seed_qa.passage("calf-pain-r2")
    assert client.documents() == seed_qa.documents()
    assert client.document("calf-pain") == seed_qa.document("calf-pain")
    assert client.references() == seed_qa.references()
    assert len(client.references()) == 25
    assert client.health() == seed_qa.info
    assert client.alive() is True


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda q: q.ask("   "), InvalidInput),
        (lambda q: q.ask(""), InvalidInput),
        (lambda q: q.ask("x" * 2001), InvalidInput),
        (lambda q: q.ask("calf", k=0), InvalidInput),
        (lambda q: q.ask("calf", k=51), InvalidInput),
        (lambda q: q.ask("calf", k=True), InvalidInput),
        (lambda q: q.ask("calf", mode="dense"), InvalidInput),
        (lambda q: q.ask("calf", document="knee"), NotFound),
        (lambda q: q.ask_batch([]), InvalidInput),
        (lambda q: q.ask_batch(["calf", " "]), InvalidInput),
        (lambda q: q.passage("calf-pain-p999"), NotFound),
        (lambda q: q.document("knee"), NotFound),
    ],
)
def test_bad_input_raises_the_library_error(client, seed_qa, call, error):
    with pytest.raises(error) as in_process:
        call(seed_qa)
    with pytest.raises(error) as over_http:
        call(client)
    assert type(over_http.value) is type(in_process.value)  # the web layer may word the detail its own way
    assert over_http.value.detail == over_http.value.problem["detail"]
    assert over_http.value.status == error.status
    assert over_http.value.problem["type"] == f"/docs#problem-{error.type}"
    assert over_http.value.request_id


@pytest.mark.parametrize("questions", ["calf pain", None, 5])
def test_ask_batch_refuses_a_non_list_before_sending(questions):
    with Client("http://127.0.0.1:9", retries=0) as c, pytest.raises(InvalidInput, match="questions must be a list"):
        c.ask_batch(questions)


@pytest.mark.parametrize("passage_id", ["", None, 5])
def test_passage_and_document_refuse_non_ids_before_sending(passage_id):
    with Client("http://127.0.0.1:9", retries=0) as c:
        with pytest.raises(NotFound, match="no passage"):
            c.passage(passage_id)
        with pytest.raises(NotFound, match="no document"):
            c.document(passage_id)


def test_an_id_with_a_slash_is_escaped_not_routed(client):
    with pytest.raises(NotFound):
        client.passage("calf-pain/../p5")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"base_url": ""}, "base_url must be an http"),
        ({"base_url": "ftp://127.0.0.1"}, "base_url must be an http"),
        ({"base_url": "127.0.0.1:8000"}, "base_url must be an http"),
        ({"base_url": None}, "base_url must be an http"),
        ({"retries": -1}, "retries must be an integer"),
        ({"retries": True}, "retries must be an integer"),
        ({"retries": 1.5}, "retries must be an integer"),
        ({"timeout": 0}, "timeout must be more than 0"),
        ({"timeout": -1}, "timeout must be a number"),
        ({"timeout": "10"}, "timeout must be a number"),
        ({"backoff": float("nan")}, "backoff must be a number"),
        ({"max_delay": -1}, "max_delay must be a number"),
        ({"api_key": ""}, "api_key must be a non-empty string"),
        ({"api_key": "  "}, "api_key must be a non-empty string"),
        ({"api_key": 5}, "api_key must be a non-empty string"),
    ],
)
def test_bad_client_settings_are_refused(kwargs, message):
    kwargs = {"base_url": "http://127.0.0.1:8000", **kwargs}
    with pytest.raises(InvalidInput, match=message):
        Client(**kwargs)


def test_a_base_url_with_a_path_prefix_keeps_it(seed_url):
    with Client(seed_url + "/behind/a/proxy", retries=0) as c, pytest.raises(NotFound, match="nothing at /behind/a"):
        c.ask(ANSWERED)


# --- API keys ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed_url(seed_qa):
    from qa import settings as qa_settings
    from qa.web import create_app

    with pytest.MonkeyPatch.context() as mp:
        for setting in qa_settings.SETTINGS:
            mp.delenv(setting.env, raising=False)
        app = create_app({"QA": seed_qa, "API_KEYS": "key-one,key-two"})
    with serving(app) as url:
        yield url


@contextmanager
def serving(app):
    """`app` served from a thread on a free loopback port (stopped within 0.05 s of the block's end)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def test_api_key_is_sent(keyed_url):
    with Client(keyed_url, api_key="key-two", retries=0) as c:
        assert [r.passage_id for r in c.ask(ANSWERED).results] == ANSWERED_IDS


@pytest.mark.parametrize(
    "api_key, detail",
    [
        (None, "an API key is required: send it as `X-API-Key: <key>` or `Authorization: Bearer <key>`"),
        ("key-three", "the API key is not valid"),
    ],
)
def test_missing_or_wrong_api_key_raises_unauthorized(keyed_url, api_key, detail):
    with Client(keyed_url, api_key=api_key, retries=3) as c, pytest.raises(Unauthorized) as caught:
        c.ask(ANSWERED)
    assert (caught.value.detail, caught.value.status) == (detail, 401)


# --- retries and backoff against a scripted server --------------------------------------------------------------


class Scripted:
    """A loopback server answering from a script of (status, headers, body, stall seconds), then 200 `final`."""

    def __init__(self, final: dict) -> None:
        self.final = final
        self.url = ""
        self.reset()

    def reset(self) -> None:
        self.script: list[tuple[int, dict, str, float]] = []
        self.requests: list[tuple[str, str, str | None, bytes]] = []

    def app(self, environ, start_response):
        request = Request(environ)
        self.requests.append((request.method, request.path, request.headers.get("X-API-Key"), request.get_data()))
        if self.script:
            status, headers, body, stall = self.script.pop(0)
        else:
            status, headers, body, stall = 200, {"Content-Type": "application/json"}, json.dumps(self.final), 0.0
        time.sleep(stall)
        return Response(body, status=status, headers=headers)(environ, start_response)


def problem(status: int, slug: str, detail: str, **headers: str) -> tuple[int, dict, str, float]:
    body = json.dumps({"type": f"/docs#problem-{slug}", "title": slug, "status": status, "detail": detail})
    return status, {"Content-Type": "application/problem+json", **headers}, body, 0.0


@pytest.fixture(scope="module")
def answer_json(seed_qa):
    return seed_qa.ask(ANSWERED).to_dict()


@pytest.fixture(scope="module")
def scripted_server(answer_json):
    s = Scripted(answer_json)
    with serving(s.app) as s.url:
        yield s


@pytest.fixture
def scripted(scripted_server):
    scripted_server.reset()
    return scripted_server


def retrying(url: str, sleeps: list[float], **kwargs) -> Client:
    options = {"retries": 3, "backoff": 0.5, "jitter": False, "sleep": sleeps.append, **kwargs}
    return Client(url, **options)


def test_429_then_503_are_retried_honouring_retry_after(scripted, seed_qa):
    scripted.script += [
        problem(429, "rate-limited", "rate limit of 60 per 1 minute exceeded; retry after 2 s", **{"Retry-After": "2"}),
        problem(503, "index-unavailable", "the index is not loaded"),
    ]
    sleeps: list[float] = []
    with retrying(scripted.url, sleeps, api_key="secret") as c:
        answer = c.ask(ANSWERED)
    assert same(answer) == same(seed_qa.ask(ANSWERED))
    assert sleeps == [2.0, 1.0]  # Retry-After as sent; then backoff 0.5 x 2^1
    body = json.dumps({"question": ANSWERED, "k": 3, "mode": "hybrid"}).encode()
    assert [(m, p, key, json.loads(b)) for m, p, key, b in scripted.requests] == [
        ("POST", "/v1/ask", "secret", json.loads(body))
    ] * 3


def test_retry_after_as_an_http_date_is_honoured(scripted, answer_json):
    when = time.time() + 3
    scripted.script.append(
        problem(
            503,
            "index-unavailable",
            "busy",
            **{"Retry-After": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(when))},
        )
    )
    sleeps: list[float] = []
    with retrying(scripted.url, sleeps) as c:
        c.ask(ANSWERED)
    assert len(sleeps) == 1 and 1.0 <= sleeps[0] <= 3.0  # the date has whole seconds; some time passed


def test_backoff_doubles_until_retries_run_out(scripted):
    scripted.script += [problem(503, "index-unavailable", "no index in /srv/index: run `qa build`")] * 5
    sleeps: list[float] = []
    with retrying(scripted.url, sleeps) as c, pytest.raises(IndexUnavailable) as caught:
        c.ask(ANSWERED)
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(scripted.requests) == 4
    assert caught.value.detail == "no index in /srv/index: run `qa build` (gave up after 4 attempts)"
    assert caught.value.status == 503


def test_backoff_is_capped_by_max_delay(scripted):
    scripted.script += [problem(503, "index-unavailable", "busy")] * 4
    sleeps: list[float] = []
    with retrying(scripted.url, sleeps, backoff=4.0, max_delay=6.0) as c, pytest.raises(IndexUnavailable):
        c.ask(ANSWERED)
    assert sleeps == [4.0, 6.0, 6.0]


def test_a_retry_after_longer_than_max_delay_raises_at_once(scripted):
    scripted.script.append(problem(429, "rate-limited", "slow down", **{"Retry-After": "120"}))
    sleeps: list[float] = []
    with retrying(scripted.url, sleeps, max_delay=30.0) as c, pytest.raises(RateLimited) as caught:
        c.ask(ANSWERED)
    assert (sleeps, len(scripted.requests)) == ([], 1)
    assert (caught.value.retry_after, caught.value.detail) == (120.0, "slow down")


@pytest.mark.parametrize(
    "response, error",
    [
        (problem(400, "invalid-input", "k must be from 1 to 50, not 0"), InvalidInput),
        (problem(404, "not-found", "no document with id 'x'"), NotFound),
        (problem(401, "unauthorized", "the API key is not valid"), Unauthorized),
        (problem(500, "internal-error", "an unexpected error occurred; it has been logged"), QAError),
        (problem(500, "corpus-error", "corpus/a.txt is not UTF-8"), CorpusError),
    ],
)
def test_other_errors_are_not_retried(scripted, response, error):
    scripted.script.append(response)
    sleeps: list[float] = []
    with retrying(scripted.url, sleeps) as c, pytest.raises(error) as caught:
        c.ask(ANSWERED)
    assert type(caught.value) is error
    assert (sleeps, len(scripted.requests)) == ([], 1)
    assert caught.value.detail == json.loads(response[2])["detail"]


def test_a_proxy_error_page_is_retried_then_unreachable(scripted):
    page = (502, {"Content-Type": "text/html"}, "<h1>502 Bad Gateway</h1>", 0.0)
    scripted.script += [page, page, (504, {"Content-Type": "text/html"}, "<h1>Gateway Timeout</h1>", 0.0)]
    sleeps: list[float] = []
    with retrying(scripted.url, sleeps, retries=2) as c, pytest.raises(Unreachable) as caught:
        c.ask(ANSWERED)
    assert sleeps == [0.5, 1.0]
    assert caught.value.status == 504
    assert caught.value.detail == f"POST {scripted.url}/v1/ask answered 504 (gave up after 3 attempts)"


def test_a_proxy_error_page_then_success(scripted, seed_qa):
    scripted.script.append((502, {"Content-Type": "text/html"}, "<h1>502 Bad Gateway</h1>", 0.0))
    sleeps: list[float] = []
    with retrying(scripted.url, sleeps) as c:
        assert [r.passage_id for r in c.ask(ANSWERED).results] == ANSWERED_IDS
    assert sleeps == [0.5]


def test_a_stalled_response_times_out_and_is_retried(scripted):
    scripted.script.append((200, {"Content-Type": "application/json"}, "{}", 1.0))
    sleeps: list[float] = []
    with retrying(scripted.url, sleeps, timeout=0.2) as c:
        assert [r.passage_id for r in c.ask(ANSWERED).results] == ANSWERED_IDS
    assert sleeps == [0.5]
    assert len(scripted.requests) == 2


def test_a_closed_port_is_unreachable_after_the_retries():
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens on it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps: list[float] = []
    with retrying(f"http://127.0.0.1:{port}", sleeps, retries=2) as c, pytest.raises(Unreachable) as caught:
        c.ask(ANSWERED)
    assert sleeps == [0.5, 1.0]
    assert caught.value.detail.startswith(f"could not reach http://127.0.0.1:{port} (ConnectError")
    assert caught.value.detail.endswith("(gave up after 3 attempts)")
    assert Client(f"http://127.0.0.1:{port}").alive() is False


@pytest.mark.parametrize(
    "body, content_type",
    [("<html>hello</html>", "text/html"), ('{"question": "x"}', "application/json"), ("[]", "application/json")],
)
def test_a_body_that_is_not_the_api_raises_bad_response(scripted, body, content_type):
    scripted.script.append((200, {"Content-Type": content_type}, body, 0.0))
    with retrying(scripted.url, []) as c, pytest.raises(BadResponse):
        c.ask(ANSWERED)
    assert len(scripted.requests) == 1


def test_jitter_keeps_each_delay_between_half_and_all_of_the_backoff():
    c = Client("http://127.0.0.1:9", backoff=0.5, max_delay=3.0)
    for attempt, full in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 3.0), (6, 3.0)]:
        delays = {c._delay(attempt, None) for _ in range(50)}
        assert all(full / 2 <= d <= full for d in delays)
        assert len(delays) > 1  # it does vary
    assert c._delay(0, 2.5) == 2.5  # a Retry-After is waited as sent


@pytest.mark.parametrize(
    "value, seconds",
    [
        ("5", 5.0),
        (" 0 ", 0.0),
        ("1.5", 1.5),
        ("Wed, 21 Oct 2015 07:28:05 GMT", 5.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # already past
        ("-1", None),
        ("inf", None),
        ("nan", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value, seconds):
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert parse_retry_after(value, now=lambda: now) == seconds


# --- problem+json -> the library's errors ------------------------------------------------------------------------


def test_every_problem_the_web_layer_sends_maps_to_a_library_error():
    from qa.web.errors import PROBLEMS, problem_type

    expected = {
        "invalid-input": InvalidInput,
        "unauthorized": Unauthorized,
        "not-found": NotFound,
        "method-not-allowed": InvalidInput,
        "payload-too-large": InvalidInput,
        "unsupported-media-type": InvalidInput,
        "too-much-work": InvalidInput,
        "request-timeout": InvalidInput,
        "uri-too-long": InvalidInput,
        "request-header-fields-too-large": InvalidInput,
        "bad-gateway": Unreachable,  # the front could not reach a worker: retried, then Unreachable
        "gateway-timeout": Unreachable,
        "rate-limited": RateLimited,
        "internal-error": QAError,
        "corpus-error": CorpusError,
        "index-unavailable": IndexUnavailable,
    }
    assert set(PROBLEMS) == set(expected)
    for slug, (status, title) in PROBLEMS.items():
        body = {"type": problem_type(slug), "title": title, "status": status, "detail": f"detail of {slug}"}
        exc = from_problem(status, body, "unused")
        assert type(exc) is expected[slug]
        assert (exc.status, exc.type, exc.title, exc.detail, exc.problem) == (status, slug, title, body["detail"], body)


@pytest.mark.parametrize(
    "status, error",
    [(400, InvalidInput), (401, Unauthorized), (404, NotFound), (418, InvalidInput), (429, RateLimited), (500, QAError),
     (502, Unreachable), (503, Unreachable), (504, Unreachable)],
)  # fmt: skip
def test_an_error_without_a_problem_body_maps_by_status(status, error):
    for body in (None, "<html>", {"detail": 5}, ["x"]):
        exc = from_problem(status, body, "GET http://x/v1/ask answered 418")
        assert type(exc) is error
        assert (exc.status, exc.detail, exc.problem) == (status, "GET http://x/v1/ask answered 418", {})


def test_the_readme_example_runs(root, seed_qa, seed_url, capsys):
    from integrations import run_readme_example

    run_readme_example(root, "Python client", seed_qa, {"http://127.0.0.1:8000": seed_url})
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"True {ANSWERED_IDS}", seed_qa.passage("calf-pain-r2").text]


def test_a_batch_problem_keeps_each_bad_item():
    errors = [{"pointer": "/questions/1", "detail": "questions[1] must not be empty or blank"}]
    body = {
        "type": "/docs#problem-invalid-input",
        "title": "Invalid input",
        "status": 400,
        "detail": "x",
        "errors": errors,
    }
    exc = from_problem(400, body, "unused")
    assert type(exc) is InvalidInput and exc.errors == tuple(errors)


def test_a_bad_batch_item_is_pointed_at_over_http(client, seed_qa):
    with pytest.raises(InvalidInput) as in_process:
        seed_qa.ask_batch(["calf", " "])
    with pytest.raises(InvalidInput) as over_http:
        client.ask_batch(["calf", " "])
    assert [e["pointer"] for e in over_http.value.errors] == [e["pointer"] for e in in_process.value.errors]
    assert [e["pointer"] for e in over_http.value.errors] == ["/questions/1"]
