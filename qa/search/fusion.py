"""Combining rankers into one score: the hybrid weight of each posting."""

from __future__ import annotations

import numpy as np


def linear_weights(bm25_data: np.ndarray, tfidf_data: np.ndarray, tfidf_idf: np.ndarray, weight: float) -> np.ndarray:
    """Per-posting hybrid weight bm25 + weight * idf * tfidf, so that a query's hybrid score is
    BM25(q, d) + weight * sum_t count_t * idf_t * tfidf(t, d) (a TF-IDF dot product with an
    unnormalised tf-idf query vector) and costs one scatter-add, like BM25 alone."""
    return (bm25_data + weight * tfidf_idf * tfidf_data).astype(np.float32)
