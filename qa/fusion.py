"""Combining rankers' dense score arrays into one, deterministically."""

from __future__ import annotations

import numpy as np


def max_normalised_sum(bm25: np.ndarray, tfidf: np.ndarray | None, alpha: float) -> np.ndarray:
    """bm25 / max(bm25) + alpha * tfidf / max(tfidf): BM25 decides, TF-IDF breaks near-ties and
    rescues documents BM25 scores zero (each part in [0, 1])."""
    top = float(bm25.max()) if len(bm25) else 0.0
    out = bm25 * (1.0 / top) if top > 0 else np.zeros_like(bm25)
    top = float(tfidf.max()) if tfidf is not None and len(tfidf) and alpha > 0 else 0.0
    if top > 0:
        out += tfidf * (alpha / top)
    return out


def ranks(ids: np.ndarray) -> dict[int, int]:
    """1-based rank of each of `ids` (already sorted by (-score, id)) in that order."""
    return {int(d): r for r, d in enumerate(ids, start=1)} if len(ids) else {}


def reciprocal_rank(rankings: list[np.ndarray], n_docs: int, k: int = 60) -> np.ndarray:
    """Reciprocal rank fusion: sum over rankings of 1 / (k + rank) (rankings sorted best first)."""
    out = np.zeros(n_docs, dtype=np.float64)
    for ids in rankings:
        out[ids] += 1.0 / (k + np.arange(1, len(ids) + 1, dtype=np.float64))
    return out
