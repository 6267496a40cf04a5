"""The one text analyzer (NFKC, lowercase, word tokens, English stop words, Snowball stems) used by
every ranker at index and at query time; its settings are stored with the index."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from qa.util.lru import ByteLRU, MiB

TOKEN_PATTERN = r"[^\W_]+"
NAME = "nfkc-lower-words-sklearn-stop-snowball-english"
VERSION = 2  # 2: a CamelCase word also yields its parts (getElementById -> getelementbyid get element by id)
# CamelCase: a lowercase letter, then a capital starting a lowercase run (someException, GitHub), with at
# least two parts of 2+ lowercase letters, so scientific names (mRNA, IgG, NFkappaB, siRNA) stay whole.
_CAMEL = re.compile(r"[a-z][A-Z][a-z]")
_CAMEL_WORD = re.compile(r"[A-Z]?[a-z]{2,}")
_CAMEL_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
# A whole word token holding a CamelCase join: a match starts where its token starts (a token without the join
# fails from every start) and its greedy ends reach the token's ends.
_CAMEL_TOKEN = re.compile(r"[^\W_]*[a-z][A-Z][a-z][^\W_]*")
_CACHE_LIMIT = 500_000  # distinct surface tokens remembered; cleared when full (query-time safety)


class Analyzer:
    """Turns text into stems; `tokens` and `spans` always agree (same tokens, same order)."""

    def __init__(self, max_token_chars: int = 64) -> None:
        from nltk.stem.snowball import SnowballStemmer
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        self.max_token_chars = max_token_chars
        self.stop_words = frozenset(ENGLISH_STOP_WORDS)
        self._stem = SnowballStemmer("english", ignore_stopwords=False).stem
        self._pattern = re.compile(TOKEN_PATTERN)
        self._cache: ByteLRU[str, str | None] = ByteLRU(32 * MiB)  # bytes, not words: words may be long

    def stem(self, word: str) -> str | None:
        """The stem of one lowercase word, or None for a stop word or an over-long token."""
        cached = self._cache.get(word, "")
        if cached != "":
            return cached
        stem = None if word in self.stop_words or len(word) > self.max_token_chars else self._stem(word)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = stem
        return stem

    def remember(self, stems: Iterable[tuple[str, str | None]]) -> None:
        """Take (word, stem) pairs this analyzer's code made before (qa.search.wordlists) as already stemmed."""
        for word, stem in stems:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = stem

    def words(self, text: str) -> list[tuple[str, int, int]]:
        """Every normalised lowercase word (stop words included) with its [start, end) in `text`; a
        CamelCase word is followed by its parts of two or more characters, each with its own span."""
        out: list[tuple[str, int, int]] = []
        for m in self._pattern.finditer(text):
            raw = m.group()
            word = raw.lower() if raw.isascii() else unicodedata.normalize("NFKC", raw).lower()
            if raw.isascii() or self._pattern.fullmatch(word):
                out.append((word, m.start(), m.end()))
                if raw.isascii() and _CAMEL.search(raw) and len(_CAMEL_WORD.findall(raw)) >= 2:
                    out.extend((p.lower(), m.start() + a, m.start() + b) for p, a, b in _camel_parts(raw))
            else:  # NFKC can split one raw token (e.g. a fraction): every part keeps the raw span
                out.extend((part, m.start(), m.end()) for part in self._pattern.findall(word))
        return out

    def raw_words(self, text: str) -> list[str]:
        """The raw (case-preserved) word tokens of `text`."""
        return self._pattern.findall(text)

    def word_list(self, text: str) -> list[str]:
        """The words of `words(text)` without offsets. Where every token is ASCII (punctuation such as curly
        quotes aside) the tokens are lowercased at once and only the CamelCase ones are looked at one by one."""
        if text.isascii() and not _CAMEL.search(text):
            return self._pattern.findall(text.lower())
        joined = " ".join(self._pattern.findall(text))  # tokens hold no space: split() gives them back
        if not joined.isascii():
            return [w for w, _, _ in self.words(text)]
        if not _CAMEL.search(joined):
            return joined.lower().split()
        out: list[str] = []
        start = 0
        for m in _CAMEL_TOKEN.finditer(joined):
            out += joined[start : m.start()].lower().split()
            raw = m.group()
            out.append(raw.lower())
            if len(_CAMEL_WORD.findall(raw)) >= 2:
                out += [p.lower() for p, _, _ in _camel_parts(raw)]
            start = m.end()
        out += joined[start:].lower().split()
        return out

    def tokens(self, text: str) -> list[str]:
        """The stems of `text` in order, stop words removed."""
        stem = self.stem
        return [s for w in self.word_list(text) if (s := stem(w)) is not None]

    def spans(self, text: str) -> list[tuple[str, int, int]]:
        """(stem, start, end) per kept token, offsets into `text` (for highlights)."""
        stem = self.stem
        return [(s, a, b) for w, a, b in self.words(text) if (s := stem(w)) is not None]

    def to_dict(self) -> dict[str, Any]:
        """The settings that define this analyzer, stored with the index."""
        return {
            "name": NAME,
            "version": VERSION,
            "normalization": "NFKC",
            "lowercase": True,
            "token_pattern": TOKEN_PATTERN,
            "camel_case_parts": True,
            "stop_words": "sklearn.ENGLISH_STOP_WORDS",
            "stemmer": "nltk.SnowballStemmer(english)",
            "max_token_chars": self.max_token_chars,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Analyzer:
        """The analyzer described by `d`; ValueError when it is not one this code can reproduce."""
        if d.get("name") != NAME or d.get("version") != VERSION:
            raise ValueError(f"unknown analyzer {d.get('name')!r} version {d.get('version')!r}")
        return cls(max_token_chars=int(d.get("max_token_chars", 64)))


def _camel_parts(word: str) -> list[tuple[str, int, int]]:
    """The case-change parts of a CamelCase word with their offsets, those of 2+ characters only."""
    return [(m.group(), m.start(), m.end()) for m in _CAMEL_PART.finditer(word) if m.end() - m.start() >= 2]
