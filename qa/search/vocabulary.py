"""A sorted, memory-mappable term list: id = position in byte order, looked up by binary search."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from qa.util.lru import ByteLRU, MiB

_CACHE_LIMIT = 200_000


class Vocabulary:
    """Terms stored as one sorted UTF-8 `S` array (shared by processes when memory-mapped)."""

    def __init__(self, terms: np.ndarray) -> None:
        self.terms = terms
        self._cache: ByteLRU[str, int] = ByteLRU(8 * MiB)

    @classmethod
    def from_terms(cls, terms: Iterable[str]) -> Vocabulary:
        """The vocabulary of the distinct `terms`."""
        encoded = sorted({t.encode("utf-8") for t in terms})
        width = max((len(t) for t in encoded), default=1)
        return cls(np.array(encoded, dtype=f"S{max(width, 1)}"))

    def __len__(self) -> int:
        return len(self.terms)

    def id(self, term: str) -> int:
        """The id of `term`, or -1 when it is not in the vocabulary."""
        found = self._cache.get(term)
        if found is not None:
            return found
        key = term.encode("utf-8")
        i = int(np.searchsorted(self.terms, key))
        found = i if i < len(self.terms) and self.terms[i] == key else -1
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[term] = found
        return found

    def with_prefix(self, prefix: str, limit: int) -> list[int]:
        """Ids of up to `limit` terms that start with `prefix` and are longer than it, in byte order."""
        key = prefix.encode("utf-8")
        lo = int(np.searchsorted(self.terms, key, side="right"))
        hi = int(np.searchsorted(self.terms, key + b"\xff"))
        return list(range(lo, min(hi, lo + limit)))

    def clear_cache(self) -> None:
        """Forget remembered lookups."""
        self._cache.clear()

    def term(self, i: int) -> str:
        """The term with id `i`."""
        return self.terms[i].decode("utf-8")
