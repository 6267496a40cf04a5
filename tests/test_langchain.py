"""qa.rag.langchain: the real LangChain BaseRetriever over the seed index, in-process and over HTTP, offline."""

from __future__ import annotations

import asyncio

import pytest
from integrations import (
    ANSWERED,
    ANSWERED_IDS,
    LOST_SECTION,
    LOST_SECTION_IDS,
    UNKNOWN,
    expected_metadata,
    no_internet,
)

from qa.errors import InvalidInput, NotFound


@pytest.fixture(scope="module", autouse=True)
def lc():
    """qa.rag.langchain imported, and every test of this module run, with nothing reachable past the loopback."""
    with no_internet() as attempts:
        import qa.rag.langchain

        yield qa.rag.langchain
    assert attempts == []


def test_documents_in_rank_order_with_the_answer_metadata(lc, seed_source, seed_qa):
    from langchain_core.documents import Document

    docs = lc.QARetriever(source=seed_source).invoke(ANSWERED)
    answer = seed_qa.ask(ANSWERED)
    assert [d.id for d in docs] == ANSWERED_IDS
    assert all(isinstance(d, Document) for d in docs)
    assert [d.page_content for d in docs] == [r.text for r in answer.results]
    assert [d.metadata for d in docs] == [expected_metadata(answer, rank) for rank in (1, 2, 3)]
    first = docs[0].metadata
    assert (first["document_id"], first["document_title"], first["section"], first["url"]) == (
        "calf-pain",
        "Calf Pain",
        "References",
        None,
    )
    assert (first["source"], first["answered"], first["reasons"]) == (
        {"start": 4834, "end": 4906},
        True,
        ["the first results mention rupture"],
    )
    assert [c["id"] for d in docs for c in d.metadata["citations"]] == ["calf-pain-r2", "calf-pain-r2"]


@pytest.mark.parametrize("question", [LOST_SECTION, UNKNOWN])
def test_abstention_returns_no_documents(lc, seed_source, question):
    assert lc.QARetriever(source=seed_source).invoke(question) == []


def test_include_unanswered_returns_the_closest_passages_flagged(lc, seed_source, seed_qa):
    retriever = lc.QARetriever(source=seed_source, include_unanswered=True)
    docs = retriever.invoke(LOST_SECTION)
    assert [d.id for d in docs] == LOST_SECTION_IDS
    assert [d.metadata for d in docs] == [expected_metadata(seed_qa.ask(LOST_SECTION), rank) for rank in (1, 2, 3)]
    assert {d.metadata["answered"] for d in docs} == {False}
    unknown = [r.passage_id for r in seed_qa.ask(UNKNOWN).results]  # what is nearest in meaning, if anything
    assert [(d.id, d.metadata["answered"]) for d in retriever.invoke(UNKNOWN)] == [(i, False) for i in unknown]


def test_settings_reach_qa(lc, seed_source, seed_qa):
    retriever = lc.QARetriever(source=seed_source, k=4, mode="bm25", document="calf-pain", include_unanswered=True)
    answer = seed_qa.ask("what causes calf pain?", k=4, mode="bm25", document="calf-pain")
    assert [d.id for d in retriever.invoke("what causes calf pain?")] == [r.passage_id for r in answer.results]


def test_it_composes_batches_and_runs_async(lc, seed_source):
    from langchain_core.runnables import RunnableLambda

    chain = lc.QARetriever(source=seed_source) | RunnableLambda(lambda docs: [d.id for d in docs])
    assert chain.batch([ANSWERED, UNKNOWN]) == [ANSWERED_IDS, []]
    docs = asyncio.run(lc.QARetriever(source=seed_source).ainvoke(ANSWERED))
    assert [d.id for d in docs] == ANSWERED_IDS


@pytest.mark.parametrize("question, error", [("   ", InvalidInput), ("x" * 2001, InvalidInput)])
def test_bad_questions_raise_the_library_error(lc, seed_source, question, error):
    with pytest.raises(error):
        lc.QARetriever(source=seed_source).invoke(question)


def test_an_unknown_document_raises_not_found(lc, seed_source):
    with pytest.raises(NotFound, match="no document with id 'knee'"):
        lc.QARetriever(source=seed_source, document="knee").invoke(ANSWERED)


@pytest.mark.parametrize("source", [None, "http://127.0.0.1:8000"])
def test_a_source_that_cannot_answer_is_refused(lc, source):
    with pytest.raises(InvalidInput, match="source must be a qa.api.QA"):
        lc.QARetriever(source=source)


def test_the_readme_example_runs(lc, root, seed_qa, capsys):
    from integrations import run_readme_example

    run_readme_example(root, "LangChain", seed_qa, {})
    answer = seed_qa.ask(ANSWERED)
    expected = [f"{r.passage_id} {r.section} {[c.reference.id for c in r.citations]}" for r in answer.results]
    assert capsys.readouterr().out.splitlines() == [*expected, "[]"]
    assert expected[0] == "calf-pain-r2 References ['calf-pain-r2']"
