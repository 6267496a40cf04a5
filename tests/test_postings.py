"""qa.search.postings.top_k: the k best documents with score > 0, ordered by (-score, id), ties exact."""

from __future__ import annotations

import numpy as np
import pytest
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


# Documents back to back as surface ids; surface 4 is a stop word (term -1). Document 2 is empty, document 3 holds
# only the stop word, document 5 is longer than a chunk of 3 tokens.
RUN_TOKENS = np.array([0, 1, 0, 2, 4, 1, 4, 4, 3, 3, 0, 1, 2, 3, 0, 0, 4, 2], dtype=np.intc)
RUN_LENGTHS = np.array([3, 3, 0, 2, 2, 7, 1], dtype=np.int64)
RUN_TERM_OF = np.array([2, 0, 1, 3, -1], dtype=np.int32)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 100])
def test_counting_in_runs_equals_counting_all_tokens_at_once(chunk):
    from qa.search.postings import count_postings_flat, count_postings_runs

    docs = np.repeat(np.arange(len(RUN_LENGTHS)), RUN_LENGTHS)
    terms = RUN_TERM_OF[RUN_TOKENS]
    flat, flat_len = count_postings_flat(terms[terms >= 0], docs[terms >= 0], len(RUN_LENGTHS), 4)
    runs, runs_len = count_postings_runs(RUN_TOKENS, RUN_LENGTHS, RUN_TERM_OF, 4, chunk_tokens=chunk)
    assert runs.indptr.tolist() == [0, 3, 6, 8, 10]
    assert runs.indices.tolist() == [0, 1, 5, 1, 5, 6, 0, 5, 4, 5]
    assert runs.data.tolist() == [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 2.0, 1.0]
    assert runs_len.tolist() == [3, 2, 0, 0, 2, 6, 1]
    for a, b in (
        (flat.indptr, runs.indptr),
        (flat.indices, runs.indices),
        (flat.data, runs.data),
        (flat_len, runs_len),
    ):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    assert runs.n_docs == 7


def test_counting_in_runs_of_no_documents():
    from qa.search.postings import count_postings_runs

    runs, doc_len = count_postings_runs(np.zeros(0, dtype=np.intc), np.zeros(0, dtype=np.int64), RUN_TERM_OF, 4)
    assert runs.indptr.tolist() == [0, 0, 0, 0, 0] and len(runs.indices) == 0 and len(doc_len) == 0


@pytest.mark.parametrize(
    ("size", "blocks"),
    [
        (1, [(0, 3), (3, 6), (6, 8), (8, 10)]),
        (4, [(0, 3), (3, 6), (6, 10)]),
        (5, [(0, 3), (3, 8), (8, 10)]),
        (100, [(0, 10)]),
    ],
)
def test_row_blocks_cover_every_posting_once_and_never_split_a_row(size, blocks):
    from qa.search.postings import count_postings_runs

    runs, _ = count_postings_runs(RUN_TOKENS, RUN_LENGTHS, RUN_TERM_OF, 4)
    found = list(runs.row_blocks(size))
    assert [(lo, hi) for lo, hi, _ in found] == blocks
    assert np.concatenate([t for _, _, t in found]).tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 3, 3]
