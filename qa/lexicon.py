"""A corpus's own vocabulary: how often each word occurs intact (as a whole token) in the corpus.

Repair needs it (a word that occurs intact elsewhere in the same corpus is the strongest evidence a
token is a word, not glue), so reading a corpus is two passes: pass 1 counts the words of every file,
pass 2 repairs each file consulting the counts. A file's repair depends on the counts of only the
few words it looks up (its glued-looking tokens and their candidate parts): `Recording` notes them,
so a per-file cache can keep a file's result while those counts are unchanged.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_EDGE = "()[]{}<>\"'“”‘’.,;:!?*"


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
        """Count the intact words of `texts`: whitespace-delimited chunks, edge punctuation removed,
        made of letters only (`non-smokers`, `x2`, `json.loads` count as no word)."""
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(w.lower() for w in (c.strip(_EDGE) for c in text.split()) if w.isalpha() and w.isascii())
        return cls(dict(counts))

    def count(self, word: str) -> int:
        """Occurrences of the lowercase `word` as a whole token (0 when it never occurs)."""
        return self.counts.get(word, 0)

    def digest(self) -> str:
        """A fingerprint of the counts (same counts, same digest)."""
        h = hashlib.sha256()
        for word in sorted(self.counts):
            h.update(f"{word}\t{self.counts[word]}\n".encode())
        return h.hexdigest()


class Recording(Lexicon):
    """A Lexicon view that remembers every word looked up and the count it answered."""

    def __init__(self, lexicon: Lexicon) -> None:
        object.__setattr__(self, "counts", lexicon.counts)
        object.__setattr__(self, "total", lexicon.total)
        object.__setattr__(self, "consulted", {})

    def count(self, word: str) -> int:
        n = self.counts.get(word, 0)
        self.consulted[word] = n  # type: ignore[attr-defined]
        return n
