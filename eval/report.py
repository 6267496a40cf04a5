"""One quality report over every evaluation set, so everyone measures the same way.

    python -m eval.report                      # every set whose data is here
    python -m eval.report --only seed,medquad  # some of them: seed, own, paraphrase, medquad, sqlite,
                                               # postgresql, git, python, handbook, apache, scifact,
                                               # abstain, linkdamage
    python -m eval.report --json report.json   # also write every figure as JSON

Indexes live in .eval-cache/<set> (`-lexical` when QA_SEMANTIC=off) and are reused while the corpus,
qa's own source and the semantic switch are unchanged (qa.evaluation.evaluate.prepared_index), so a rerun after a
change outside qa/ costs only the questions. Columns: hit@1, hit@3 (answerable questions; nDCG@10 for
SciFact), answer@1 (the first answer sentence holds the gold), abstention (unanswerable questions with
`answered: false`), false abstention (answerable ones with `answered: false`), chrome (share of passages
that are site chrome) and top-3 chrome (share of the top-3 results that are).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SETS = ("seed", "own", "paraphrase", "medquad", "sqlite", "postgresql", "git", "python", "handbook", "apache",
        "scifact", "abstain", "linkdamage")  # fmt: skip


def _work(name: str) -> Path:
    from eval.docsets import default_work

    return default_work(name)


def _seed_qa() -> Any:
    from qa.evaluation.evaluate import prepared_index

    return prepared_index(ROOT / "corpus", _work("seed") / "index")[0]


def _questions(path: Path) -> Callable[[], dict[str, Any]]:
    def run() -> dict[str, Any]:
        from qa.evaluation.evaluate import evaluate_questions, load_questions

        return evaluate_questions(_seed_qa(), load_questions(path), k=3)

    return run


def _medquad() -> dict[str, Any]:
    from qa.evaluation import medquad

    return medquad.run(SHARED / "eval" / "medquad-dev", _work("medquad"), k=3)


def _docset(name: str) -> Callable[[], dict[str, Any]]:
    def run() -> dict[str, Any]:
        from eval import chrome, docsets
        from eval.questions import questions_path
        from qa.evaluation.evaluate import evaluate_questions, load_questions

        qa, _, corpus = docsets.prepare(name)
        detector = chrome.Detector(corpus.parent / "index", corpus)
        report: dict[str, Any] = {"chrome": detector.summary()}
        if questions_path(name).is_file():
            items = load_questions(questions_path(name))
            report |= evaluate_questions(qa, items, k=3)
            report["chrome"] |= chrome.top_share(detector, qa, items)
        return report

    return run


def _scifact() -> dict[str, Any]:
    """nDCG@10 of the engine alone (`qa eval --beir`) and of the whole answer path (QA.ask, documents in
    the order of their first passage among the top 50, over an index of one file per abstract)."""
    from eval import abstention
    from qa.evaluation.beir import evaluate_beir, ndcg_at
    from qa.evaluation.evaluate import prepared_index

    folder = SHARED / "beir" / "scifact"
    engine = evaluate_beir(folder, mode="hybrid")
    docs, queries, gold = abstention.load(folder, "test")
    work = _work("scifact")
    abstention.write_corpus(docs, set(), work / "corpus")
    qa = prepared_index(work / "corpus", work / "index")[0]
    grades: dict[str, dict[str, int]] = {q: dict.fromkeys(g, 1) for q, g in gold.items()}
    total = 0.0
    for qid, text in queries.items():
        ranked = list(dict.fromkeys(r.document_id for r in qa.ask(text, k=50).results))
        total += ndcg_at(ranked, grades[qid])
    return {"engine_ndcg@10": round(engine["ndcg@10"], 4), "path_ndcg@10": round(total / len(queries), 4),
            "queries": len(queries)}  # fmt: skip


def _abstain() -> dict[str, Any]:
    from eval import abstention

    report = abstention.run(SHARED / "beir" / "scifact", "test")
    report.pop("rows")
    return report


def _linkdamage() -> dict[str, Any]:
    from eval import linkdamage

    report = linkdamage.run(SHARED / "beir" / "scifact", n=2000, seed=0, examples=0)
    report.pop("failures")
    return report


def runners() -> dict[str, tuple[Callable[[], dict[str, Any]], Path]]:
    """Each set's runner and the data it needs (skipped, saying so, when that is absent)."""
    from eval.corpora import RECIPES

    names = ("sqlite", "postgresql", "git", "python", "handbook", "apache")
    docs = {name: (_docset(name), Path(RECIPES[name].root)) for name in names}
    return {
        "seed": (_questions(SHARED / "eval" / "devset.jsonl"), SHARED / "eval" / "devset.jsonl"),
        "own": (_questions(ROOT / "tests" / "data" / "own-questions.jsonl"), ROOT / "tests" / "data"),
        "paraphrase": (_questions(ROOT / "tests" / "data" / "paraphrase-questions.jsonl"), ROOT / "tests" / "data"),
        "medquad": (_medquad, SHARED / "eval" / "medquad-dev"),
        **docs,
        "scifact": (_scifact, SHARED / "beir" / "scifact"),
        "abstain": (_abstain, SHARED / "beir" / "scifact"),
        "linkdamage": (_linkdamage, SHARED / "beir" / "scifact"),
    }


def row(name: str, r: dict[str, Any]) -> list[str]:
    """The table's cells for one set's report."""

    def f(v: Any) -> str:
        return "-" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)

    chrome = r.get("chrome", {})
    if name == "scifact":
        return [name, f(r["queries"]), "-", "-", "-", "-", "-", "-", "-",
                f"nDCG@10 path {r['path_ndcg@10']:.4f}, engine {r['engine_ndcg@10']:.4f}"]  # fmt: skip
    if name == "abstain":
        return [name, f(r["queries"]), "-", f(r["hit@3"]), "-", f(r["abstention"]), f(r["false_abstention"]), "-",
                "-", f"{r['unanswerable']} of {r['queries']} claims lack their abstracts"]  # fmt: skip
    if name == "linkdamage":
        return [name, f(r["damaged"] + r["intact"]), "-", "-", "-", "-", "-", "-", "-",
                f"restored {r['restored']:.2%}, intact unchanged {r['unchanged']:.2%}"]  # fmt: skip
    pct = lambda v: "-" if v is None else f"{v:.1%}"  # noqa: E731
    return [name, f(r.get("questions", chrome.get("passages"))), f(r.get("hit@1")), f(r.get("hit@3")),
            f(r.get("answer@1")), f(r.get("abstention")), f(r.get("false_abstention")),
            pct(chrome.get("chrome_share")), pct(chrome.get("top_share")), ""]  # fmt: skip


HEADS = ["set", "n", "hit@1", "hit@3", "answer@1", "abstain", "false-abst", "chrome", "top3-chrome", "notes"]


def table(reports: dict[str, dict[str, Any]]) -> str:
    rows = [HEADS] + [row(name, r) for name, r in reports.items()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADS) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1] for r in rows)


def main(argv: list[str] | None = None) -> int:
    from qa.evaluation.evaluate import code_fingerprint
    from qa.vectors import semantic

    parser = argparse.ArgumentParser(prog="python -m eval.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated sets (default: all)")
    parser.add_argument("--json", type=Path, help="write the full reports here")
    args = parser.parse_args(argv)
    wanted = args.only.split(",") if args.only else list(SETS)
    unknown = sorted(set(wanted) - set(SETS))
    if unknown:
        parser.error(f"unknown set(s) {', '.join(unknown)}; choose from {', '.join(SETS)}")
    reports: dict[str, dict[str, Any]] = {}
    for name, (run, needs) in runners().items():
        if name not in wanted:
            continue
        if not needs.exists():
            print(f"{name}: skipped ({needs} is missing)", file=sys.stderr, flush=True)
            continue
        started = time.perf_counter()
        print(f"{name}: running", file=sys.stderr, flush=True)
        reports[name] = run()
        print(f"{name}: done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    print(f"qa code {code_fingerprint()[:12]}, semantic {semantic.enabled()}")
    print(table(reports))
    if args.json:
        slim = {n: {k: v for k, v in r.items() if k != "items"} for n, r in reports.items()}
        args.json.write_text(json.dumps(slim, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
