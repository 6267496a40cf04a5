"""Checks a documentation question set against its corpus, independently of qa's reading of the pages:
every gold snippet occurs (normalised) in one of its pages (`docs`) as a reader sees it, and every
unanswerable question's absent terms occur in no page of the set.

    python -m eval.questions sqlite           # prints one line per problem; exit 1 when there is one
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from eval.corpora import RECIPES, CorpusMissing
from eval.pagetext import normalized_page, page_text
from qa.evaluation.evaluate import load_questions, normalize

HERE = Path(__file__).resolve().parent


def questions_path(name: str) -> Path:
    return HERE / name / "questions.jsonl"


def term_pattern(term: str) -> re.Pattern[str]:
    """A term as whole words, any whitespace between them, case-insensitive."""
    return re.compile(r"\b" + r"\s+".join(map(re.escape, term.split())) + r"\b", re.IGNORECASE)


def problems(items: list[dict], root: Path, pages: list[str]) -> list[str]:
    """What is wrong with the questions `items` over `pages` (paths relative to `root`); [] when every gold
    snippet is in one of its pages and every absent term is in none."""
    found = []
    ids = [q["id"] for q in items]
    found += [f"duplicate id {i}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for q in items:
        found += _gold_problems(q, root, pages) if q["answerable"] else _absence_problems(q, root, pages)
    return found


def set_problems(name: str) -> list[str]:
    """problems() of the set `name` over the pages its recipe chooses (CorpusMissing when not installed)."""
    recipe = RECIPES[name]
    return problems(load_questions(questions_path(name)), Path(recipe.root), recipe.pages())


def _gold_problems(q: dict, root: Path, pages: list[str]) -> list[str]:
    if not q["gold"]:
        return [f"{q['id']}: answerable but no gold snippet"]
    docs = q.get("docs") or []
    missing = [d for d in docs if d not in pages]
    if not docs or missing:
        return [f"{q['id']}: gold pages {missing or docs!r} are not in the corpus"]
    texts = [normalized_page(root / d) for d in docs]
    return [
        f"{q['id']}: gold {g!r} is not in {', '.join(docs)}"
        for g in q["gold"]
        if not any(normalize(g) in t for t in texts)
    ]


def _absence_problems(q: dict, root: Path, pages: list[str]) -> list[str]:
    terms = q.get("absent") or []
    if not terms:
        return [f"{q['id']}: unanswerable but names no absent term"]
    found = []
    for term in terms:
        where = [p for p in pages if term_pattern(term).search(page_text(root / p))]
        if where:
            found.append(f"{q['id']}: absent term {term!r} occurs in {', '.join(where[:3])}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.questions", description=__doc__.split("\n\n")[0])
    parser.add_argument("name", choices=sorted(n for n in RECIPES if questions_path(n).is_file()))
    args = parser.parse_args(argv)
    try:
        found = set_problems(args.name)
    except CorpusMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in found:
        print(line)
    items = load_questions(questions_path(args.name))
    answerable = sum(q["answerable"] for q in items)
    print(f"{args.name}: {answerable} answerable, {len(items) - answerable} unanswerable, {len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
