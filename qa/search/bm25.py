"""BM25 Okapi term weights equal to rank-bm25's `BM25Okapi` (same k1, b, epsilon floor), precomputed
per (term, document) so that a query is a sum of rows."""

from __future__ import annotations

import numpy as np

from qa.search.postings import Postings


def okapi_idf(df: np.ndarray, n_docs: int, epsilon: float) -> np.ndarray:
    """rank-bm25's idf: log((N - df + 0.5) / (df + 0.5)); negative values become epsilon * mean idf."""
    idf = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
    if len(idf):
        floor = epsilon * (idf.sum() / len(idf))
        idf = np.where(idf < 0, floor, idf)
    return idf


def okapi_weights(
    counts: Postings, doc_len: np.ndarray, k1: float, b: float, epsilon: float
) -> tuple[np.ndarray, np.ndarray]:
    """(per-posting BM25 weight as float32, idf per term) for term-frequency postings `counts`."""
    idf = okapi_idf(counts.df().astype(np.float64), counts.n_docs, epsilon)
    avgdl = doc_len.sum() / max(counts.n_docs, 1)
    weights = np.empty(len(counts.data), dtype=np.float32)
    for lo, hi, term_of_posting in counts.row_blocks():  # float64 temporaries of one block, not of the corpus
        tf = counts.data[lo:hi].astype(np.float64)
        norm = k1 * (1 - b + b * doc_len[counts.indices[lo:hi]] / (avgdl if avgdl > 0 else 1.0))
        weights[lo:hi] = idf[term_of_posting] * (tf * (k1 + 1) / (tf + norm))
    return weights, idf
