"""Calibrates the abstention thresholds (qa.answering.abstention.Thresholds) on several corpora, and says how well
they carry over to a corpus they were not tuned on.

    python -m bench.calibrate                      # ask every set, write bench/calibration/rows.jsonl, fit
    python -m bench.calibrate --refit              # fit again from the recorded rows (seconds)
    python -m bench.calibrate --squad DIR          # also a Wikipedia set (DIR/corpus*, DIR/questions*.jsonl)

Each question set is a corpus and questions labelled answerable or not:

| set | corpus | answerable | should abstain |
|---|---|---|---|
| seed | the seed article (`corpus/`) | dev, own and paraphrase questions | their unanswerable ones |
| medquad | `../shared/eval/medquad-dev` (80 NIH topics) | MedQuAD's own questions | questions on absent topics |
| sqlite, postgresql, git, python | `eval/` doc sets (Debian's packages, when installed) | answerable | unanswerable |
| squad (optional) | ten Wikipedia articles | their SQuAD questions | questions on six other articles |

For every question the answer layer's evidence is recorded as explainable numbers
(`qa.answering.abstention.Assessment.features`): how much of the question's weight the first results hold,
whether its subject is absent from the documents or from the results, how close in meaning the first
result is. `qa.answering.abstention.verdict` replays the rules on those numbers for any thresholds, so the fit
is a search over the thresholds that decide (cover, close_meaning, close_cover, close_sentence): the choice maximises
the worst set's balanced accuracy (mean of abstention and 1 - false abstention), so no corpus pays for
another. Held out: each set is also scored with thresholds fitted on the others only, and a small
logistic regression on the same numbers is fitted the same way, to see whether a learned mix would
beat the hand rules (it is kept only if it does, on held-out sets). The chosen values are written to
bench/calibration/thresholds.json and must equal qa.answering.abstention.Thresholds (a test checks).
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
OUT = ROOT / "bench" / "calibration"
DOCSETS = ("sqlite", "postgresql", "git", "python")
GRID = {
    "cover": [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7],
    "close_meaning": [0.5, 0.55, 0.6, 0.65, 0.7, 0.75],
    "close_cover": [0.0, 0.1, 0.2, 0.25, 0.3],
    # the first result's best sentence this close answers too; strictest first, so a tie keeps the stricter rule
    "close_sentence": [1.01, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5],
}


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def question_sets(work: Path, squad: Path | None = None) -> Iterator[tuple[str, Path, Path, list[dict[str, Any]]]]:
    """(set name, corpus folder, index folder, questions with `answerable`) for every set available."""
    seed = []
    for name in ("devset",):
        if (SHARED / "eval" / f"{name}.jsonl").exists():
            seed += [q | {"from": name} for q in _jsonl(SHARED / "eval" / f"{name}.jsonl")]
    for name in ("own-questions", "paraphrase-questions"):
        seed += [q | {"from": name} for q in _jsonl(ROOT / "tests" / "data" / f"{name}.jsonl")]
    yield "seed", ROOT / "corpus", work / "seed" / "index", seed
    medquad = SHARED / "eval" / "medquad-dev"
    if medquad.exists():
        from qa.evaluation.medquad import write_corpus

        corpus = work / "medquad" / "corpus"
        write_corpus(medquad / "docs.jsonl", corpus)
        rows = [q | {"answerable": q["kind"] == "answerable"} for q in _jsonl(medquad / "questions.jsonl")]
        yield "medquad", corpus, work / "medquad" / "index", rows
    for name in DOCSETS:  # the documentation sets (eval/): their corpora from Debian's packages, when installed
        from eval.corpora import CorpusMissing, materialize
        from eval.docsets import default_work
        from eval.questions import questions_path

        folder = ROOT / default_work(name)
        try:
            materialize(name, folder / "corpus")
        except CorpusMissing:
            continue
        yield name, folder / "corpus", folder / "index", _jsonl(questions_path(name))
    if squad is not None:
        for questions in sorted(squad.glob("questions*.jsonl")):
            suffix = questions.stem.removeprefix("questions")
            yield f"squad{suffix}", squad / f"corpus{suffix}", work / f"squad{suffix}" / "index", _jsonl(questions)


def _open(corpus: Path, index: Path) -> Any:
    """The index of `corpus` with passage vectors, built when missing or stale."""
    from qa.api import QA
    from qa.errors import IndexMissing, IndexUnavailable
    from qa.storage.index import build_index

    try:
        qa = QA.open(index, corpus)
        if qa.semantic:
            return qa
    except (IndexMissing, IndexUnavailable):
        pass
    print(f"building {index} (with passage vectors)", flush=True)
    build_index(corpus, index, semantic=True)
    return QA.open(index, corpus)


def record(work: Path, squad: Path | None = None) -> list[dict[str, Any]]:
    """One row per question of every set: its label, the rule that settles it today and its features."""
    rows = []
    for name, corpus, index, questions in question_sets(work, squad):
        qa = _open(corpus, index)
        answerer = qa._loaded.answerer
        start = time.perf_counter()
        for q in questions:
            a = answerer.evidence(q["question"], 3, "hybrid").assessment
            rows.append(
                {
                    "set": name,
                    "id": q["id"],
                    "question": q["question"],
                    "answerable": bool(q["answerable"]),
                    "features": {k: round(v, 4) for k, v in a.features().items()},
                }
            )
        print(f"{name}: {len(questions)} questions in {time.perf_counter() - start:.1f} s", flush=True)
    return rows


def score(rows: list[dict[str, Any]], limits: Any) -> dict[str, dict[str, float]]:
    """Per set: abstention (unanswerable refused), false abstention (answerable refused), balanced."""
    from qa.answering.abstention import verdict

    out = {}
    for name in sorted({r["set"] for r in rows}):
        group = [r for r in rows if r["set"] == name]
        said = [verdict(r["features"], limits) in ("words", "meaning") for r in group]
        pos = [s for s, r in zip(said, group, strict=True) if r["answerable"]]
        neg = [s for s, r in zip(said, group, strict=True) if not r["answerable"]]
        abst = sum(not s for s in neg) / len(neg) if neg else 1.0
        false = sum(not s for s in pos) / len(pos) if pos else 0.0
        out[name] = {"abstention": round(abst, 4), "false_abstention": round(false, 4),
                     "balanced": round((abst + 1 - false) / 2, 4),
                     "answerable": len(pos), "unanswerable": len(neg)}  # fmt: skip
    return out


def fit(rows: list[dict[str, Any]]) -> tuple[Any, dict[str, dict[str, float]]]:
    """The grid thresholds that maximise the worst set's balanced accuracy (then the mean, then the
    current values' neighbourhood: ties go to the larger cover, the stricter rule)."""
    from qa.answering.abstention import Thresholds

    best, best_key = None, None
    for values in itertools.product(*GRID.values()):
        limits = replace(Thresholds(), **dict(zip(GRID, values, strict=True)))
        s = score(rows, limits)
        balanced = [v["balanced"] for v in s.values()]
        key = (min(balanced), sum(balanced) / len(balanced), values[0])
        if best_key is None or key > best_key:
            best, best_key = limits, key
    return best, score(rows, best)


def held_out(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Each set scored with thresholds fitted on the other sets only."""
    out = {}
    for name in sorted({r["set"] for r in rows}):
        limits, _ = fit([r for r in rows if r["set"] != name])
        out[name] = score([r for r in rows if r["set"] == name], limits)[name] | {k: getattr(limits, k) for k in GRID}
    return out


def learned(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Leave-one-set-out logistic regression on the features of the questions the vetoes leave open."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from qa.answering.abstention import verdict

    names = ["cover", "first_cover", "found_share", "closeness", "missing_share", "absent_share", "absent_max",
             "sentence_closeness"]  # fmt: skip
    out = {}
    for name in sorted({r["set"] for r in rows}):
        train = [r for r in rows if r["set"] != name]
        test = [r for r in rows if r["set"] == name]
        open_ = [r for r in train if verdict(r["features"]) in ("words", "meaning", "low_cover")]
        x = np.array([[r["features"][n] for n in names] for r in open_])
        y = np.array([r["answerable"] for r in open_])
        model = LogisticRegression(class_weight="balanced", max_iter=1000).fit(x, y)
        said = []
        for r in test:
            if verdict(r["features"]) in ("words", "meaning", "low_cover"):
                said.append(bool(model.predict(np.array([[r["features"][n] for n in names]]))[0]))
            else:
                said.append(False)
        pos = [s for s, r in zip(said, test, strict=True) if r["answerable"]]
        neg = [s for s, r in zip(said, test, strict=True) if not r["answerable"]]
        abst = sum(not s for s in neg) / len(neg) if neg else 1.0
        false = sum(not s for s in pos) / len(pos) if pos else 0.0
        out[name] = {"abstention": round(abst, 4), "false_abstention": round(false, 4),
                     "balanced": round((abst + 1 - false) / 2, 4)}  # fmt: skip
    return out


def report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    from qa.answering.abstention import Thresholds

    limits, fitted = fit(rows)
    return {
        "sets": {n: len([r for r in rows if r["set"] == n]) for n in sorted({r["set"] for r in rows})},
        "current": score(rows, Thresholds()),
        "fitted": {k: getattr(limits, k) for k in GRID},
        "fitted_scores": fitted,
        "held_out": held_out(rows),
        "logistic_held_out": learned(rows),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=ROOT / ".calibration", help="where indexes are built and reused")
    parser.add_argument("--squad", type=Path, help="a Wikipedia set: corpus*/ folders and questions*.jsonl")
    parser.add_argument("--refit", action="store_true", help="fit from bench/calibration/rows.jsonl only")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.refit:
        rows = _jsonl(OUT / "rows.jsonl")
    else:
        rows = record(args.work, args.squad)
        (OUT / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = report(rows)
    print(json.dumps(result, indent=1))
    (OUT / "thresholds.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
