"""How informative a word is in general English, from wordfreq's offline word lists."""

from __future__ import annotations

from qa.lru import MiB, byte_lru_cache


@byte_lru_cache(4 * MiB)
def specificity(word: str) -> float:
    """8 minus the word's Zipf frequency, floored at 0.5: 'the' ≈ 0.5, 'calf' ≈ 4.3, unknown words 8."""
    from wordfreq import zipf_frequency

    return max(0.5, 8.0 - zipf_frequency(word, "en"))
