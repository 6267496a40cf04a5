"""The Engine facade: exact rankings per mode, repair of typos and glued tokens, persistence, masks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from qa.models import RankerScore
from qa.search.engine import Engine, EngineSettings, QueryTerm

TEXTS = [
    "Calf pain is often caused by a muscle strain or a cramp.",  # 0
    "The Achilles tendon connects the calf muscles to the heel bone.",  # 1
    "A deep vein thrombosis can cause swelling and pain in the calf.",  # 2
    "Stretching the gastrocnemius muscle helps prevent cramps.",  # 3
    "Knee injuries are common in runners.",  # 4
    "Most causes ofcalf pain are harmless.",  # 5: "of calf" glued by a damaged scrape
    "Calf raises strengthen the calf.",  # 6
]
N = len(TEXTS)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.build(TEXTS)


def ids(hits) -> list[int]:
    return [h.doc for h in hits]


def okapi_idf(df: int) -> float:
    return math.log((N - df + 0.5) / (df + 0.5))


def test_sizes(engine):
    assert engine.n_docs == N
    assert engine.n_terms == len({t for text in TEXTS for t in engine.analyzer.tokens(text)} - {"ofcalf"})


def test_bm25_order_by_tf_then_length_then_id(engine):
    # doc 6 has calf twice; 5 (calf via "ofcalf") is as short; 0 is longer; 1 and 2 tie and go by id
    assert ids(engine.search("calf", mode="bm25")) == [6, 5, 0, 1, 2]


def test_glued_token_is_not_repaired_when_glue_is_off():
    plain = Engine.build(TEXTS, EngineSettings(glue=False))
    assert ids(plain.search("calf", mode="bm25")) == [6, 0, 1, 2]
    assert plain.n_terms == Engine.build(TEXTS).n_terms + 1  # "ofcalf" stays a term of its own


def test_bm25_scores_are_rank_bm25s(engine):
    from rank_bm25 import BM25Okapi

    tokens = [["calf" if t == "ofcalf" else t for t in engine.analyzer.tokens(x)] for x in TEXTS]
    expected = BM25Okapi(tokens).get_scores(engine.analyzer.tokens("achilles tendon pain"))
    hits = engine.search("achilles tendon pain", k=N, mode="bm25")
    assert ids(hits) == sorted((d for d in range(N) if expected[d] > 0), key=lambda d: (-expected[d], d))
    np.testing.assert_allclose([h.score for h in hits], [expected[h.doc] for h in hits], rtol=1e-6)


def test_tfidf_order_equals_sklearn_cosine(engine):
    tokens = [["calf" if t == "ofcalf" else t for t in engine.analyzer.tokens(x)] for x in TEXTS]
    vec = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True)
    matrix = vec.fit_transform(tokens)
    cosine = (matrix @ vec.transform([engine.analyzer.tokens("calf muscle cramp")]).T).toarray()[:, 0]
    hits = engine.search("calf muscle cramp", k=N, mode="tfidf")
    assert ids(hits) == sorted((d for d in range(N) if cosine[d] > 0), key=lambda d: (-cosine[d], d))
    np.testing.assert_allclose([h.score for h in hits], [cosine[h.doc] for h in hits], rtol=1e-5)
    assert hits[0].doc == 0 and set(hits[0].scores) == {"tfidf"}


def test_hybrid_keeps_bm25_order_and_reports_both_rankers(engine):
    hits = engine.search("achilles tendon", mode="hybrid")
    assert ids(hits) == [1]
    vec = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True)
    weights = vec.fit_transform([["calf" if t == "ofcalf" else t for t in engine.analyzer.tokens(x)] for x in TEXTS])
    dot = sum(vec.idf_[vec.vocabulary_[t]] * weights[1, vec.vocabulary_[t]] for t in ("achill", "tendon"))
    expected = hits[0].scores["bm25"].score + engine.settings.hybrid_tfidf_weight * dot
    assert hits[0].score == pytest.approx(expected, rel=1e-6)
    # two terms with df 1, tf 1, in a 7-token document; the 7 documents hold 38 tokens
    one_term = okapi_idf(1) * 2.5 / (1 + 1.5 * (0.25 + 0.75 * 7 / (38 / 7)))
    assert hits[0].scores["bm25"] == RankerScore(pytest.approx(2 * one_term, rel=1e-6), 1)
    assert hits[0].scores["tfidf"].rank == 1


@pytest.mark.parametrize("query", ["calf muscle cramp", "pain in the calf", "heel tendon strain"])
def test_hybrid_reports_each_rankers_own_score_and_rank(engine, query):
    hybrid = engine.search(query, k=N, mode="hybrid")
    for name in ("bm25", "tfidf"):
        alone = engine.search(query, k=N, mode=name)
        assert {h.doc: h.scores[name] for h in hybrid if h.scores[name].rank} == {
            h.doc: RankerScore(pytest.approx(h.score, rel=1e-6), r) for r, h in enumerate(alone, start=1)
        }


def test_typos_are_found_in_hybrid_only(engine):
    assert engine.search("achilels tendn", mode="bm25") == []
    assert ids(engine.search("achilels tendn", mode="hybrid")) == [1]
    assert ids(engine.search("gastrocnemus stretchng", mode="hybrid")) == [3]


def test_glued_query_word_is_split_in_hybrid(engine):
    assert ids(engine.search("kneeinjuries", mode="hybrid")) == [4]
    assert engine.search("kneeinjuries", mode="bm25") == []


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "tfidf"])
@pytest.mark.parametrize("query", ["", "   ", "the of and", "?!", "what is it"])
def test_empty_and_stopword_queries_find_nothing(engine, query, mode):
    assert engine.search(query, mode=mode) == []
    assert len(engine.rank(query, mode=mode)[0]) == 0


@pytest.mark.parametrize("texts", [[], ["the of and", ""], ["!!!"]], ids=["no texts", "stop words", "punct"])
def test_corpus_without_words(texts, tmp_path):
    empty = Engine.build(texts)
    assert (empty.n_docs, empty.n_terms) == (len(texts), 0)
    assert empty.search("calf") == [] and empty.search("calf", mode="tfidf") == []
    assert empty.suggest("calf") == [] and empty.query_terms("calf")[0].in_vocab is False
    loaded = Engine.load(tmp_path, empty.save(tmp_path))
    assert loaded.search("calf") == [] and loaded.n_docs == len(texts)


def test_allowed_mask_restricts_the_search(engine):
    allowed = np.zeros(N, dtype=bool)
    allowed[[0, 2, 4]] = True
    assert ids(engine.search("calf", mode="bm25", allowed=allowed)) == [0, 2]
    assert engine.search("achilles", allowed=allowed) == []


def test_a_borrower_is_also_scored_with_its_lenders_words(engine):
    lend = (np.array([1]), np.array([4]))  # doc 4 (knee injuries) is also scored with doc 1's words (achilles)
    assert ids(engine.search("achilles", mode="bm25")) == [1]
    assert ids(engine.search("achilles", mode="bm25", lend=lend)) == [1, 4]  # the same score: by doc id
    plain = engine.search("achilles heel knee", mode="hybrid")
    lent = engine.search("achilles heel knee", mode="hybrid", lend=lend)
    assert ids(plain) == [1, 4] and ids(lent) == [4, 1]
    assert lent[0].score == pytest.approx(plain[0].score + plain[1].score)
    assert lent[0].scores == plain[1].scores  # each ranker's own score of its own words
    assert ids(engine.search("achilles", mode="bm25", lend=(np.array([], int), np.array([], int)))) == [1]
    # found another way (`also`), a borrower carries the lent score too
    achilles = engine.search("achilles", mode="bm25")[0].score
    assert [(h.doc, h.score) for h in engine.search("achilles", k=1, mode="bm25", also=[4], lend=lend)] == [
        (1, achilles), (4, achilles)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("lend", "message"),
    [
        ((np.array([1, 2]), np.array([4])), "same length"),
        ((np.array([[1]]), np.array([[4]])), "one-dimensional"),
        ((np.array([1.0]), np.array([4.0])), "integer"),
        ((np.array([1]), np.array([N])), "in 0..6"),
        ((np.array([-1]), np.array([4])), "in 0..6"),
    ],
    ids=["lengths", "2d", "float", "past-end", "negative"],
)
def test_bad_lending_is_refused(engine, lend, message):
    with pytest.raises(ValueError, match=message):
        engine.search("calf", lend=lend)


@pytest.mark.parametrize(
    "allowed",
    [np.ones(N - 1, dtype=bool), np.ones(N, dtype=int), np.ones((N, 1), dtype=bool)],
    ids=["short", "int", "2d"],
)
def test_bad_mask_is_refused(engine, allowed):
    with pytest.raises(ValueError, match="allowed must be a boolean array"):
        engine.search("calf", allowed=allowed)


@pytest.mark.parametrize(("kwargs", "message"), [({"mode": "vector"}, "unknown mode"), ({"k": 0}, "k must")])
def test_bad_arguments_are_refused(engine, kwargs, message):
    with pytest.raises(ValueError, match=message):
        engine.search("calf", **kwargs)


def test_k_limits_and_ties_go_by_doc_id():
    twins = Engine.build(["calf cramp", "knee", "calf cramp", "calf cramp", "hip"])
    assert ids(twins.search("cramp", k=2, mode="bm25")) == [0, 2]
    assert ids(twins.search("cramp", k=10, mode="tfidf")) == [0, 2, 3]


def test_query_terms(engine):
    assert engine.query_terms("Achilels tendon, tendon and wat pian") == [
        QueryTerm("achilels", "achilel", 0, 0.0, False, ("achill",)),
        QueryTerm("tendon", "tendon", 1, pytest.approx(okapi_idf(1)), True),
        QueryTerm("wat", "wat", 0, 0.0, False, ()),  # common English word: not respelled
        QueryTerm("pian", "pian", 0, 0.0, False, ("pain",)),
    ]


def test_words_in_capitals_are_not_respelled(engine):
    assert engine.query_terms("KNE knes")[0] == QueryTerm("kne", "kne", 0, 0.0, False, ())
    assert engine.query_terms("KNE knes")[1] == QueryTerm("knes", "knes", 0, 0.0, False, ("knee",))
    assert engine.query_terms("kne")[0].corrected_to == ("knee",)
    assert engine.search("KNE", mode="hybrid") == []
    assert ids(engine.search("kne", mode="hybrid")) == [4]


def test_a_question_shouted_in_capitals_is_respelled_like_lowercase(engine):
    assert engine.query_terms("KNES ACHILELS")[0].corrected_to == ("knee",)
    assert ids(engine.search("KNES ACHILELS", mode="hybrid")) == ids(engine.search("knes achilels", mode="hybrid"))
    assert engine.query_terms("KNE")[0].corrected_to == ()  # one word in capitals: maybe an acronym


def test_suggest(engine):
    assert engine.suggest("achilels") == ["achilles"]
    assert engine.suggest("Pian") == ["pain"]
    assert engine.suggest("kne") == ["knee"]
    assert engine.suggest("qwertyuiop") == []
    assert engine.suggest("two words") == []


def test_save_and_load_round_trip(engine, tmp_path):
    meta = engine.save(tmp_path)
    assert meta["counts"] == {"docs": N, "terms": engine.n_terms, "postings": int(engine._bm25.indptr[-1])}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(meta["files"])
    assert all(name.endswith(".npy") for name in meta["files"])
    loaded = Engine.load(tmp_path, meta)
    assert isinstance(loaded._bm25.data.base, np.memmap)  # a view of the mapped file, not a copy
    for mode in ("hybrid", "bm25", "tfidf"):
        for query in ("calf pain", "achilels tendn", "kneeinjuries", "muscle cramp"):
            assert loaded.search(query, k=N, mode=mode) == engine.search(query, k=N, mode=mode)
    assert loaded.query_terms("wat pian") == engine.query_terms("wat pian")
    assert loaded.suggest("achilels") == ["achilles"]
    assert Engine.load(tmp_path, meta, mmap=False).search("calf") == engine.search("calf")


def test_load_refuses_other_formats(engine, tmp_path):
    meta = engine.save(tmp_path)
    with pytest.raises(ValueError, match="format"):
        Engine.load(tmp_path, meta | {"format": 0})


def test_settings_round_trip_and_unknown_keys():
    s = EngineSettings(k1=1.2, hybrid_tfidf_weight=0.0)
    assert EngineSettings.from_dict(s.to_dict()) == s
    with pytest.raises(ValueError, match="unknown engine settings: nope"):
        EngineSettings.from_dict({"nope": 1})


def test_with_settings_changes_query_time_settings_only(engine):
    bm25_like = engine.with_settings(EngineSettings(hybrid_tfidf_weight=0.0))
    query = "calf muscle cramp"
    assert bm25_like.rank(query, mode="hybrid")[1].tolist() == engine.rank(query, mode="bm25")[1].tolist()
    no_spelling = engine.with_settings(EngineSettings(spelling=False))
    assert no_spelling.search("achilels tendn") == []
    with pytest.raises(ValueError, match="rebuild the index to change k1, glue"):
        engine.with_settings(EngineSettings(k1=1.2, glue=False))


def test_build_reports_progress():
    seen = []
    Engine.build(["calf"] * 1500, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1000, 1500), (1500, 1500)]


def test_unknown_stem_searches_longer_corpus_stems_in_hybrid_only():
    eng = Engine.build(["the pain is worsening at night", "pain at rest", "treatment options"])
    assert [h.doc for h in eng.search("worse pain", mode="hybrid")] == [0, 1]
    assert [h.doc for h in eng.search("worse pain", mode="bm25")] == [1, 0]
    worse = next(t for t in eng.query_terms("worse pain") if t.word == "worse")
    assert (worse.in_vocab, worse.corrected_to) == (False, ("worsen",))
    assert eng.with_settings(EngineSettings(variants=0)).query_terms("worse")[0].corrected_to == ()


def test_known_stems_are_not_widened():
    eng = Engine.build(["we treat it", "treatment options"])
    assert [h.doc for h in eng.search("treat", mode="hybrid")] == [0]


@pytest.mark.parametrize(
    "stem, longer, held",
    [
        ("calf", 0, [0, 1, 2, 5, 6]),  # 5: "ofcalf" repaired at build time
        ("cramp", 0, [0, 3]),  # cramp and cramps: one stem
        ("strength", 2, [6]),  # strengthen: two letters more
        ("strength", 1, []),  # ... not one
        ("muscl", 0, [0, 1, 3]),  # the stem itself, no longer stem needed
        ("musc", 1, [0, 1, 3]),
        ("musc", 0, []),  # not a stem of its own
        ("nope", 3, []),
    ],
)
def test_holding_lists_the_texts_that_say_a_stem_or_a_longer_one(engine, stem, longer, held):
    found = engine.holding(stem, longer)
    assert found.tolist() == held
    assert found.dtype == np.int32
