"""Term-major sparse matrices (CSR rows = terms, columns = documents) and fast top-k over them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

BLOCK_POSTINGS = 2_000_000  # postings weighed at a time by `row_blocks` callers (~100 MB of float64 temporaries)


@dataclass(frozen=True)
class Postings:
    """A term x document matrix as raw CSR arrays; rows are read directly, never sliced by scipy."""

    indptr: np.ndarray  # int64, n_terms + 1
    indices: np.ndarray  # int32 document ids, sorted within each row
    data: np.ndarray  # float32 weights
    n_docs: int

    @cached_property
    def row_bounds(self) -> list[int]:
        """indptr as Python ints: a query reads a few rows, and numpy indexing per row costs more."""
        return self.indptr.tolist()

    @property
    def n_terms(self) -> int:
        return len(self.indptr) - 1

    def df(self) -> np.ndarray:
        """Documents per term (the row lengths)."""
        return np.diff(self.indptr)

    def row_blocks(self, postings: int | None = None) -> Iterator[tuple[int, int, np.ndarray]]:
        """Consecutive term ranges as (first posting, end posting, term id of each of those postings), each
        range about `postings` (default BLOCK_POSTINGS) long, one term's row never split: per-posting weights
        computed a block at a time need temporaries of one block, not of the whole corpus."""
        postings = BLOCK_POSTINGS if postings is None else postings
        t = 0
        while t < self.n_terms:
            lo = int(self.indptr[t])
            end = max(int(np.searchsorted(self.indptr, lo + postings, side="right")) - 1, t + 1)
            end = min(end, self.n_terms)
            hi = int(self.indptr[end])
            yield lo, hi, np.repeat(np.arange(t, end), np.diff(self.indptr[t : end + 1]))
            t = end

    def with_data(self, data: np.ndarray) -> Postings:
        """The same sparsity pattern carrying other weights (BM25 and TF-IDF share one pattern)."""
        return Postings(self.indptr, self.indices, data, self.n_docs)

    def scores(self, weighted_terms: Iterable[tuple[int, float]]) -> np.ndarray:
        """Dense float64 scores: the sum over (term id, weight) of weight * that term's row."""
        pairs = list(weighted_terms)
        return self.scores_many([t for t, _ in pairs], [(self.data, [w for _, w in pairs])])[0]

    def scores_many(
        self, terms: Sequence[int], weightings: Sequence[tuple[np.ndarray, Sequence[float]]]
    ) -> list[np.ndarray]:
        """One dense score array per (data array sharing this pattern, weight per term): the rows are
        gathered once, then each weighting is one scatter-add in C (np.bincount)."""
        if not terms:
            return [np.zeros(self.n_docs) for _ in weightings]
        ip = self.row_bounds
        bounds = [(ip[t], ip[t + 1]) for t in terms]
        starts, ends = [a for a, _ in bounds], [b for _, b in bounds]
        rows = np.concatenate([self.indices[a:b] for a, b in bounds])
        out = []
        for data, weights in weightings:
            values = np.concatenate([data[a:b] for a, b in bounds])
            if any(w != 1.0 for w in weights):
                values = values * np.repeat(np.asarray(weights, dtype=np.float32), np.subtract(ends, starts))
            out.append(np.bincount(rows, values, minlength=self.n_docs))
        return out

    def scores_at(
        self, terms: Sequence[int], weightings: Sequence[tuple[np.ndarray, Sequence[float]]], docs: np.ndarray
    ) -> list[np.ndarray]:
        """Like `scores_many`, but only for the documents `docs`: a binary search per term row, so
        the cost does not grow with the number of documents in the index."""
        docs = np.asarray(docs, dtype=self.indices.dtype)
        out = [np.zeros(len(docs)) for _ in weightings]
        for j, t in enumerate(terms):
            a, b = int(self.indptr[t]), int(self.indptr[t + 1])
            pos = np.searchsorted(self.indices[a:b], docs)
            hit = pos < b - a
            hit[hit] = self.indices[a + pos[hit]] == docs[hit]
            for acc, (data, weights) in zip(out, weightings, strict=True):
                acc[hit] += data[a + pos[hit]] * weights[j]
        return out


def count_postings(docs: Sequence[Sequence[int]], n_terms: int) -> tuple[Postings, np.ndarray]:
    """Term-frequency postings of documents given as term-id lists, and each document's length."""
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    terms = np.fromiter((t for d in docs for t in d), dtype=np.int64, count=int(lengths.sum()))
    doc_ids = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
    return count_postings_flat(terms, doc_ids, len(docs), n_terms)


def count_postings_flat(
    terms: np.ndarray, doc_ids: np.ndarray, n_docs: int, n_terms: int
) -> tuple[Postings, np.ndarray]:
    """`count_postings` over all tokens at once: token i is term `terms[i]` in document `doc_ids[i]`."""
    key = terms.astype(np.int64) * n_docs + doc_ids
    key.sort()  # sorted by (term, doc); runs of equal keys are the term frequencies
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
    uniq, tf = key[starts], np.diff(np.r_[starts, len(key)])
    row, col = np.divmod(uniq, max(n_docs, 1))
    indptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n_terms), out=indptr[1:])
    postings = Postings(indptr, col.astype(np.int32), tf.astype(np.float32), n_docs)
    return postings, np.bincount(doc_ids, minlength=n_docs).astype(np.int64)


# Tokens counted at a time by `count_postings_runs`: its temporaries (a sort key per token, ~30 bytes a token)
# stay near 0.1 GB whatever the corpus size, where `count_postings_flat` over all tokens of 4 M synthetic
# passages (bench/scale.py) needed ~6 GB beyond its input.
RUN_CHUNK_TOKENS = 4_000_000


def count_postings_runs(
    tokens: np.ndarray, lengths: np.ndarray, term_of: np.ndarray, n_terms: int, chunk_tokens: int | None = None
) -> tuple[Postings, np.ndarray]:
    """`count_postings_flat` of documents stored back to back: document i is the next `lengths[i]` entries of
    `tokens`, token x counting as term `term_of[x]` (-1: not indexed). The same arrays, but built a chunk of
    documents at a time (`chunk_tokens`, default RUN_CHUNK_TOKENS), so that beyond `tokens` and the result no
    array is as long as the corpus: each chunk's (term, document) pairs are sorted and counted, then every
    chunk's postings are copied behind the earlier chunks' in each term's row (later chunks hold later
    documents, so each row stays sorted by document)."""
    chunk_tokens = RUN_CHUNK_TOKENS if chunk_tokens is None else chunk_tokens
    n_docs = len(lengths)
    ends = np.cumsum(lengths, dtype=np.int64)
    doc_len = np.zeros(n_docs, dtype=np.int64)
    df = np.zeros(n_terms, dtype=np.int64)
    pieces = []  # per chunk: (postings per term, document ids int32, term frequencies float32), by (term, doc)
    first = 0
    while first < n_docs:
        start = int(ends[first - 1]) if first else 0
        last = max(int(np.searchsorted(ends, start + chunk_tokens, side="right")), first + 1)
        terms = term_of[tokens[start : int(ends[last - 1])]]
        docs = np.repeat(np.arange(first, last, dtype=np.int32), lengths[first:last])
        keep = terms >= 0
        terms, docs = terms[keep], docs[keep]
        doc_len[first:last] = np.bincount(docs - first, minlength=last - first)
        key = terms.astype(np.int64) * n_docs + docs
        del terms, docs, keep
        key.sort()
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
        tf = np.diff(np.r_[starts, len(key)]).astype(np.float32)
        row, col = np.divmod(key[starts], max(n_docs, 1))
        del key, starts
        counts = np.bincount(row, minlength=n_terms).astype(np.int32)
        df += counts
        pieces.append((counts, col.astype(np.int32), tf))
        del row, col
        first = last
    indptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    data = np.empty(int(indptr[-1]), dtype=np.float32)
    written = indptr[:-1].copy()  # where each term's next posting goes
    pieces.reverse()
    while pieces:
        counts, col, tf = pieces.pop()
        row = np.repeat(np.arange(n_terms), counts)
        run_start = np.cumsum(counts) - counts  # first position of each term's run in this chunk
        at = written[row] + (np.arange(len(row), dtype=np.int64) - run_start[row])
        indices[at], data[at] = col, tf
        written += counts
    return Postings(indptr, indices, data, n_docs), doc_len


DENSE_TOP_K_MAX = 32_768  # documents: above this, top_k filters the scoring documents first


def top_k(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Ids and scores of the k best documents with score > 0, sorted by (-score, id)."""
    if allowed is None and 0 < k < len(scores) <= DENSE_TOP_K_MAX:
        # One partition over the dense scores finds the k-th best; every document at least that good
        # (ties included, so the id tie-break is exact) is then sorted. On small indexes (SciFact: half
        # the documents score) this beats filtering > 0 first; on large ones few score, so filter.
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        ids = np.flatnonzero(scores >= kth) if kth > 0 else np.flatnonzero(scores > 0)
    else:
        ids = np.flatnonzero(scores > 0)
        if allowed is not None:
            ids = ids[allowed[ids]]
    vals = scores[ids]
    if len(ids) > k:
        kth = -np.partition(-vals, k - 1)[k - 1]
        keep = vals >= kth  # every tie of the k-th score stays, so the id tie-break is exact
        ids, vals = ids[keep], vals[keep]
    order = np.argsort(-vals, kind="stable")[:k]  # ids ascend, so a stable sort breaks ties by id
    return ids[order], vals[order]
