import pytest

from qa.api import validate_k, validate_mode, validate_question
from qa.errors import InvalidInput
from qa.web import schema
from qa.web.schema import AskQuery, AskRequest, BatchRequest


@pytest.mark.parametrize(
    "raw,expected",
    [("1", 1), ("50", 50), ("07", 7), (1, 1), (50, 50), (3.0, 3)],
)
def test_k_accepts_integers_in_range(raw, expected):
    assert validate_k(raw, text=True) == expected


@pytest.mark.parametrize("body", [{"question": "calf"}, {"question": "calf", "k": None, "mode": None}])
def test_null_or_absent_options_are_the_defaults(body):
    assert AskRequest.parse(body) == AskRequest(question="calf", k=3, mode="hybrid", document=None)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "3.5",
        "abc",
        " 3",
        "3 ",
        "+3",
        "0",
        "-1",
        "51",
        "1e2",
        "٣",
        "99999999999999999999",
        0,
        -1,
        51,
        3.5,
        51.0,
        1e300,
        True,
        False,
        [3],
        {"k": 3},
    ],
)
def test_k_rejects_everything_else(raw):
    with pytest.raises(InvalidInput, match="k must be an integer from 1 to 50"):
        validate_k(raw, text=True)


@pytest.mark.parametrize("raw", ["3", "", "abc"])
def test_k_from_json_must_be_a_number(raw):
    with pytest.raises(InvalidInput, match=f'k must be an integer from 1 to 50, not "{raw}"'):
        validate_k(raw)


@pytest.mark.parametrize(
    "raw,message",
    [
        (None, "question is required"),
        ("", "question must not be empty or blank"),
        ("  \t\n", "question must not be empty or blank"),
        ("\x1d\u00a0\u3000\ufeff", "question must not be empty or blank"),
        (42, "question must be a string"),
        (["a"], "question must be a string"),
        ("x" * 2001, "question is 2001 characters long; the limit is 2000"),
    ],
)
def test_question_rejects(raw, message):
    with pytest.raises(InvalidInput, match=message):
        validate_question(raw)


def test_question_keeps_the_text_as_given():
    assert validate_question("  calf pain? ") == "  calf pain? "
    assert validate_question("x" * 2000) == "x" * 2000


@pytest.mark.parametrize("raw", ["", "fast", "BM25", 3, ["bm25"]])
def test_mode_rejects_unknown(raw):
    with pytest.raises(InvalidInput, match="mode must be one of hybrid, bm25, tfidf"):
        validate_mode(raw)


@pytest.mark.parametrize("raw", ["", "   ", 5, ["calf"]])
def test_document_rejects_non_ids(raw):
    with pytest.raises(InvalidInput, match="document must be a non-empty document id"):
        AskRequest.parse({"question": "calf", "document": raw})


def test_ask_from_query_applies_defaults_and_ignores_unknown_parameters():
    assert AskQuery.parse({"q": "calf", "utm": "x"}).model_dump() == {
        "q": "calf",
        "k": 3,
        "mode": "hybrid",
        "document": None,
    }
    assert AskQuery.parse({"q": "calf", "k": "5", "mode": "bm25", "document": "calf"}) == AskQuery(
        q="calf", k=5, mode="bm25", document="calf"
    )


def test_ask_from_json_rejects_unknown_fields():
    with pytest.raises(InvalidInput, match="unknown field\\(s\\): query; expected document, k, mode, question"):
        AskRequest.parse({"query": "calf"})


def test_batch_from_json_names_the_bad_question():
    with pytest.raises(InvalidInput, match=r"questions\[1\] must not be empty or blank"):
        BatchRequest.parse({"questions": ["calf", " "]})
    assert BatchRequest.parse({"questions": ["a", "b"], "k": 2}) == BatchRequest(
        questions=["a", "b"], k=2, mode="hybrid", document=None
    )


@pytest.mark.parametrize("questions", [[], "calf", None, ["q"] * 51, {"0": "calf"}])
def test_batch_needs_a_list_of_1_to_50(questions):
    with pytest.raises(InvalidInput, match="questions must be a list of 1 to 50 questions"):
        BatchRequest.parse({"questions": questions})


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "the body is empty"),
        (b"\xff\xfe", "not valid UTF-8 \\(byte 0\\)"),
        (b'{"question": "a"', "not valid JSON: Expecting ',' delimiter \\(line 1, column 17\\)"),
        (b"[1]", "must be a JSON object, not an array"),
        (b'"calf"', "must be a JSON object, not a string"),
        (b"null", "must be a JSON object, not null"),
        (b"3", "must be a JSON object, not a number"),
        (b'{"k": NaN}', "NaN is not a JSON value"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_json_object_rejects(data, message):
    with pytest.raises(InvalidInput, match=message):
        schema.json_object(data)


def test_json_object_decodes_utf8():
    assert schema.json_object('{"question": "Wadenschmerz – warum?"}'.encode()) == {"question": "Wadenschmerz – warum?"}
