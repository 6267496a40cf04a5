"""BM25 parity: our precomputed weights give exactly rank-bm25's BM25Okapi scores."""

from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from qa.search.bm25 import okapi_idf, okapi_weights
from qa.search.postings import count_postings

CORPORA = {
    "small": [
        ["calf", "pain", "strain"],
        ["achill", "tendon", "ruptur"],
        ["calf", "calf", "cramp"],
        ["heel"],
    ],
    # most terms occur in more than half of the documents: negative idf, floored to epsilon * mean idf
    "negative idf": [["a", "b"], ["a", "b", "c"], ["a", "c"], ["a", "b", "d"], ["b", "a", "a"]],
    "with empty doc": [["x", "y"], [], ["y", "y", "z"], ["x"]],
}


def random_corpus(seed: int, n_docs: int = 60, vocab: int = 25) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    return [[f"t{int(t)}" for t in rng.zipf(1.6, rng.integers(1, 30)) % vocab] for _ in range(n_docs)]


def our_scores(corpus, query, k1=1.5, b=0.75, epsilon=0.25) -> np.ndarray:
    terms = sorted({t for doc in corpus for t in doc})
    ids = {t: i for i, t in enumerate(terms)}
    counts, doc_len = count_postings([[ids[t] for t in doc] for doc in corpus], len(terms))
    data, _ = okapi_weights(counts, doc_len, k1, b, epsilon)
    pairs: dict[int, float] = {}
    for t in query:
        if t in ids:
            pairs[ids[t]] = pairs.get(ids[t], 0.0) + 1.0
    return counts.with_data(data).scores(pairs.items())


QUERIES = [["calf"], ["calf", "calf", "pain"], ["a"], ["a", "b", "d"], ["y", "z", "x", "y"], ["missing"], []]


@pytest.mark.parametrize("name", sorted(CORPORA))
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: "+".join(q) or "empty")
def test_parity_on_small_corpora(name, query):
    corpus = CORPORA[name]
    expected = BM25Okapi(corpus).get_scores(query)
    np.testing.assert_allclose(our_scores(corpus, query), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("k1", "b", "epsilon"), [(1.5, 0.75, 0.25), (0.9, 0.4, 0.5), (2.0, 1.0, 0.0)])
def test_parity_on_random_corpora(seed, k1, b, epsilon):
    corpus = random_corpus(seed)
    reference = BM25Okapi(corpus, k1=k1, b=b, epsilon=epsilon)
    rng = np.random.default_rng(seed + 100)
    for _ in range(10):
        query = [f"t{int(t)}" for t in rng.integers(0, 30, rng.integers(1, 6))]
        ours = our_scores(corpus, query, k1, b, epsilon)
        np.testing.assert_allclose(ours, reference.get_scores(query), rtol=1e-6, atol=1e-6)


def test_negative_idf_is_floored_like_rank_bm25():
    corpus = CORPORA["negative idf"]
    reference = BM25Okapi(corpus)
    df = np.array([5.0, 4.0, 2.0, 1.0])  # a, b, c, d
    np.testing.assert_allclose(okapi_idf(df, 5, 0.25), [reference.idf[t] for t in "abcd"], rtol=1e-12)
    assert reference.idf["a"] == reference.idf["b"] == 0.25 * reference.average_idf


def test_duplicated_query_token_counts_twice():
    corpus = CORPORA["small"] + [["knee"], ["hip"]]  # calf in 2 of 6 documents: idf > 0
    once, twice = our_scores(corpus, ["calf"]), our_scores(corpus, ["calf", "calf"])
    np.testing.assert_allclose(twice, 2 * once, rtol=1e-6)
    assert once[2] > once[0] > 0 == once[1] == once[3]  # tf 2 beats tf 1; no calf, no score
