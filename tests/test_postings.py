"""qa.search.postings.top_k: the k best documents with score > 0, ordered by (-score, id), ties exact."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.search import postings
from qa.search.postings import top_k


def _reference(scores: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[list[int], list[float]]:
    ids = [i for i in range(len(scores)) if scores[i] > 0 and (allowed is None or allowed[i])]
    ids.sort(key=lambda i: (-scores[i], i))
    return ids[:k], [float(scores[i]) for i in ids[:k]]


def test_ties_at_the_cut_are_broken_by_id():
    scores = np.array([1.0, 3.0, 2.0, 3.0, 0.0, 2.0, -1.0])
    ids, vals = top_k(scores, 3)
    assert ids.tolist() == [1, 3, 2]
    assert vals.tolist() == [3.0, 3.0, 2.0]


def test_fewer_positive_scores_than_k_returns_only_those():
    ids, vals = top_k(np.array([0.0, -2.0, 5.0, 0.0]), 3)
    assert ids.tolist() == [2] and vals.tolist() == [5.0]


def test_a_mask_keeps_only_allowed_documents():
    ids, _ = top_k(np.array([4.0, 3.0, 2.0, 1.0]), 2, np.array([False, True, False, True]))
    assert ids.tolist() == [1, 3]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.0, 2.5]), min_size=1, max_size=40),
    st.integers(min_value=1, max_value=45),
    st.booleans(),
    st.randoms(use_true_random=False),
)
def test_equals_a_plain_sort(values, k, masked, rnd):
    scores = np.array(values)
    allowed = np.array([rnd.random() < 0.7 for _ in values]) if masked else None
    expected = _reference(scores, k, allowed)
    ids, vals = top_k(scores, k, allowed)  # small: one partition over the dense scores
    assert (ids.tolist(), vals.tolist()) == expected
    saved, postings.DENSE_TOP_K_MAX = postings.DENSE_TOP_K_MAX, 0  # as on a large index: filter first
    try:
        ids, vals = top_k(scores, k, allowed)
    finally:
        postings.DENSE_TOP_K_MAX = saved
    assert (ids.tolist(), vals.tolist()) == expected
