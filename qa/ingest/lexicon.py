"""A corpus's own vocabulary: how often each word occurs intact (as a whole token) in the corpus.

Repair needs it (a word that occurs intact elsewhere in the same corpus is the strongest evidence a
token is a word, not glue), so reading a corpus is two passes: pass 1 counts the words of every file,
pass 2 repairs each file consulting the counts. A file's repair depends on the corpus only through the
answers of `count(word)` for the few words it looks up (its glued-looking tokens and their candidate
parts) and of `scale()`: `Recording` notes every question and answer, and `agrees` tells whether another
lexicon gives the same answers. Repair being a deterministic function of the file and those answers, a
file's cached result is the result a build from nothing would compute as long as `agrees` holds.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_EDGE = "()[]{}<>\"'“”‘’.,;:!?*"
SCALE = ""  # the key under which Recording notes the answer of scale() (no word is empty)


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

    def scale(self) -> int:
        """The corpus size word frequencies are taken relative to: the total rounded to a power of two (on a
        log scale), so adding a file does not change every other file's repair (nor void its cached result)
        unless the corpus grows or shrinks by about half."""
        return 1 << max(0, round(math.log2(max(1, self.total))))

    def agrees(self, consulted: Mapping[str, int]) -> bool:
        """Whether this lexicon gives every answer in `consulted` (a Recording's notes): then repair does
        exactly what it did with the lexicon that was recorded."""
        return all((self.scale() if word == SCALE else self.count(word)) == n for word, n in consulted.items())


@dataclass(frozen=True)
class Recording(Lexicon):
    """A Lexicon that notes every question asked (count(word), scale()) and the answer it gave."""

    consulted: dict[str, int] = field(default_factory=dict)  # filled as repair asks (mutable on purpose)

    @classmethod
    def of(cls, lexicon: Lexicon) -> Recording:
        return cls(lexicon.counts, lexicon.total)

    def count(self, word: str) -> int:
        n = self.counts.get(word, 0)
        self.consulted[word] = n
        return n

    def scale(self) -> int:
        n = super().scale()
        self.consulted[SCALE] = n
        return n
