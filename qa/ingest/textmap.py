"""Text with a map from every character back to a span of the raw source it came from."""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class MappedText:
    """`text[i]` came from `raw[starts[i]:ends[i]]`; an inserted character has starts[i] == ends[i].

    Invariants: len(starts) == len(ends) == len(text); starts and ends never decrease;
    0 <= starts[i] <= ends[i] <= raw_length.
    """

    text: str
    starts: array  # array('q')
    ends: array  # array('q')
    raw_length: int

    @classmethod
    def identity(cls, raw: str) -> MappedText:
        """The raw text mapped onto itself."""
        n = len(raw)
        return cls(raw, array("q", range(n)), array("q", range(1, n + 1)), n)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The raw range [a, b) that text[start:end] came from (an empty range maps to a point)."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) outside text of length {len(self.text)}")
        if start == end:
            pos = self.starts[start] if start < len(self.text) else self.raw_length
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def slice(self, start: int, end: int) -> MappedText:
        """The sub-text [start, end) with its map, still pointing into the same raw text."""
        return MappedText(self.text[start:end], self.starts[start:end], self.ends[start:end], self.raw_length)

    def then(self, edited: MappedText) -> MappedText:
        """Compose: `edited` maps into self.text; the result maps into self's raw text."""
        if edited.raw_length != len(self.text):
            raise ValueError("edited text does not map into this text")
        starts = array("q")
        ends = array("q")
        n = len(self.text)
        for s, e in zip(edited.starts, edited.ends, strict=True):
            if s == e:  # inserted character: a point in the raw text
                pos = self.starts[s] if s < n else self.raw_length
                starts.append(pos)
                ends.append(pos)
            else:
                starts.append(self.starts[s])
                ends.append(self.ends[e - 1])
        return MappedText(edited.text, starts, ends, self.raw_length)


class TextBuilder:
    """Builds a MappedText piece by piece while an editor walks a source MappedText or string."""

    def __init__(self, raw_length: int) -> None:
        self._parts: list[str] = []
        self._starts = array("q")
        self._ends = array("q")
        self._raw_length = raw_length

    def copy(self, text: str, start: int) -> None:
        """Append text[k] unchanged from raw position start + k."""
        self._parts.append(text)
        self._starts.extend(range(start, start + len(text)))
        self._ends.extend(range(start + 1, start + len(text) + 1))

    def replace(self, new: str, start: int, end: int) -> None:
        """Append `new`, every character of it mapped to the whole raw range [start, end)."""
        self._parts.append(new)
        self._starts.extend([start] * len(new))
        self._ends.extend([end] * len(new))

    def insert(self, new: str, at: int) -> None:
        """Append `new`, which has no raw source, located at raw position `at`."""
        self.replace(new, at, at)

    def extend(self, pieces: Iterable[tuple[str, int, int]]) -> None:
        """Append (text, start, end) pieces: copies when len(text) == end - start, else replaces."""
        for text, start, end in pieces:
            if len(text) == end - start:
                self.copy(text, start)
            else:
                self.replace(text, start, end)

    def build(self) -> MappedText:
        return MappedText("".join(self._parts), self._starts, self._ends, self._raw_length)
