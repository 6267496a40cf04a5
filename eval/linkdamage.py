"""Synthetic link-stripping damage on SciFact sentences, and how much of it qa's repair stage undoes.

    python -m eval.linkdamage [--sentences 2000] [--seed 0] [--json] [--examples 10]

Stripping link markup loses the spaces at both edges of the link text: a 1-3 word span is glued to both
of its neighbours (`of calf pain are` -> `ofcalf painare`). From SciFact's abstracts (`../shared/beir/
scifact`), sentences are drawn with a seeded generator: one group is damaged that way, an equal group of
other sentences is left intact, and every sentence is repaired alone. Reported:

- restored: the share of damaged sentences whose repair equals the original exactly;
- unchanged: the share of intact sentences whose repair equals them exactly;
(exactly: after the Unicode-only fixes qa makes to any text, `qa.ingest.repair.normalize`, such as curly quotes
to straight ones, which are not glue repairs and are applied to the original as well)
- by span length, and the first failures of each kind, to read.

The repair is `qa.ingest.repair.repair_text`; when it accepts a `vocabulary` argument (the corpus's own words,
issue 10), it is given the word counts of the whole damaged corpus: every abstract, with the damaged
sentences in their damaged form, as a corpus that suffered this damage would be.
"""

from __future__ import annotations

import argparse
import inspect
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

SCIFACT = Path(__file__).resolve().parent.parent.parent / "shared" / "beir" / "scifact"
MIN_WORDS = 6  # room for a 3-word span with a neighbour on each side, and then some
WORD_EDGE = re.compile(r"\w")


@dataclass(frozen=True)
class Case:
    """One sentence of the bench: the original, what the repair is given, and the glued span (or None)."""

    id: str
    original: str
    given: str
    span: tuple[int, int] | None  # word positions [first, last + 1) of the glued span; None: intact


@lru_cache(maxsize=4)
def sentences(corpus: Path) -> tuple[tuple[str, str], ...]:
    """(id, sentence) of every abstract sentence of a BEIR corpus.jsonl, split by Punkt, in file order."""
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    splitter = PunktSentenceTokenizer()
    found = []
    with open(corpus / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            for n, s in enumerate(splitter.tokenize(d.get("text", ""))):
                found.append((f"{d['_id']}.{n}", " ".join(s.split())))
    return tuple(found)


def glueable(words: list[str], first: int, last: int) -> bool:
    """Both glue points join word characters (`of|calf`, `pain|are`): the glued-word case, not `pain,|calf`."""
    return all(
        WORD_EDGE.match(left[-1]) and WORD_EDGE.match(right[0])
        for left, right in ((words[first - 1], words[first]), (words[last - 1], words[last]))
    )


def damage(sentence: str, rng: random.Random) -> tuple[str, tuple[int, int]] | None:
    """The sentence with a random 1-3 word span glued to both neighbours, and the span; None if no span fits."""
    words = sentence.split(" ")
    spans = [(i, i + n) for n in (1, 2, 3) for i in range(1, len(words) - n) if glueable(words, i, i + n)]
    if not spans:
        return None
    first, last = rng.choice(spans)
    glued = " ".join(words[: first - 1]) + (" " if first > 1 else "")
    glued += words[first - 1] + " ".join(words[first:last]) + words[last]
    rest = words[last + 1 :]
    return glued + (" " + " ".join(rest) if rest else ""), (first, last)


def draw(pool: Sequence[tuple[str, str]], n: int, seed: int) -> list[Case]:
    """n damaged and n intact cases from distinct sentences of at least MIN_WORDS words, deterministically."""
    rng = random.Random(seed)
    eligible = [(i, s) for i, s in pool if len(s.split(" ")) >= MIN_WORDS]
    picked = rng.sample(eligible, min(2 * n, len(eligible)))
    cases = []
    for i, s in picked[:n]:
        damaged = damage(s, rng)
        if damaged is not None:
            cases.append(Case(i, s, damaged[0], damaged[1]))
    cases += [Case(i, s, s, None) for i, s in picked[n:]]
    return cases


def corpus_vocabulary(pool: Sequence[tuple[str, str]], cases: list[Case]) -> Counter:
    """Word counts of the damaged corpus: every sentence, the damaged ones as the repair sees them."""
    given = {c.id: c.given for c in cases}
    counts: Counter = Counter()
    for i, s in pool:
        counts.update(re.findall(r"[^\W\d_]+", given.get(i, s).lower()))
    return counts


def default_repairer(vocabulary: Counter) -> Callable[[str], str]:
    """qa.ingest.repair.repair_text, given the corpus vocabulary when it takes one."""
    from qa.ingest.repair import repair_text

    if "vocabulary" in inspect.signature(repair_text).parameters:
        return lambda text: repair_text(text, vocabulary=vocabulary)
    return repair_text


def score(cases: list[Case], repair: Callable[[str], str], examples: int = 10) -> dict[str, Any]:
    """Shares restored (damaged) and unchanged (intact), by span length, with the first failures."""
    by_length: dict[int, list[bool]] = {1: [], 2: [], 3: []}
    intact: list[bool] = []
    failures: dict[str, list[dict[str, str]]] = {"damaged": [], "intact": []}
    started = time.perf_counter()
    from qa.ingest.repair import normalize
    from qa.ingest.textmap import MappedText

    for c in cases:
        out = repair(c.given)
        ok = out == normalize(MappedText.identity(c.original)).text
        (by_length[c.span[1] - c.span[0]] if c.span else intact).append(ok)
        kind = "damaged" if c.span else "intact"
        if not ok and len(failures[kind]) < examples:
            failures[kind].append({"id": c.id, "given": c.given, "repaired": out, "original": c.original})
    elapsed = time.perf_counter() - started
    damaged = [ok for oks in by_length.values() for ok in oks]

    def share(oks: list[bool]) -> float | None:
        return round(sum(oks) / len(oks), 4) if oks else None

    return {
        "damaged": len(damaged),
        "intact": len(intact),
        "restored": share(damaged),
        "unchanged": share(intact),
        "restored_by_span": {str(n): share(oks) for n, oks in by_length.items()},
        "seconds": round(elapsed, 2),
        "failures": failures,
    }


def run(corpus: Path = SCIFACT, n: int = 2000, seed: int = 0, examples: int = 10) -> dict[str, Any]:
    """The whole bench: draw, repair with qa (corpus vocabulary when supported), score."""
    pool = sentences(corpus)
    cases = draw(pool, n, seed)
    report = score(cases, default_repairer(corpus_vocabulary(pool, cases)), examples)
    return {"corpus": str(corpus), "seed": seed, "sentences": n, **report}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.linkdamage", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=SCIFACT, help="a BEIR folder with corpus.jsonl")
    parser.add_argument("--sentences", type=int, default=2000, help="damaged sentences (and as many intact)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", type=int, default=10, help="failures of each kind to show")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not (args.corpus / "corpus.jsonl").is_file():
        print(f"error: {args.corpus}/corpus.jsonl not found (the SciFact set is in ../shared/beir/scifact)",
              file=sys.stderr)  # fmt: skip
        return 2
    report = run(args.corpus, args.sentences, args.seed, args.examples)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    by_span = ", ".join(f"{n} word(s) {v:.2%}" for n, v in report["restored_by_span"].items() if v is not None)
    print(f"link-stripping damage on {report['corpus']} (seed {report['seed']}), {report['seconds']} s of repair")
    print(f"  damaged restored exactly  {report['restored']:.2%} of {report['damaged']} ({by_span})")
    print(f"  intact left unchanged     {report['unchanged']:.2%} of {report['intact']}")
    for kind, rows in report["failures"].items():
        for row in rows:
            print(f"  {kind} {row['id']}:\n    given    {row['given']}\n    repaired {row['repaired']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
