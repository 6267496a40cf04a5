"""Spelling repair over the corpus's own surface words: a char n-gram shortlist, then the
optimal-string-alignment edit distance (a swap of neighbours costs 1) from rapidfuzz."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from rapidfuzz.distance import OSA

from qa.search.postings import Postings
from qa.search.tfidf import char_ngrams
from qa.search.vocabulary import Vocabulary

SHORTLIST = 30
COMMON_NGRAM = 0.05


def max_distance(word: str) -> int:
    """Edits allowed for a word of this length: 1 up to 5 letters, 2 beyond."""
    return 1 if len(word) <= 5 else 2


@dataclass
class Speller:
    """The corpus's alphabetic surface words, their counts, stems and a char n-gram index over them."""

    words: Vocabulary  # surface words (stop words included)
    freq: np.ndarray  # int64 occurrences per surface word
    stem_of: np.ndarray  # int32 term id of each surface word's stem, -1 for stop words
    ngrams: Postings  # n-gram -> surface word, l2-normalised TF-IDF
    ngram_vocab: Vocabulary
    ngram_idf: np.ndarray
    ngram_range: tuple[int, int]
    _gram_ids: dict[str, int] | None = field(default=None, repr=False)

    def shortlist(self, word: str) -> np.ndarray:
        """Ids of the surface words most similar to `word` by char n-gram cosine (best first); n-grams
        shared by more than COMMON_NGRAM of the words are skipped for words of 6+ letters (speed)."""
        if self._gram_ids is None:
            self._gram_ids = {self.ngram_vocab.term(i): i for i in range(len(self.ngram_vocab))}
        counts: dict[int, int] = {}
        for g in char_ngrams(word, *self.ngram_range):
            gid = self._gram_ids.get(g)
            if gid is not None:
                counts[gid] = counts.get(gid, 0) + 1
        indptr = self.ngrams.indptr
        if len(word) >= 6:
            cap = COMMON_NGRAM * self.ngrams.n_docs
            counts = {g: c for g, c in counts.items() if indptr[g + 1] - indptr[g] <= cap} or counts
        if not counts:
            return np.zeros(0, dtype=np.int64)
        gids = sorted(counts)
        scores = self.ngrams.scores_many(
            gids, [(self.ngrams.data, [counts[g] * float(self.ngram_idf[g]) for g in gids])]
        )[0]
        ids = np.flatnonzero(scores > 0)
        if len(ids) > SHORTLIST:
            ids = ids[np.argpartition(-scores[ids], SHORTLIST - 1)[:SHORTLIST]]
        return ids[np.lexsort((ids, -scores[ids]))]

    def near(self, word: str, limit: int | None = None) -> list[tuple[int, int]]:
        """(edit distance, surface word id) of close corpus words other than `word`, best first."""
        limit = max_distance(word) if limit is None else limit
        out = []
        for i in self.shortlist(word):
            cand = self.words.term(int(i))
            if cand == word:
                continue
            d = OSA.distance(word, cand, score_cutoff=limit)
            if d <= limit:
                out.append((d, int(i)))
        out.sort(key=lambda di: (di[0], -int(self.freq[di[1]]), di[1]))
        return out
