"""The MedQuAD tuning set (`../shared/eval/medquad-dev/`): its corpus written by the README's recipe, and its
questions scored by span overlap (hit@1, hit@k, topic@1, answer sentence, abstention both ways), overall and
by kind, question type and source site."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from qa.errors import InvalidInput
from qa.evaluation.evaluate import Progress
from qa.models import Answer, Result, Span

KINDS = ("answerable", "absent-topic")


@dataclass(frozen=True)
class Gold:
    """Where a gold section lies in its document's file (raw offsets) and its text."""

    start: int
    end: int
    text: str


def _jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from exc
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise InvalidInput(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise InvalidInput(f"{path}:{number}: each line must be a JSON object")
        rows.append(row)
    if not rows:
        raise InvalidInput(f"{path} holds nothing")
    return rows


def write_corpus(docs_jsonl: Path, corpus_dir: Path, docs: set[str] | None = None) -> dict[str, dict[str, Gold]]:
    """One .md file per document of docs.jsonl (only `docs` when given), exactly by the README's recipe;
    returns the gold sections {doc: {qid: Gold}}. Files already holding the same text are not rewritten."""
    corpus = Path(corpus_dir)
    corpus.mkdir(parents=True, exist_ok=True)
    spans: dict[str, dict[str, Gold]] = {}
    for number, d in enumerate(_jsonl(docs_jsonl), start=1):
        try:
            doc, title, url, sections = d["doc"], d["title"], d["url"], d["sections"]
        except KeyError as exc:
            raise InvalidInput(f"{docs_jsonl}:{number}: missing field {exc}") from exc
        if docs is not None and doc not in docs:
            continue
        raw = f"---\ntitle: {title}\nurl: {url}\n---\n# {title}\n"
        spans[doc] = {}
        for s in sections:
            raw += f"\n## {s['heading']}\n\n"
            spans[doc][s["qid"]] = Gold(len(raw), len(raw) + len(s["text"]), s["text"])
            raw += s["text"] + "\n"
        path = corpus / f"{doc}.md"
        if not path.is_file() or path.read_text(encoding="utf-8") != raw:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(raw)
    return spans


def load_questions(path: Path) -> list[dict[str, Any]]:
    """The questions of questions.jsonl; InvalidInput names the line of a malformed one."""
    rows = _jsonl(path)
    for number, q in enumerate(rows, start=1):
        for key in ("id", "question", "kind"):
            if not isinstance(q.get(key), str):
                raise InvalidInput(f"{path}:{number}: field {key!r} must be a string")
        if q["kind"] not in KINDS:
            raise InvalidInput(f"{path}:{number}: kind must be one of {', '.join(KINDS)}, not {q['kind']!r}")
        if not isinstance(q.get("qids"), list):
            raise InvalidInput(f"{path}:{number}: field 'qids' must be a list")
    return rows


def is_hit(result: Result, doc: str | None, golds: list[Gold]) -> bool:
    """The passage is from the gold document and its raw span overlaps a gold section (half-open ranges)."""
    return result.document_id == doc and any(result.source.start < g.end and g.start < result.source.end for g in golds)


def answer_source(qa: Any, result: Result) -> Span:
    """The raw span of a result's answer sentence: from its first to its last sentence in the passage."""
    wanted = result.answer_span
    inside = [
        s.source for s in qa.passage(result.passage_id).sentences if s.start < wanted.end and wanted.start < s.end
    ]
    return Span(min(x.start for x in inside), max(x.end for x in inside)) if inside else result.source


def score_answer(
    question: dict[str, Any], answer: Answer, spans: dict[str, dict[str, Gold]], k: int, shown: Span | None = None
) -> dict:
    """One row: the question's labels, whether it was answered, hit at 1 / k, on topic, and whether the first
    answer sentence (raw span `shown`, default the first passage's) overlaps a gold section."""
    doc = question.get("doc")
    golds = [spans[doc][qid] for qid in question["qids"] if doc in spans and qid in spans[doc]]
    results = answer.results
    answerable = question["kind"] == "answerable"
    first = results[0] if results else None
    sentence = first and replace(first, source=shown or first.source)
    return {
        "id": question["id"],
        "kind": question["kind"],
        "qtype": question.get("qtype", "unknown"),
        "source": question.get("source", "unknown"),
        "answerable": answerable,
        "answered": answer.answered,
        "hit@1": answerable and first is not None and is_hit(first, doc, golds),
        "hit@k": answerable and any(is_hit(r, doc, golds) for r in results[:k]),
        "topic@1": answerable and first is not None and first.document_id == doc,
        "answer@1": answerable and sentence is not None and is_hit(sentence, doc, golds),
        "top": first.passage_id if first else None,
    }


def summary(rows: list[dict[str, Any]], k: int) -> dict[str, Any]:
    """Shares over answerable questions (hits, topic, answer sentence, false abstention) and absent-topic
    ones (abstention); None where a group has no question of that kind."""
    answerable = [r for r in rows if r["answerable"]]
    absent = [r for r in rows if not r["answerable"]]

    def share(items: list[dict[str, Any]], key: str, value: bool = True) -> float | None:
        return round(sum(r[key] is value for r in items) / len(items), 4) if items else None

    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "absent": len(absent),
        "hit@1": share(answerable, "hit@1"),
        f"hit@{k}": share(answerable, "hit@k"),
        "topic@1": share(answerable, "topic@1"),
        "answer@1": share(answerable, "answer@1"),
        "abstention": share(absent, "answered", False),
        "false_abstention": share(answerable, "answered", False),
    }


def evaluate(
    qa: Any,
    questions: list[dict[str, Any]],
    spans: dict[str, dict[str, Gold]],
    k: int = 3,
    mode: str = "hybrid",
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Ask every question once; the summary overall, by qtype and by source, and one row per question."""
    rows = []
    for number, q in enumerate(questions, start=1):
        answer = qa.ask(q["question"], k=k, mode=mode)
        shown = answer_source(qa, answer.results[0]) if answer.results else None
        rows.append(score_answer(q, answer, spans, k, shown))
        if progress is not None:
            progress("questions", number, len(questions))
    groups: dict[str, dict[str, list[dict[str, Any]]]] = {"by_qtype": defaultdict(list), "by_source": defaultdict(list)}
    for row in rows:
        groups["by_qtype"][row["qtype"]].append(row)
        groups["by_source"][row["source"]].append(row)
    report: dict[str, Any] = {"k": k, "mode": mode, **summary(rows, k)}
    for name, group in groups.items():
        report[name] = {key: summary(items, k) for key, items in sorted(group.items())}
    report["items"] = rows
    return report


def run(folder: Path, work: Path, k: int = 3, mode: str = "hybrid", progress: Progress | None = None) -> dict[str, Any]:
    """End to end: write the corpus into work/corpus, build (or reuse) work/index, score every question."""
    from qa.evaluation.evaluate import prepared_index

    folder, work = Path(folder), Path(work)
    spans = write_corpus(folder / "docs.jsonl", work / "corpus")
    questions = load_questions(folder / "questions.jsonl")
    qa, reused = prepared_index(work / "corpus", work / "index", progress)
    report = evaluate(qa, questions, spans, k=k, mode=mode, progress=progress)
    return {"index": {"version": qa.info.version, "reused": reused, "semantic": qa.semantic}, **report}
