"""A documentation set end to end: copy its pages (eval.corpora), build or reuse its index, ask its questions.

    python -m eval.docsets sqlite [--work DIR] [--mode M] [--k 3] [--json]

The index is reused while the pages, qa's code and QA_SEMANTIC are unchanged (qa.evaluation.evaluate.prepared_index);
the default work folder is .eval-cache/<set> (with `-lexical` when QA_SEMANTIC=off), so switching the
setting does not throw the other build away.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from eval.corpora import RECIPES, CorpusMissing, materialize
from eval.questions import questions_path
from qa.evaluation.evaluate import Progress, evaluate_questions, load_questions, prepared_index

CACHE = Path(".eval-cache")


def default_work(name: str) -> Path:
    """.eval-cache/<name>, or .eval-cache/<name>-lexical when semantic reranking is switched off."""
    from qa.vectors import semantic

    return CACHE / (name if semantic.enabled() else f"{name}-lexical")


def prepare(name: str, work: Path | None = None, progress: Progress | None = None) -> tuple[Any, bool, Path]:
    """(QA over the set's index, whether it was reused, the corpus folder), building when needed."""
    work = Path(work) if work is not None else default_work(name)
    corpus = work / "corpus"
    materialize(name, corpus)
    qa, reused = prepared_index(corpus, work / "index", progress)
    return qa, reused, corpus


def run(
    name: str, work: Path | None = None, k: int = 3, mode: str = "hybrid", progress: Progress | None = None
) -> dict:
    """The set's question report (qa.evaluation.evaluate.evaluate_questions) with the index it ran on."""
    qa, reused, _ = prepare(name, work, progress)
    report = evaluate_questions(qa, load_questions(questions_path(name)), k=k, mode=mode, progress=progress)
    index = {"version": qa.info.version, "reused": reused, "semantic": qa.semantic, "passages": qa.info.passages}
    return {"set": name, "index": index, **report}


def table(report: dict, k: int) -> list[str]:
    """The report as lines: all, then one per kind (`-` where a group has no question of that kind)."""
    fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    keys = ("hit@1", f"hit@{k}", "answer@1", "abstention", "false_abstention")
    heads = {"abstention": "abstain", "false_abstention": "false-abst"}
    lines = [f"{'kind':<14}{'n':>5}" + "".join(f"{heads.get(x, x):>11}" for x in keys)]
    for name, s in [("all", report), *report["by_kind"].items()]:
        lines.append(f"{name:<14}{s['questions']:>5}" + "".join(f"{fmt(s[x]):>11}" for x in keys))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.docsets", description=__doc__.split("\n\n")[0])
    parser.add_argument("name", choices=sorted(n for n in RECIPES if questions_path(n).is_file()))
    parser.add_argument("--work", type=Path, help="corpus and index folder (default .eval-cache/<set>)")
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--mode", default="hybrid", choices=("hybrid", "bm25", "tfidf"))
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    args = parser.parse_args(argv)
    try:
        report = run(args.name, args.work, args.k, args.mode, progress=_stderr_progress())
    except CorpusMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    index = report["index"]
    state = "reused" if index["reused"] else "built"
    print(
        f"{args.name}: index {index['version']} ({state}, {index['passages']} passages, semantic {index['semantic']})"
    )
    print("\n".join(table(report, args.k)))
    return 0


def _stderr_progress() -> Progress:
    """One line per stage on stderr, updated in place on a terminal, every 10 % otherwise."""
    shown: dict[str, int] = {}

    def report(stage: str, done: int, total: int) -> None:
        tenth = done * 10 // max(total, 1)
        if sys.stderr.isatty():
            print(f"\r{stage}: {done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)
        elif shown.get(stage) != tenth:
            shown[stage] = tenth
            print(f"{stage}: {done}/{total}", file=sys.stderr, flush=True)

    return report


if __name__ == "__main__":
    sys.exit(main())
