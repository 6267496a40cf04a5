"""How informative a word is in general English, from wordfreq's offline word lists."""

from __future__ import annotations

from functools import cache

from qa.util.lru import MiB, byte_lru_cache


@byte_lru_cache(4 * MiB)
def specificity(word: str) -> float:
    """8 minus the word's Zipf frequency, floored at 0.5: 'the' ≈ 0.5, 'calf' ≈ 4.3, unknown words 8."""
    from wordfreq import zipf_frequency

    return max(0.5, 8.0 - zipf_frequency(word, "en"))


TYPO_MARGIN = 1.5  # Zipf: a misspelling is this much rarer than its word (guage 2.2, gauge 4.0)
OWN_WORD = 3.0  # Zipf: a word this frequent is no misspelling (definately 2.9; css 3.4, div 3.4, git 3.4)


@cache
def _english_words() -> frozenset[str]:
    """Words common in English (Zipf >= 3, about the 40,000 most frequent): what a typo may mean."""
    from wordfreq import top_n_list

    return frozenset(top_n_list("en", 40_000))


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _one_edit(word: str) -> set[str]:
    """Every string one deletion, insertion, substitution or swap of neighbours away from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    out.discard(word)
    return out


@byte_lru_cache(2 * MiB)  # words clients send: bounded in bytes
def english_typo(word: str) -> str | None:
    """The common English word `word` most likely misspells (one edit away, ~30x as frequent, the same
    first letter), or None. Short words and words of Zipf >= 3 are words in their own right: "css",
    "div", "git" and "sql" are no typos of ass, did, it and sql's neighbours."""
    from wordfreq import zipf_frequency

    if not word.isalpha() or len(word) < 4:
        return None
    own = zipf_frequency(word, "en")
    if own >= OWN_WORD:
        return None  # a word in its own right
    common = _english_words()
    options = [(zipf_frequency(w, "en"), w) for w in _one_edit(word) if w in common and w[0] == word[0]]
    options = [(z, w) for z, w in options if z >= own + TYPO_MARGIN]
    return max(options)[1] if options else None
