"""A corpus's own vocabulary: how often each word occurs intact (as a whole token) in the corpus.

Repair needs it (a word that occurs intact elsewhere in the same corpus is the strongest evidence a
token is a word, not glue), so reading a corpus is two passes: pass 1 counts the words of every file,
pass 2 repairs each file consulting the counts. A file's repair depends on the corpus only through the
answers of `count(word)` for the few words it looks up (its glued-looking tokens and their candidate
parts) and of `scale()`. Most questions are thresholds (`at_least(word, k)`: does the corpus write it k times?),
so `Recording` notes for every word asked about the range of counts that gives all its answers again ([k, ∞) or
[0, k-1]; one count when the exact `count(word)` was asked), and `agrees` tells whether another lexicon's counts lie
in every range. Repair being a deterministic function of the file and those answers, a file's cached result is
the result a build from nothing would compute as long as `agrees` holds; an edit elsewhere that moves a word's
count within its range (a sentence adding one more `to` to a corpus that has 16,926) leaves the file alone.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_EDGE = "()[]{}<>\"'“”‘’.,;:!?*"
SCALE = ""  # the key under which Recording notes the answer of scale() (no word is empty)
UNBOUNDED = -1  # the upper end of a range of counts that has none


def words_of(text: str) -> Counter[str]:
    """The intact words of `text` with their counts: whitespace-delimited chunks, edge punctuation removed,
    made of ASCII letters only, lowercased (`non-smokers`, `x2`, `json.loads` count as no word)."""
    return Counter(w.lower() for w in (c.strip(_EDGE) for c in text.split()) if w.isalpha() and w.isascii())


@dataclass(frozen=True)
class Lexicon:
    """Lowercase alphabetic words -> how many times each occurs as a whole token."""

    counts: Mapping[str, int] = field(default_factory=dict)
    total: int = -1  # the sum of the counts (computed when not given)

    def __post_init__(self) -> None:
        if self.total < 0:
            object.__setattr__(self, "total", sum(self.counts.values()))

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Lexicon:
        """Count the intact words of `texts` (see `words_of`)."""
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(words_of(text))
        return cls(dict(counts))

    @classmethod
    def from_counts(cls, parts: Iterable[Iterable[tuple[str, int]]]) -> Lexicon:
        """The sum of per-file (word, count) pairs (pass 1 of a build, one part per file)."""
        counts: Counter[str] = Counter()
        for part in parts:
            for word, n in part:
                counts[word] += n
        return cls(dict(counts))

    def count(self, word: str) -> int:
        """Occurrences of the lowercase `word` as a whole token (0 when it never occurs)."""
        return self.counts.get(word, 0)

    def at_least(self, word: str, k: int) -> bool:
        """Whether the lowercase `word` occurs as a whole token `k` times or more (`count(word) >= k`)."""
        return self.counts.get(word, 0) >= k

    def zipf(self, word: str, tolerance: float = 0.0) -> float:
        """The Zipf frequency of the lowercase `word` in the corpus: log10 of its occurrences per 10^9 words of
        `scale()`, 0.0 when it never occurs. A caller whose decision would stand if the value moved by up to
        `tolerance` says so: a Recording then notes the range of counts that keeps the value that close."""
        n = self.counts.get(word, 0)
        return math.log10(n / self.scale()) + 9 if n else 0.0

    def scale(self) -> int:
        """The corpus size word frequencies are taken relative to: the total rounded to a power of two (on a
        log scale), so adding a file does not change every other file's repair (nor void its cached result)
        unless the corpus grows or shrinks by about half."""
        return 1 << max(0, round(math.log2(max(1, self.total))))

    def agrees(self, consulted: Mapping[str, tuple[int, int]]) -> bool:
        """Whether this lexicon gives every answer in `consulted` (a Recording's notes: word -> the range
        [low, high] its count must lie in, high UNBOUNDED for none; SCALE -> the scale): then repair does exactly
        what it did with the lexicon that was recorded."""
        for word, (low, high) in consulted.items():
            n = self.scale() if word == SCALE else self.counts.get(word, 0)
            if n < low or (high != UNBOUNDED and n > high):
                return False
        return True


@dataclass(frozen=True)
class Recording(Lexicon):
    """A Lexicon that notes every question asked (count, at_least, scale) as the range of answers that gives
    the same answers: word -> (low, high), the narrowest range every question about it allows."""

    consulted: dict[str, tuple[int, int]] = field(default_factory=dict)  # filled as repair asks (mutable on purpose)

    @classmethod
    def of(cls, lexicon: Lexicon) -> Recording:
        return cls(lexicon.counts, lexicon.total)

    def _note(self, word: str, low: int, high: int) -> None:
        known = self.consulted.get(word)
        if known is not None:  # both ranges hold the true count: their intersection does too
            low = max(low, known[0])
            high = known[1] if high == UNBOUNDED else high if known[1] == UNBOUNDED else min(high, known[1])
        self.consulted[word] = (low, high)

    def count(self, word: str) -> int:
        n = self.counts.get(word, 0)
        self._note(word, n, n)
        return n

    def at_least(self, word: str, k: int) -> bool:
        n = self.counts.get(word, 0)
        if n >= k:
            self._note(word, k, UNBOUNDED)
        else:
            self._note(word, 0, k - 1)
        return n >= k

    def zipf(self, word: str, tolerance: float = 0.0) -> float:
        value = super().zipf(word, tolerance)  # notes the scale
        n = self.counts.get(word, 0)
        if n == 0 or tolerance <= 0.0:
            self._note(word, n, n)
        elif tolerance != math.inf:  # any count m with |log10(m / n)| <= tolerance (no bound past 10^15 n)
            high = UNBOUNDED if tolerance >= 15 else math.floor(n * 10**tolerance)
            self._note(word, max(1, math.ceil(n * 10**-tolerance)), high)
        return value

    def scale(self) -> int:
        n = super().scale()
        self._note(SCALE, n, n)
        return n
