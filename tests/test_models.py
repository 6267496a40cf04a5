"""qa.models: from_dict inverts to_dict for every model, through real JSON, on everything the seed index holds."""

from __future__ import annotations

import json

import pytest

from qa.models import Answer, Citation, Document, IndexInfo, Passage, RankerScore, Reference, Result, Sentence, Span

QUESTIONS = [
    "which source covers achilles tendon rupture?",
    "how long do calf strains last?",
    "pride and prejudice",
    "wat usualy causes calf pian",
    "what is the thompson test?",
]


def through_json(obj):
    return json.loads(json.dumps(obj.to_dict()))


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "tfidf"])
def test_answers_round_trip(seed_qa, mode):
    for question in QUESTIONS:
        answer = seed_qa.ask(question, k=10, mode=mode)
        assert Answer.from_dict(through_json(answer)) == answer
        for result in answer.results:
            assert Result.from_dict(through_json(result)) == result
            for citation in result.citations:
                assert Citation.from_dict(through_json(citation)) == citation
            for score in result.scores.values():
                assert RankerScore.from_dict(through_json(score)) == score


def test_the_index_contents_round_trip(seed_qa):
    store = seed_qa._loaded.store
    passages = [store.get(i) for i in range(len(store))]
    assert {p.kind for p in passages} == {"passage", "reference"}  # both shapes are covered
    for p in passages:
        assert Passage.from_dict(through_json(p)) == p
        for s in p.sentences:
            assert Sentence.from_dict(through_json(s)) == s
    assert [Reference.from_dict(through_json(r)) for r in seed_qa.references()] == list(seed_qa.references())
    assert [Document.from_dict(through_json(d)) for d in seed_qa.documents()] == list(seed_qa.documents())
    assert IndexInfo.from_dict(through_json(seed_qa.info)) == seed_qa.info


def test_keys_a_newer_service_adds_are_ignored():
    d = {"start": 1, "end": 5, "heading_path": ["A", "B"]}
    assert Span.from_dict(d) == Span(1, 5)


def test_tuples_come_back_as_tuples(seed_qa):
    passage = Passage.from_dict(through_json(seed_qa.passage("calf-pain-p5")))
    assert isinstance(passage.sentences, tuple) and isinstance(passage.markers, tuple)
    assert isinstance(passage.sentences[0].source, Span)


@pytest.mark.parametrize(
    "model, data, message",
    [
        (Span, {"start": 1}, "Span is missing 'end'"),
        (Span, [1, 2], "Span must be a JSON object, not list"),
        (Document, "calf-pain", "Document must be a JSON object, not str"),
        (Answer, {"question": "q"}, "'index'"),
        (RankerScore, {"rank": 1}, "RankerScore is missing 'score'"),
    ],
)
def test_a_malformed_dict_says_what_is_missing(model, data, message):
    with pytest.raises((ValueError, KeyError), match=message):
        model.from_dict(data)
