"""Issue 13 row 10: every query-time cache is bounded in bytes (qa.util.lru), not in entries.

Before, the caches were dicts cleared at an entry count and functools.lru_cache(maxsize=N): distinct
1,999-character one-word questions grew a worker from 304 to 1,277 MiB. The soak figure is bench/soak_distinct.py's."""

import string

import numpy as np
import pytest

from qa.answering import intent
from qa.search import wordstats
from qa.util import lru
from qa.util.lru import ENTRY_OVERHEAD, ByteLRU, approx_bytes, cached


def test_a_byte_lru_keeps_its_budget_and_drops_the_least_recent_first():
    cache: ByteLRU[str, str] = ByteLRU(3 * (approx_bytes("k0") + approx_bytes("v" * 100) + ENTRY_OVERHEAD))
    for i in range(3):
        cache[f"k{i}"] = "v" * 100
    assert cache.get("k0") == "v" * 100  # k0 is now the most recent
    cache["k3"] = "v" * 100
    assert [cache.get(f"k{i}") is not None for i in range(4)] == [True, False, True, True]
    assert cache.nbytes <= cache.max_bytes
    cache["huge"] = "x" * 10_000  # larger than the whole budget: not kept, nothing evicted for it
    assert cache.get("huge") is None and len(cache) == 3


def test_long_keys_count_by_their_length():
    cache: ByteLRU[str, int] = ByteLRU(100_000)
    for i in range(1000):
        cache["w" * 1999 + str(i)] = i
    assert cache.nbytes <= 100_000
    assert 40 <= len(cache) <= 50  # ~2 KiB per entry: the budget, not a count, decides


def test_arrays_count_by_their_buffer():
    assert approx_bytes(np.zeros(384, dtype=np.float32)) == 384 * 4 + 112


def test_cached_remembers_and_clears():
    calls = []
    f = cached(lambda x: calls.append(x) or x * 2, 10_000)
    assert [f(2), f(2), f(3)] == [4, 4, 6]
    assert calls == [2, 3]
    f.cache_clear()
    assert f(2) == 4 and calls == [2, 3, 2]


def _caches(qa) -> dict[str, object]:
    loaded = qa._loaded
    engine = loaded.engine
    found = {
        "analyzer stems": engine.analyzer._cache,
        "vocabulary ids": engine.vocab._cache,
        "word terms": engine._word_terms,
        "word entries": engine._word_entries,
        "spelling repairs": engine._repairs,
        "answer spans": loaded.answerer.spans,
        "answer citations": loaded.answerer._citations,
        "word specificity": wordstats.specificity,
        "typo guesses": wordstats.english_typo,
        "question kinds": intent.asked_kinds,
        "answer bodies": loaded.answerer._body,
    }
    if loaded.answerer.reranker is not None:
        found["question vectors"] = loaded.answerer.reranker.vector
        found["sentence vectors"] = loaded.answerer.reranker._sentences
    return found


@pytest.mark.parametrize("name", ["analyzer stems", "vocabulary ids", "word terms", "spelling repairs", "answer spans"])
def test_every_query_time_cache_is_bounded_in_bytes(small_qa, name):
    cache = _caches(small_qa)[name]
    store = cache.cache if isinstance(cache, lru.cached) else cache
    assert isinstance(store, ByteLRU), f"{name} is a {type(store).__name__}"
    letters = string.ascii_lowercase
    for i in range(60):  # distinct 1,999-character one-word questions
        small_qa.ask("".join(letters[(i * 7 + j) % 26] for j in range(1999)), mode="bm25")
    assert store.nbytes <= store.max_bytes


def test_the_other_caches_are_byte_bounded_too(small_qa, seed_qa):
    for qa in (small_qa, seed_qa):
        for name, cache in _caches(qa).items():
            store = cache.cache if isinstance(cache, lru.cached) else cache
            assert isinstance(store, ByteLRU), f"{name} is a {type(store).__name__}"
