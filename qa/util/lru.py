"""Caches bounded in bytes, not entries: a query-time cache keyed by what clients send (words, questions
of up to 2,000 characters) must not grow with how long its keys are. One small shared helper, so every
module's cache (analyzer, vocabulary, engine, answers, question vectors) is bounded the same way."""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_MISSING = object()
ENTRY_OVERHEAD = 100  # bytes of an OrderedDict entry and its bookkeeping, roughly (CPython 3.11, 64-bit)


def approx_bytes(value: Any) -> int:
    """Bytes `value` holds, roughly: strings and bytes by length, arrays by their buffer, containers by
    their items (one level deep, which is what cached values here are)."""
    if isinstance(value, np.ndarray):
        return value.nbytes + 112
    if isinstance(value, (str, bytes, int, float, bool)) or value is None:
        return sys.getsizeof(value)
    if isinstance(value, (tuple, list, frozenset, set)):
        return sys.getsizeof(value) + sum(sys.getsizeof(v) for v in value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(sys.getsizeof(k) + sys.getsizeof(v) for k, v in value.items())
    return sys.getsizeof(value)


class ByteLRU(Generic[K, V]):
    """A least-recently-used map holding at most `max_bytes` (keys, values and entry overhead together);
    thread-safe. An entry larger than the whole budget is not kept."""

    def __init__(self, max_bytes: int, size: Callable[[Any], int] = approx_bytes) -> None:
        self.max_bytes = max_bytes
        self.nbytes = 0
        self._size = size
        self._data: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: K, default: Any = None) -> Any:
        with self._lock:
            found = self._data.get(key, _MISSING)
            if found is _MISSING:
                return default
            self._data.move_to_end(key)
            return found[0]  # type: ignore[index]

    def put(self, key: K, value: V) -> None:
        cost = self._size(key) + self._size(value) + ENTRY_OVERHEAD
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.nbytes -= old[1]
            if cost > self.max_bytes:
                return
            self._data[key] = (value, cost)
            self.nbytes += cost
            while self.nbytes > self.max_bytes:
                _, (_, dropped) = self._data.popitem(last=False)
                self.nbytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.nbytes = 0

    __setitem__ = put  # so a plain dict cache becomes bounded by changing only its constructor


MiB = 1 << 20


class cached(Generic[K, V]):  # noqa: N801 - used like functools.lru_cache
    """`func` of one hashable argument, remembered in a ByteLRU of `max_bytes`; `.cache` is the store."""

    def __init__(self, func: Callable[[K], V], max_bytes: int) -> None:
        self.func = func
        self.cache: ByteLRU[K, V] = ByteLRU(max_bytes)

    def __call__(self, key: K) -> V:
        found = self.cache.get(key, _MISSING)
        if found is not _MISSING:
            return found
        value = self.func(key)
        self.cache.put(key, value)
        return value

    def cache_clear(self) -> None:
        self.cache.clear()


def byte_lru_cache(max_bytes: int) -> Callable[[Callable[[K], V]], cached[K, V]]:
    """Decorator form of `cached` (a drop-in for functools.lru_cache on one-argument functions)."""
    return lambda func: cached(func, max_bytes)
