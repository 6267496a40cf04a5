"""Seeded synthetic corpora and questions for scale benchmarks: words drawn with their real English
frequencies (wordfreq, offline) so term frequencies are Zipfian, passage lengths lognormal (median 50).

    python -m bench.synth --n 100000 --out /tmp/synth-100k.txt   # one passage per line
"""

from __future__ import annotations

import argparse
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

VOCAB = 200_000  # wordfreq's most frequent English words considered (alphabetic ones are kept)
MEDIAN_WORDS = 50
SIGMA = 0.45  # lognormal spread: ~90% of passages have 24-105 words
SHORT = (2, 4)
LONG = (15, 25)


@lru_cache(maxsize=1)
def lexicon() -> tuple[np.ndarray, np.ndarray]:
    """(words, probabilities): wordfreq's top English words, alphabetic only, normalised to sum 1."""
    from wordfreq import top_n_list, word_frequency

    words = [w for w in top_n_list("en", VOCAB) if re.fullmatch(r"[a-z]+", w)]
    freq = np.array([word_frequency(w, "en") for w in words], dtype=np.float64)
    return np.array(words, dtype=object), freq / freq.sum()


def _word_lists(n: int, lengths: tuple[int, int], seed: int, median: float | None = None) -> list[str]:
    """n strings of words drawn by frequency; lengths uniform in `lengths` or lognormal around `median`."""
    words, p = lexicon()
    rng = np.random.default_rng(seed)
    if median is None:
        sizes = rng.integers(lengths[0], lengths[1] + 1, size=n)
    else:
        sizes = np.clip(np.rint(rng.lognormal(np.log(median), SIGMA, size=n)), *lengths).astype(np.int64)
    cdf = np.cumsum(p)
    ids = np.minimum(np.searchsorted(cdf, rng.random(int(sizes.sum())) * cdf[-1]), len(words) - 1)
    ends = np.cumsum(sizes)
    listed = words[ids].tolist()
    return [" ".join(listed[e - s : e]) for s, e in zip(sizes.tolist(), ends.tolist(), strict=True)]


def passages(n: int, seed: int = 0) -> list[str]:
    """n passages (deterministic for a seed), each a capitalised sentence of 5-300 words ending in '.'."""
    return [t[:1].upper() + t[1:] + "." for t in _word_lists(n, (5, 300), seed, MEDIAN_WORDS)]


def questions(n: int, kind: str, seed: int = 1) -> list[str]:
    """n questions of `kind` 'short' (2-4 words) or 'long' (15-25 words), drawn like the passages."""
    lengths = {"short": SHORT, "long": LONG}[kind]
    return [t + "?" for t in _word_lists(n, lengths, seed + (0 if kind == "short" else 1000))]


def write(path: Path, texts: list[str]) -> None:
    """One text per line (texts hold no newline)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(t + "\n" for t in texts), encoding="utf-8")


def read(path: Path) -> list[str]:
    """The texts written by `write`."""
    return path.read_text(encoding="utf-8").splitlines()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    write(args.out, passages(args.n, args.seed))


if __name__ == "__main__":
    main()
