"""The Python API validates every input the same way for the CLI and HTTP."""

import pytest

from qa.api import MAX_BATCH, MAX_QUESTION_CHARS
from qa.errors import InvalidInput, NotFound


@pytest.mark.parametrize(
    "question, message",
    [
        (None, "question is required"),
        (42, "question must be a string"),
        ("", "question must not be empty or blank"),
        ("   \n\t\ufeff", "question must not be empty or blank"),
        ("x" * (MAX_QUESTION_CHARS + 1), "question is 2001 characters long; the limit is 2000"),
    ],
)
def test_bad_questions(small_qa, question, message):
    with pytest.raises(InvalidInput) as err:
        small_qa.ask(question)
    assert err.value.detail == message
    assert err.value.status == 400


@pytest.mark.parametrize("k", [0, 51, -1, "3", 3.5, True, None])
def test_bad_k(small_qa, k):
    with pytest.raises(InvalidInput, match="k must be"):
        small_qa.ask("knee", k=k)


@pytest.mark.parametrize("mode", ["", "BM25", "dense", None])
def test_bad_mode(small_qa, mode):
    with pytest.raises(InvalidInput, match="mode must be one of hybrid, bm25, tfidf"):
        small_qa.ask("knee", mode=mode)


def test_longest_question_is_accepted(small_qa):
    assert small_qa.ask("knee " * (MAX_QUESTION_CHARS // 5)).question.startswith("knee")


@pytest.mark.parametrize("document", ["nope", "../knee", ""])
def test_unknown_document(small_qa, document):
    with pytest.raises(NotFound) as err:
        small_qa.ask("knee", document=document)
    assert err.value.status == 404


def test_passage_with_neighbours(small_qa):
    p = small_qa.passage("ankle-p2")
    assert (p.previous_id, p.next_id, p.section) == ("ankle-p1", "ankle-p3", "Ankle Sprains")
    assert p.text == "Severe sprains may need a brace or physical therapy. Surgery is rarely needed."


@pytest.mark.parametrize("passage_id", ["nope", "ankle-p99", "../index/current", "", 7])
def test_unknown_passage(small_qa, passage_id):
    with pytest.raises(NotFound):
        small_qa.passage(passage_id)


def test_documents_and_references(small_qa):
    assert [d.id for d in small_qa.documents()] == ["ankle", "knee"]
    assert small_qa.document("knee").title == "Knee care"
    assert [r.id for r in small_qa.references()] == ["ankle-r1", "ankle-r2", "knee-r1"]
    with pytest.raises(NotFound):
        small_qa.document("hip")


def test_batch_answers_in_order(small_qa):
    answers = small_qa.ask_batch(["meniscus tear", "shin splints"], k=1)
    assert [a.results[0].passage_id for a in answers] == ["knee-p2", "ankle-p3"]


@pytest.mark.parametrize(
    "questions, message",
    [
        ([], "send from 1 to 50 questions, not 0"),
        (["q"] * (MAX_BATCH + 1), "send from 1 to 50 questions, not 51"),
        ("knee", "questions must be a list of strings"),
        (["knee", ""], "questions[1] must not be empty or blank"),
        ([None], "questions[0] is required"),
    ],
)
def test_bad_batches(small_qa, questions, message):
    with pytest.raises(InvalidInput) as err:
        small_qa.ask_batch(questions)
    assert err.value.detail == message


def test_warm_up_answers_nothing_visible(small_qa):
    assert small_qa.warm_up() is None
