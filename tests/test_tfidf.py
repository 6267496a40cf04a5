"""TF-IDF: our postings and query weights equal scikit-learn's TfidfVectorizer; char_wb n-grams too."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from qa.search.postings import count_postings
from qa.search.tfidf import char_ngrams, ngram_weights, query_weights, word_weights

DOCS = [["calf", "pain", "pain"], ["achill", "tendon"], ["calf", "cramp", "calf", "calf"], ["pain"]]


def postings():
    terms = sorted({t for d in DOCS for t in d})
    ids = {t: i for i, t in enumerate(terms)}
    counts, _ = count_postings([[ids[t] for t in d] for d in DOCS], len(terms))
    return counts, ids


@pytest.mark.parametrize("sublinear", [True, False])
def test_word_weights_equal_sklearn(sublinear):
    counts, ids = postings()
    data, idf = word_weights(counts, sublinear)
    vec = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=sublinear)
    expected = vec.fit_transform(DOCS).toarray()
    assert [vec.vocabulary_[t] for t in sorted(ids)] == [ids[t] for t in sorted(ids)]
    np.testing.assert_allclose(idf, vec.idf_)
    for t in range(counts.n_terms):
        dense = counts.with_data(data).scores([(t, 1.0)])
        np.testing.assert_allclose(dense, expected[:, t], rtol=1e-6)


@pytest.mark.parametrize("sublinear", [True, False])
@pytest.mark.parametrize("query", [["calf"], ["calf", "calf", "pain"], ["tendon", "cramp", "cramp"]])
def test_query_weights_equal_sklearn_transform(sublinear, query):
    counts, ids = postings()
    _, idf = word_weights(counts, sublinear)
    vec = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=sublinear).fit(DOCS)
    expected = vec.transform([query]).toarray()[0]
    ours = np.zeros(len(ids))
    for t, w in query_weights(Counter(ids[t] for t in query), idf, sublinear):
        ours[t] = w
    np.testing.assert_allclose(ours, expected, rtol=1e-12)


def test_query_without_terms_has_no_weights():
    assert query_weights(Counter(), np.array([1.0]), True) == []


@pytest.mark.parametrize("word", ["a", "ab", "calf", "gastrocnemius"])
@pytest.mark.parametrize(("lo", "hi"), [(1, 3), (2, 3), (2, 5), (3, 3)])
def test_char_ngrams_equal_sklearn_char_wb(word, lo, hi):
    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=(lo, hi)).build_analyzer()
    assert char_ngrams(word, lo, hi) == analyzer(word)


def test_ngram_weights_rank_the_closest_word_first():
    words = ["calf", "call", "pain", "paint"]
    grams, names, idf = ngram_weights(words, 2, 3)
    assert names == sorted(names) and len(names) == len(idf) == grams.n_terms
    index = {g: i for i, g in enumerate(names)}
    query = Counter(index[g] for g in char_ngrams("paim", 2, 3) if g in index)
    scores = grams.scores((g, c * idf[g]) for g, c in query.items())
    assert list(np.argsort(-scores, kind="stable")) == [2, 3, 0, 1]
