"""TF-IDF weights computed by scikit-learn (the only module that imports it): word-level over the shared
analyzer's counts, and character n-grams over the vocabulary for spelling repair."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from qa.search.postings import Postings


def word_weights(counts: Postings, sublinear: bool) -> tuple[np.ndarray, np.ndarray]:
    """(per-posting l2-normalised TF-IDF weight as float32, idf per term), sklearn's smooth idf."""
    from scipy.sparse import csc_matrix
    from sklearn.feature_extraction.text import TfidfTransformer

    if counts.n_terms == 0:  # no document has a kept word: nothing for sklearn to fit
        return np.zeros(0, dtype=np.float32), np.zeros(0)
    by_doc = csc_matrix((counts.data, counts.indices, counts.indptr), shape=(counts.n_docs, counts.n_terms))
    transformer = TfidfTransformer(sublinear_tf=sublinear, norm="l2", smooth_idf=True)
    weighted = transformer.fit_transform(by_doc.tocsr()).tocsc()
    weighted.sort_indices()
    if not np.array_equal(weighted.indptr, counts.indptr):  # sklearn keeps every posting (tf >= 1)
        raise AssertionError("TF-IDF sparsity pattern differs from the count postings")
    return weighted.data.astype(np.float32), transformer.idf_.astype(np.float64)


def query_weights(term_counts: dict[int, int], idf: np.ndarray, sublinear: bool) -> list[tuple[int, float]]:
    """(term id, weight) of a query vector exactly as sklearn's transform would weight it (l2 norm)."""
    pairs = [
        (t, ((1.0 + math.log(tf)) if sublinear else float(tf)) * float(idf[t])) for t, tf in sorted(term_counts.items())
    ]
    norm = math.sqrt(sum(w * w for _, w in pairs))
    return [(t, w / norm) for t, w in pairs] if norm > 0 else []


def char_ngrams(word: str, lo: int, hi: int) -> list[str]:
    """sklearn's `char_wb` n-grams of one word (padded with a space on each side)."""
    padded = f" {word} "
    out = []
    for n in range(lo, hi + 1):
        if len(padded) < n:
            break
        out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


def ngram_weights(words: Sequence[str], lo: int, hi: int) -> tuple[Postings, list[str], np.ndarray]:
    """Char n-gram TF-IDF of `words`: postings n-gram -> word, the sorted n-grams and their idf."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not words:
        empty = Postings(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32), 0)
        return empty, [], np.zeros(0)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(lo, hi), lowercase=False, dtype=np.float32, norm="l2")
    matrix = vectorizer.fit_transform(list(words)).tocsc()
    matrix.sort_indices()
    postings = Postings(matrix.indptr.astype(np.int64), matrix.indices.astype(np.int32), matrix.data, len(words))
    return postings, list(vectorizer.get_feature_names_out()), vectorizer.idf_.astype(np.float64)
