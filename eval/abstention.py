"""Abstention calibration data: SciFact claims asked against a corpus that lacks the documents of some.

    python -m eval.abstention [--split train|test] [--held-out 0.33] [--seed 0] [--rows FILE] [--json]

Recipe (deterministic): the split's queries (`qrels/<split>.tsv`) are shuffled with the seed and the first
`held-out` share of them is held out; the corpus is every SciFact abstract except the gold documents of
the held-out queries, one Markdown file per abstract (`# title`, blank line, text) named by its id. A query
is then unanswerable when none of its gold documents is left, answerable otherwise (a kept query that
shared a gold document with a held-out one may lose it and become unanswerable too).

Scored: abstention (unanswerable queries answered `answered: false`), false abstention (answerable ones
answered `false`), and hit@3 (a gold document among the first three results) for answerable queries.
`--rows FILE` writes one JSON line per query (its label, `answered`, `confidence`, `reasons` and the top
results' documents and scores) to calibrate on: use `--split train` to calibrate and `--split test` to
check. Caveat: SciFact's judgements are sparse, so another abstract may bear on a held-out claim; the
labels say only that its judged evidence is gone.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path
from typing import Any

from qa.evaluation.evaluate import Progress, prepared_index

SCIFACT = Path(__file__).resolve().parent.parent.parent / "shared" / "beir" / "scifact"


def load(folder: Path, split: str) -> tuple[list[dict], dict[str, str], dict[str, set[str]]]:
    """(corpus rows, the split's queries by id, their gold document ids) of a BEIR folder."""
    with open(folder / "corpus.jsonl", encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    gold: dict[str, set[str]] = {}
    with open(folder / "qrels" / f"{split}.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if int(row["score"]) > 0:
                gold.setdefault(row["query-id"], set()).add(row["corpus-id"])
    queries = {}
    with open(folder / "queries.jsonl", encoding="utf-8") as f:
        for line in f:
            q = json.loads(line)
            if str(q["_id"]) in gold:
                queries[str(q["_id"])] = q["text"]
    return docs, queries, gold


def split(queries: dict[str, str], gold: dict[str, set[str]], held_out: float, seed: int) -> tuple[set[str], set[str]]:
    """(held-out query ids, removed document ids): a seeded share of the queries and all their gold docs."""
    order = sorted(queries, key=lambda q: (len(q), q))
    random.Random(seed).shuffle(order)
    held = set(order[: round(held_out * len(order))])
    return held, set().union(*(gold[q] for q in held)) if held else set()


def write_corpus(docs: list[dict], removed: set[str], dest: Path) -> int:
    """One Markdown file per kept abstract in `dest` (identical files left alone, others removed)."""
    dest.mkdir(parents=True, exist_ok=True)
    wanted = {}
    for d in docs:
        if str(d["_id"]) not in removed:
            wanted[f"{d['_id']}.md"] = f"# {' '.join(d.get('title', '').split())}\n\n{d.get('text', '').strip()}\n"
    for path in dest.iterdir():
        if path.name not in wanted:
            path.unlink()
    for name, text in wanted.items():
        path = dest / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return len(wanted)


def ask_all(
    qa: Any, queries: dict[str, str], gold: dict[str, set[str]], removed: set[str], progress: Progress | None = None
) -> list[dict[str, Any]]:
    """One row per query, in id order: label, verdict, confidence, reasons, top-3 documents and scores."""
    rows = []
    for n, qid in enumerate(sorted(queries, key=lambda q: (len(q), q)), start=1):
        left = gold[qid] - removed
        answer = qa.ask(queries[qid], k=3)
        top = [r.document_id for r in answer.results]
        rows.append({"id": qid, "query": queries[qid], "answerable": bool(left), "answered": answer.answered,
                     "confidence": answer.confidence, "reasons": list(answer.reasons),
                     "hit@3": bool(left & set(top)), "top": top,
                     "scores": [{name: s.score for name, s in r.scores.items()} | {"score": r.score}
                                for r in answer.results]})  # fmt: skip
        if progress is not None:
            progress("questions", n, len(queries))
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]

    def share(items: list[dict], key: str, value: bool) -> float | None:
        return round(sum(r[key] is value for r in items) / len(items), 4) if items else None

    return {"queries": len(rows), "answerable": len(answerable), "unanswerable": len(unanswerable),
            "hit@3": share(answerable, "hit@3", True), "abstention": share(unanswerable, "answered", False),
            "false_abstention": share(answerable, "answered", False)}  # fmt: skip


def run(
    folder: Path = SCIFACT,
    split_name: str = "test",
    held_out: float = 1 / 3,
    seed: int = 0,
    work: Path | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The recipe end to end: corpus without the held-out gold documents, index (reused), every query."""
    from eval.docsets import CACHE
    from qa.vectors import semantic

    docs, queries, gold = load(folder, split_name)
    held, removed = split(queries, gold, held_out, seed)
    name = f"scifact-abstain-{split_name}-{seed}-{round(held_out * 100)}" + ("" if semantic.enabled() else "-lexical")
    work = Path(work) if work is not None else CACHE / name
    kept = write_corpus(docs, removed, work / "corpus")
    qa, reused = prepared_index(work / "corpus", work / "index", progress)
    rows = ask_all(qa, queries, gold, removed, progress)
    index = {"version": qa.info.version, "reused": reused, "semantic": qa.semantic, "documents": kept}
    return {"split": split_name, "seed": seed, "held_out": len(held), "removed_documents": len(removed),
            "index": index, **summary(rows), "rows": rows}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    from eval.docsets import _stderr_progress

    parser = argparse.ArgumentParser(prog="python -m eval.abstention", description=__doc__.split("\n\n")[0])
    parser.add_argument("--beir", type=Path, default=SCIFACT, help="the SciFact BEIR folder")
    parser.add_argument("--split", default="test", choices=("train", "test"))
    parser.add_argument("--held-out", type=float, default=1 / 3, help="share of queries whose documents go")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, help="corpus and index folder (default under .eval-cache)")
    parser.add_argument("--rows", type=Path, help="write one JSON line per query here")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not 0 < args.held_out < 1:
        parser.error("--held-out must be between 0 and 1")
    if not (args.beir / "qrels" / f"{args.split}.tsv").is_file():
        print(f"error: {args.beir} has no qrels/{args.split}.tsv (SciFact: ../shared/beir/scifact)", file=sys.stderr)
        return 2
    report = run(args.beir, args.split, args.held_out, args.seed, args.work, _stderr_progress())
    if args.rows:
        args.rows.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in report["rows"]))
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if k != "rows"}, indent=2))
        return 0
    i = report["index"]
    print(f"SciFact {report['split']} (seed {report['seed']}): {report['held_out']} queries held out, "
          f"{report['removed_documents']} documents removed, {i['documents']} kept; index {i['version']} "
          f"({'reused' if i['reused'] else 'built'}, semantic {i['semantic']})")  # fmt: skip
    print(f"  answerable {report['answerable']}: hit@3 {report['hit@3']:.2f}, false abstention "
          f"{report['false_abstention']:.2f}")  # fmt: skip
    print(f"  unanswerable {report['unanswerable']}: abstention {report['abstention']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
