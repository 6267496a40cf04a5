import json

import pytest

from qa.errors import IndexMissing

PROBLEM = "application/problem+json"


def problem_of(response, status):
    assert response.status_code == status, response.data
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert set(body) - {"errors"} == {"type", "title", "status", "detail"}  # errors: a batch's bad items
    assert body["errors"][0]["detail"] == body["detail"] if "errors" in body else True
    assert body["status"] == status
    return body


def test_get_ask_answers_with_ranked_results(client):
    r = client.get("/v1/ask?q=achilles+tendon+rupture&k=2")
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    body = r.get_json()
    assert body["question"] == "achilles tendon rupture"
    assert body["answered"] is True
    assert [x["passage_id"] for x in body["results"]] == ["calf-p2"]
    first = body["results"][0]
    assert first["answer"] == "A rupture of the Achilles tendon causes sudden pain [1]."
    assert first["citations"][0]["id"] == "calf-r1"
    assert first["citations"][0]["link"] == {"method": "marker", "evidence": "marker [1]", "score": 1.0}
    assert body["index"] == {"version": "fake0001", "built_at": "2025-01-02T03:04:05Z", "stale": False}


def test_get_and_post_give_the_same_answer(client):
    got = client.get("/v1/ask?q=calf+muscle&k=3&mode=bm25").get_json()
    posted = client.post("/v1/ask", json={"question": "calf muscle", "k": 3, "mode": "bm25"}).get_json()
    assert got == posted
    assert [x["passage_id"] for x in got["results"]] == ["calf-p2", "calf-p3", "calf-p1"]
    assert got["mode"] == "bm25"


def test_k_limits_the_results(client):
    body = client.post("/v1/ask", json={"question": "calf muscle", "k": 1}).get_json()
    assert [x["passage_id"] for x in body["results"]] == ["calf-p2"]


def test_document_limits_the_search(client):
    body = client.get("/v1/ask?q=ice+rest&document=knee").get_json()
    assert [x["passage_id"] for x in body["results"]] == ["knee-p1"]


def test_unknown_document_is_404(client):
    body = problem_of(client.get("/v1/ask?q=ice&document=nope"), 404)
    assert body["detail"] == "no document with id 'nope'"


def test_no_answer_is_200_with_reasons_and_suggestions(client):
    body = client.get("/v1/ask?q=zebra+pian").get_json()
    assert body["answered"] is False
    assert body["results"] == []
    assert body["reasons"] == ["the documents do not mention 'pian'", "the documents do not mention 'zebra'"]
    assert body["suggestions"] == ["zebra pain"]


def test_batch_answers_in_order(client, fake_qa):
    r = client.post("/v1/ask/batch", json={"questions": ["knee ligaments", "zebra", "heel bone"], "k": 1})
    assert r.status_code == 200
    answers = r.get_json()["answers"]
    assert [a["question"] for a in answers] == ["knee ligaments", "zebra", "heel bone"]
    assert [a["answered"] for a in answers] == [True, False, True]
    assert [[x["passage_id"] for x in a["results"]] for a in answers] == [["knee-p1"], [], ["calf-p2"]]
    assert fake_qa.calls == [("ask_batch", "knee ligaments", "zebra", "heel bone")]


def test_passage_has_neighbours_and_document_title(client):
    body = client.get("/v1/passages/calf-p2").get_json()
    assert body["passage_id"] == "calf-p2"
    assert (body["previous_id"], body["next_id"]) == ("calf-p1", "calf-p3")
    assert body["document_title"] == "Calf Pain"
    assert body["sentences"][1]["text"] == "A rupture of the Achilles tendon causes sudden pain [1]."


def test_documents_and_document(client):
    docs = client.get("/v1/documents").get_json()["documents"]
    assert [d["id"] for d in docs] == ["calf", "knee"]
    assert client.get("/v1/documents/knee").get_json()["title"] == "Knee <Injuries> & Care"


def test_references(client):
    refs = client.get("/v1/references").get_json()["references"]
    assert [r["id"] for r in refs] == ["calf-r1", "calf-r2"]
    assert refs[0]["authors"] == ["Neutze D", "Roque J"]
    assert refs[0]["doi"] == "10.1234/afp.2016.1"


@pytest.mark.parametrize(
    "url,detail",
    [
        ("/v1/ask", "q is required"),
        ("/v1/ask?q=", "q must not be empty or blank"),
        ("/v1/ask?q=+++", "q must not be empty or blank"),
        ("/v1/ask?q=" + "x" * 2001, "q is 2001 characters long; the limit is 2000"),
        ("/v1/ask?q=calf&k=3.5", "k must be an integer from 1 to 50, not '3.5'"),
        ("/v1/ask?q=calf&k=abc", "k must be an integer from 1 to 50, not 'abc'"),
        ("/v1/ask?q=calf&k=", "k must be an integer from 1 to 50, not ''"),
        ("/v1/ask?q=calf&k=-1", "k must be an integer from 1 to 50, not -1"),
        ("/v1/ask?q=calf&k=0", "k must be an integer from 1 to 50, not 0"),
        ("/v1/ask?q=calf&k=51", "k must be an integer from 1 to 50, not 51"),
        ("/v1/ask?q=calf&k=true", "k must be an integer from 1 to 50, not 'true'"),
        ("/v1/ask?q=calf&mode=fast", "mode must be one of hybrid, bm25, tfidf"),
        ("/v1/ask?q=calf&document=", "document must be a non-empty document id"),
    ],
)
def test_get_ask_bad_input_is_400(client, url, detail):
    body = problem_of(client.get(url), 400)
    assert body["detail"] == detail
    assert body["type"] == "/docs#problem-invalid-input"
    assert body["title"] == "Invalid input"


@pytest.mark.parametrize(
    "payload,detail",
    [
        ({}, "question is required"),
        ({"question": ""}, "question must not be empty or blank"),
        ({"question": " \n "}, "question must not be empty or blank"),
        ({"question": None}, "question is required"),
        ({"question": 7}, "question must be a string"),
        ({"question": ["calf"]}, "question must be a string"),
        ({"question": "x" * 2001}, "question is 2001 characters long; the limit is 2000"),
        ({"question": "calf", "k": "3"}, 'k must be an integer from 1 to 50, not "3"'),
        ({"question": "calf", "k": 3.5}, "k must be an integer from 1 to 50, not 3.5"),
        ({"question": "calf", "k": True}, "k must be an integer from 1 to 50, not true"),
        ({"question": "calf", "k": ""}, 'k must be an integer from 1 to 50, not ""'),
        ({"question": "calf", "k": -2}, "k must be an integer from 1 to 50, not -2"),
        ({"question": "calf", "k": 51}, "k must be an integer from 1 to 50, not 51"),
        ({"question": "calf", "mode": "BM25"}, "mode must be one of hybrid, bm25, tfidf"),
        ({"question": "calf", "document": 3}, "document must be a non-empty document id"),
        ({"question": "calf", "q": "x"}, "unknown field(s): q; expected document, k, mode, question"),
    ],
)
def test_post_ask_bad_input_is_400(client, payload, detail):
    assert problem_of(client.post("/v1/ask", json=payload), 400)["detail"] == detail


@pytest.mark.parametrize(
    "data,detail",
    [
        (b"", "the body is empty; send a JSON object"),
        (
            b"{",
            "the body is not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)",
        ),
        (b'["calf"]', "the body must be a JSON object, not an array"),
        (b'"calf"', "the body must be a JSON object, not a string"),
        (b"\xff{}", "the body is not valid UTF-8 (byte 0)"),
        (b'{"question": "caf\xe9"}', "the body is not valid UTF-8 (byte 17)"),
        (b"[" * 50_000, "the body is nested too deeply"),
    ],
)
@pytest.mark.parametrize("path", ["/v1/ask", "/v1/ask/batch"])
def test_malformed_bodies_are_400(client, path, data, detail):
    r = client.post(path, data=data, content_type="application/json")
    assert problem_of(r, 400)["detail"] == detail


@pytest.mark.parametrize(
    "payload,detail",
    [
        ({}, "questions must be a list of 1 to 50 questions"),
        ({"questions": []}, "questions must be a list of 1 to 50 questions"),
        ({"questions": "calf"}, "questions must be a list of 1 to 50 questions"),
        ({"questions": ["calf"] * 51}, "questions must be a list of 1 to 50 questions"),
        ({"questions": ["calf", ""]}, "questions[1] must not be empty or blank"),
        ({"questions": ["calf", None]}, "questions[1] is required"),
        ({"questions": [3]}, "questions[0] must be a string"),
        ({"questions": ["x" * 2001]}, "questions[0] is 2001 characters long; the limit is 2000"),
        ({"questions": ["calf"], "k": 0}, "k must be an integer from 1 to 50, not 0"),
        (
            {"questions": ["calf"], "question": "x"},
            "unknown field(s): question; expected document, k, mode, questions",
        ),
    ],
)
def test_batch_bad_input_is_400(client, payload, detail):
    assert problem_of(client.post("/v1/ask/batch", json=payload), 400)["detail"] == detail


def test_a_batch_of_50_is_accepted(client):
    r = client.post("/v1/ask/batch", json={"questions": ["heel"] * 50})
    assert r.status_code == 200
    assert len(r.get_json()["answers"]) == 50


@pytest.mark.parametrize("path", ["/v1/ask", "/v1/ask/batch"])
def test_body_over_the_limit_is_413(make_app, path):
    client = make_app(MAX_CONTENT_LENGTH=1000).test_client()
    r = client.post(path, data=json.dumps({"question": "x" * 1200}), content_type="application/json")
    assert problem_of(r, 413)["detail"] == "the request body is larger than 1000 bytes"


def test_default_body_limit_is_one_megabyte(client):
    r = client.post("/v1/ask", data=b"{" + b" " * (1024 * 1024) + b"}", content_type="application/json")
    assert problem_of(r, 413)["detail"] == "the request body is larger than 1048576 bytes"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_non_json_body_is_415(client, content_type):
    r = client.post("/v1/ask", data=b'{"question": "calf"}', content_type=content_type)
    body = problem_of(r, 415)
    assert body["detail"] == f"send the body as application/json, not {content_type}"


def test_json_suffix_media_types_are_accepted(client):
    r = client.post("/v1/ask", data=b'{"question": "heel"}', content_type="application/vnd.qa+json")
    assert r.status_code == 200


@pytest.mark.parametrize(
    "url", ["/v1/passages/nope", "/v1/documents/nope", "/v1/nope", "/v1/ask/nope", "/v1", "/v2/ask"]
)
def test_unknown_ids_and_paths_are_404_problems(client, url):
    body = problem_of(client.get(url, headers={"Accept": "text/html"} if url.startswith("/v1") else {}), 404)
    assert body["type"] == "/docs#problem-not-found"


def test_unknown_passage_detail(client):
    assert problem_of(client.get("/v1/passages/nope"), 404)["detail"] == "no passage with id 'nope'"


@pytest.mark.parametrize(
    "method,url,allow",
    [
        ("delete", "/v1/ask", "GET, HEAD, OPTIONS, POST"),
        ("put", "/v1/ask", "GET, HEAD, OPTIONS, POST"),
        ("get", "/v1/ask/batch", "OPTIONS, POST"),
        ("post", "/v1/documents", "GET, HEAD, OPTIONS"),
        ("post", "/healthz", "GET, HEAD, OPTIONS"),
    ],
)
def test_wrong_method_is_405_with_allow(client, method, url, allow):
    r = getattr(client, method)(url)
    body = problem_of(r, 405)
    assert ", ".join(sorted(r.headers["Allow"].split(", "))) == allow
    assert body["detail"].startswith(f"{method.upper()} is not allowed here; allowed: ")


@pytest.mark.parametrize(
    "url",
    ["/v1/ask?q=calf", "/v1/documents", "/v1/documents/calf", "/v1/passages/calf-p1", "/v1/references"],
)
def test_every_v1_endpoint_is_503_without_an_index(make_app, monkeypatch, tmp_path, url):
    from qa.api import QA

    def missing(*_args, **_kwargs):
        raise IndexMissing(f"no index in {tmp_path}: run `qa build` (or `make run`, which builds it)")

    monkeypatch.setattr(QA, "open", classmethod(lambda cls, *a, **kw: missing()))
    client = make_app(QA=None, INDEX_DIR=str(tmp_path)).test_client()
    body = problem_of(client.get(url), 503)
    assert body["type"] == "/docs#problem-index-unavailable"
    # the client sees the folder's name, never the server's absolute path (issue 13 row 16)
    assert body["detail"] == f"no index in {tmp_path.name}: run `qa build` (or `make run`, which builds it)"
    assert client.post("/v1/ask", json={"question": "calf"}).status_code == 503
