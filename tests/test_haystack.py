"""qa.rag.haystack: the real Haystack component and pipeline over the seed index, in-process and over HTTP, offline
(with Haystack's telemetry off, as the README tells users to do)."""

from __future__ import annotations

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

TEMPLATE = """{% if documents %}Answer from these passages only:
{% for d in documents %}[{{ d.id }}] {{ d.meta.document_title }} › {{ d.meta.section }}: {{ d.content }}
{% endfor %}{% else %}The documents do not answer this. Say so.{% endif %}"""


@pytest.fixture(scope="module", autouse=True)
def hs():
    """qa.rag.haystack imported with telemetry off, and every test of this module run, with nothing reachable past
    the loopback."""
    with no_internet() as attempts, pytest.MonkeyPatch.context() as mp:
        mp.setenv("HAYSTACK_TELEMETRY_ENABLED", "False")  # read once, when haystack is first imported
        import haystack.telemetry._telemetry as telemetry

        import qa.rag.haystack

        assert telemetry.telemetry is None
        yield qa.rag.haystack
    assert attempts == []


def test_documents_in_rank_order_with_scores_and_metadata(hs, seed_source, seed_qa):
    from haystack import Document

    out = hs.QARetriever(seed_source).run(query=ANSWERED)
    answer = seed_qa.ask(ANSWERED)
    assert (out["answered"], out["reasons"]) == (True, ["the first results mention rupture"])
    docs = out["documents"]
    assert [d.id for d in docs] == ANSWERED_IDS
    assert all(isinstance(d, Document) for d in docs)
    assert [(d.content, d.score) for d in docs] == [(r.text, r.score) for r in answer.results]
    assert [d.meta for d in docs] == [expected_metadata(answer, rank) for rank in (1, 2, 3)]


@pytest.mark.parametrize("question", [LOST_SECTION, UNKNOWN])
def test_abstention_returns_no_documents_and_says_why(hs, seed_source, seed_qa, question):
    out = hs.QARetriever(seed_source).run(query=question)
    assert out == {"documents": [], "answered": False, "reasons": list(seed_qa.ask(question).reasons)}
    assert out["reasons"]


def test_include_unanswered_returns_the_closest_passages_flagged(hs, seed_source, seed_qa):
    out = hs.QARetriever(seed_source, include_unanswered=True).run(query=LOST_SECTION)
    assert [d.id for d in out["documents"]] == LOST_SECTION_IDS
    expected = [expected_metadata(seed_qa.ask(LOST_SECTION), rank) for rank in (1, 2, 3)]
    assert [d.meta for d in out["documents"]] == expected
    assert out["answered"] is False


def test_top_k_overrides_k(hs, seed_source):
    out = hs.QARetriever(seed_source, k=3).run(query=ANSWERED, top_k=1)
    assert [d.id for d in out["documents"]] == ANSWERED_IDS[:1]


def test_abstention_reaches_a_pipeline(hs, seed_source):
    from haystack import Pipeline
    from haystack.components.builders import PromptBuilder

    pipeline = Pipeline()
    pipeline.add_component("retriever", hs.QARetriever(seed_source))
    pipeline.add_component("prompt", PromptBuilder(template=TEMPLATE, required_variables=["documents"]))
    pipeline.connect("retriever.documents", "prompt.documents")
    answered = pipeline.run({"retriever": {"query": ANSWERED}}, include_outputs_from={"retriever"})
    prompt = answered["prompt"]["prompt"]
    assert prompt.startswith("Answer from these passages only:\n[calf-pain-r2] Calf Pain › References: American")
    assert [line.split("]")[0] for line in prompt.splitlines()[1:]] == [f"[{i}" for i in ANSWERED_IDS]
    assert answered["retriever"]["answered"] is True
    unanswered = pipeline.run({"retriever": {"query": LOST_SECTION}})
    assert unanswered["prompt"]["prompt"] == "The documents do not answer this. Say so."
    assert unanswered["retriever"]["answered"] is False


def test_a_bad_question_raises_the_library_error(hs, seed_source):
    with pytest.raises(InvalidInput):
        hs.QARetriever(seed_source).run(query="   ")


def test_a_source_that_cannot_answer_is_refused(hs):
    with pytest.raises(InvalidInput, match="source must be a qa.api.QA"):
        hs.QARetriever(None)


def test_the_readme_example_runs(hs, root, seed_qa, capsys):
    from integrations import run_readme_example

    run_readme_example(root, "Haystack", seed_qa, {})
    reasons = list(seed_qa.ask(LOST_SECTION).reasons)
    assert capsys.readouterr().out == f"The documents do not answer this. False {reasons}\n"
