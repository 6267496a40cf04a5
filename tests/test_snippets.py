"""qa.rag.snippets: the abstention policy and the metadata every framework retriever attaches, on FakeQA (which has a
document with a URL) and on the real seed index."""

from __future__ import annotations

import pytest
from integrations import ANSWERED, ANSWERED_IDS, LOST_SECTION, LOST_SECTION_IDS, UNKNOWN, expected_metadata

from qa.errors import InvalidInput, NotFound
from qa.rag.snippets import Retrieval, check_source


def test_answered_snippets_carry_the_result_fields_and_the_document_url(fake_qa):
    question = "what helps knee injuries?"
    answer = fake_qa.ask(question)
    assert answer.answered
    snippets = Retrieval(fake_qa).retrieve(question)
    assert [s.id for s in snippets] == [r.passage_id for r in answer.results]
    knee = [s for s in snippets if s.metadata["document_id"] == "knee"]
    assert knee and all(s.metadata["url"] == "https://example.org/knee" for s in knee)
    for rank, s in enumerate(snippets, 1):
        url = "https://example.org/knee" if s.metadata["document_id"] == "knee" else None
        assert s.metadata == expected_metadata(answer, rank, url)
        assert (s.text, s.score) == (answer.results[rank - 1].text, answer.results[rank - 1].score)


def test_seed_snippets_in_rank_order_with_pinned_metadata(seed_qa):
    snippets = Retrieval(seed_qa).retrieve(ANSWERED)
    assert [s.id for s in snippets] == ANSWERED_IDS
    first = snippets[0].metadata
    assert "text" not in first
    assert {k: first[k] for k in ("passage_id", "document_id", "document_title", "section", "kind", "url")} == {
        "passage_id": "calf-pain-r2",
        "document_id": "calf-pain",
        "document_title": "Calf Pain",
        "section": "References",
        "kind": "reference",
        "url": None,
    }
    assert first["source"] == {"start": 4834, "end": 4906}
    assert first["answer"] == "American Academy of Orthopaedic Surgeons. Achilles tendon rupture (tear)."
    assert first["citations"][0]["id"] == "calf-pain-r2"
    assert first["citations"][0]["link"] == {
        "method": "self",
        "evidence": "the result is this reference entry",
        "score": 1.0,
    }
    assert (first["answered"], first["reasons"], first["question"]) == (
        True,
        ["the first results mention rupture"],
        ANSWERED,
    )


@pytest.mark.parametrize("question", [LOST_SECTION, UNKNOWN])
def test_an_abstaining_answer_gives_no_snippets_by_default(seed_qa, question):
    assert not seed_qa.ask(question).answered
    assert Retrieval(seed_qa).retrieve(question) == []


def test_include_unanswered_gives_the_closest_passages_flagged(seed_qa):
    answer = seed_qa.ask(LOST_SECTION)
    snippets = Retrieval(seed_qa, include_unanswered=True).retrieve(LOST_SECTION)
    assert [s.id for s in snippets] == LOST_SECTION_IDS
    assert all(s.metadata["answered"] is False for s in snippets)
    assert snippets[0].metadata["reasons"] == [
        'the section "How Long Do Calf Strains Last?" has no text that answers this (it lacks long or strains; '
        "its text may have been lost)"
    ]
    assert [s.metadata for s in snippets] == [expected_metadata(answer, rank) for rank in (1, 2, 3)]
    unknown = [r.passage_id for r in seed_qa.ask(UNKNOWN).results]  # what is nearest in meaning, if anything
    flagged = Retrieval(seed_qa, include_unanswered=True).retrieve(UNKNOWN)
    assert [(s.id, s.metadata["answered"]) for s in flagged] == [(i, False) for i in unknown]


def test_k_mode_and_document_reach_the_source(seed_qa):
    retrieval = Retrieval(seed_qa, k=5, mode="tfidf", document="calf-pain", include_unanswered=True)
    snippets = retrieval.retrieve("what causes calf pain?")
    answer = seed_qa.ask("what causes calf pain?", k=5, mode="tfidf", document="calf-pain")
    assert [s.id for s in snippets] == [r.passage_id for r in answer.results]
    assert len(snippets) == 5 and snippets[0].metadata["mode"] == "tfidf"
    assert [s.id for s in Retrieval(seed_qa, k=5).retrieve(ANSWERED, k=1)] == ANSWERED_IDS[:1]


class Proxy:
    """A source in front of FakeQA that records document look-ups (or fails them: a rebuild removed it)."""

    def __init__(self, qa, gone: bool = False) -> None:
        self.qa, self.gone, self.looked_up = qa, gone, []
        self.ask, self.passage = qa.ask, qa.passage

    def document(self, document_id):
        self.looked_up.append(document_id)
        if self.gone:
            raise NotFound(f"no document with id {document_id!r}")
        return self.qa.document(document_id)


def test_document_urls_are_looked_up_once_per_index_version(fake_qa):
    source = Proxy(fake_qa)
    retrieval = Retrieval(source)
    assert [s.id for s in retrieval.retrieve("calf pain")] == ["calf-p1", "calf-p2", "calf-p3"]
    assert [s.id for s in retrieval.retrieve("knee injuries care")] == ["knee-p1"]
    assert [s.id for s in retrieval.retrieve("calf pain knee")] != []
    assert source.looked_up == ["calf", "knee"]


def test_a_document_gone_after_a_rebuild_has_no_url(fake_qa):
    snippets = Retrieval(Proxy(fake_qa, gone=True)).retrieve("what helps knee injuries?")
    assert [(s.id, s.metadata["url"]) for s in snippets] == [("knee-p1", None)]


@pytest.mark.parametrize("source", [None, "http://127.0.0.1:8000", "index", object()])
def test_a_source_that_cannot_answer_is_refused(source):
    with pytest.raises(InvalidInput, match="source must be a qa.api.QA"):
        check_source(source)


@pytest.mark.parametrize("flag", [None, "yes", 1])
def test_include_unanswered_must_be_a_bool(fake_qa, flag):
    with pytest.raises(InvalidInput, match="include_unanswered must be True or False"):
        Retrieval(fake_qa, include_unanswered=flag)


@pytest.mark.parametrize("question", ["", "   ", None])
def test_a_bad_question_raises_the_library_error(fake_qa, question):
    with pytest.raises(InvalidInput):
        Retrieval(fake_qa).retrieve(question)
