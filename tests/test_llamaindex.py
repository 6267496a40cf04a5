"""qa.rag.llamaindex: the real LlamaIndex BaseRetriever over the seed index, in-process and over HTTP, offline."""

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

from qa.errors import InvalidInput


@pytest.fixture(scope="module", autouse=True)
def li():
    """qa.rag.llamaindex imported, and every test of this module run, with nothing reachable past the loopback."""
    with no_internet() as attempts:
        import qa.rag.llamaindex

        yield qa.rag.llamaindex
    assert attempts == []


def test_nodes_in_rank_order_with_scores_metadata_and_relationships(li, seed_source, seed_qa):
    from llama_index.core.schema import NodeRelationship, NodeWithScore, TextNode

    nodes = li.QARetriever(seed_source).retrieve(ANSWERED)
    answer = seed_qa.ask(ANSWERED)
    assert [n.node.node_id for n in nodes] == ANSWERED_IDS
    assert all(isinstance(n, NodeWithScore) and isinstance(n.node, TextNode) for n in nodes)
    assert [n.score for n in nodes] == [r.score for r in answer.results]
    assert [n.node.text for n in nodes] == [r.text for r in answer.results]
    assert [n.node.metadata for n in nodes] == [expected_metadata(answer, rank) for rank in (1, 2, 3)]
    first = nodes[0].node
    assert first.relationships[NodeRelationship.SOURCE].node_id == "calf-pain"
    assert first.relationships[NodeRelationship.PREVIOUS].node_id == "calf-pain-r1"
    assert first.relationships[NodeRelationship.NEXT].node_id == "calf-pain-r3"


def test_an_llm_sees_the_text_with_title_and_section_only(li, seed_source):
    from llama_index.core.schema import MetadataMode

    node = li.QARetriever(seed_source).retrieve(ANSWERED)[0].node
    text = "American Academy of Orthopaedic Surgeons. Achilles tendon rupture (tear)."
    assert node.get_content(MetadataMode.LLM) == f"document_title: Calf Pain\nsection: References\n\n{text}"
    assert node.get_content(MetadataMode.EMBED) == text


@pytest.mark.parametrize("question", [LOST_SECTION, UNKNOWN])
def test_abstention_returns_no_nodes(li, seed_source, question):
    assert li.QARetriever(seed_source).retrieve(question) == []


def test_include_unanswered_returns_the_closest_passages_flagged(li, seed_source, seed_qa):
    retriever = li.QARetriever(seed_source, include_unanswered=True)
    nodes = retriever.retrieve(LOST_SECTION)
    assert [n.node.node_id for n in nodes] == LOST_SECTION_IDS
    expected = [expected_metadata(seed_qa.ask(LOST_SECTION), rank) for rank in (1, 2, 3)]
    assert [n.node.metadata for n in nodes] == expected
    assert {n.node.metadata["answered"] for n in nodes} == {False}
    unknown = [r.passage_id for r in seed_qa.ask(UNKNOWN).results]  # what is nearest in meaning, if anything
    assert [(n.node.node_id, n.node.metadata["answered"]) for n in retriever.retrieve(UNKNOWN)] == [
        (i, False) for i in unknown
    ]


def test_query_bundles_settings_and_async(li, seed_source, seed_qa):
    from llama_index.core.schema import QueryBundle

    retriever = li.QARetriever(seed_source, k=2, mode="tfidf", include_unanswered=True)
    answer = seed_qa.ask(ANSWERED, k=2, mode="tfidf")
    assert [n.node.node_id for n in retriever.retrieve(QueryBundle(ANSWERED))] == [r.passage_id for r in answer.results]
    nodes = asyncio.run(li.QARetriever(seed_source).aretrieve(ANSWERED))
    assert [n.node.node_id for n in nodes] == ANSWERED_IDS


def test_a_bad_question_raises_the_library_error(li, seed_source):
    with pytest.raises(InvalidInput):
        li.QARetriever(seed_source).retrieve("   ")


def test_a_source_that_cannot_answer_is_refused(li):
    with pytest.raises(InvalidInput, match="source must be a qa.api.QA"):
        li.QARetriever("index")


def test_the_readme_example_runs(li, root, seed_qa, seed_url, capsys):
    from integrations import run_readme_example

    run_readme_example(root, "LlamaIndex", seed_qa, {"http://127.0.0.1:8000": seed_url})
    answer = seed_qa.ask(LOST_SECTION)
    assert capsys.readouterr().out.splitlines() == [
        f"{r.passage_id} {r.score} False {answer.reasons[0]}" for r in answer.results
    ]
