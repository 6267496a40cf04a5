"""Scores answers against a question set (hit@1, hit@k, answer sentence, abstention both ways), overall and
by kind; builds the index an evaluation runs on, reusing it while the corpus and qa's code are unchanged."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from qa.errors import IndexUnavailable, InvalidInput
from qa.models import Answer

Progress = Callable[[str, int, int], None]  # (stage, done, total), as qa.storage.index reports a build

_REQUIRED = {"id": str, "question": str, "answerable": bool, "gold": list}


def normalize(text: str) -> str:
    """Lowercase letters and digits only: how gold strings and results are compared."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def load_questions(path: Path) -> list[dict[str, Any]]:
    """Questions of a JSONL file; InvalidInput names the file, line and problem."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read question file {path}: {exc}") from exc
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise InvalidInput(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(item, dict):
            raise InvalidInput(f"{path}:{number}: each line must be a JSON object")
        for key, kind in _REQUIRED.items():
            if not isinstance(item.get(key), kind):
                raise InvalidInput(f"{path}:{number}: field {key!r} must be a {kind.__name__}")
        items.append(item)
    if not items:
        raise InvalidInput(f"{path} holds no questions")
    return items


def is_hit(gold: Iterable[str], answer: Answer, k: int) -> bool:
    """A gold string occurs (normalised) in a top-k result's text, answer sentence or citation text."""
    wanted = [normalize(g) for g in gold if normalize(g)]
    for result in answer.results[:k]:
        haystacks = [result.text, result.answer, *(c.reference.text for c in result.citations)]
        if any(g in normalize(h) for h in haystacks for g in wanted):
            return True
    return False


def answer_holds_gold(gold: Iterable[str], answer: Answer) -> bool:
    """The first result's answer sentence (what a reader is shown first) holds a gold string, normalised."""
    if not answer.results:
        return False
    shown = normalize(answer.results[0].answer)
    return any(normalize(g) and normalize(g) in shown for g in gold)


def _summary(rows: list[dict[str, Any]], k: int) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]

    def share(items: list[dict[str, Any]], key: str, value: bool = True) -> float | None:
        return round(sum(r[key] is value for r in items) / len(items), 4) if items else None

    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "hit@1": share(answerable, "hit@1"),
        f"hit@{k}": share(answerable, "hit@k"),
        "answer@1": share(answerable, "answer@1"),
        "abstention": share(unanswerable, "answered", False),
        "false_abstention": share(answerable, "answered", False),
    }


def evaluate_questions(
    qa: Any, items: list[dict[str, Any]], k: int = 3, mode: str = "hybrid", progress: Progress | None = None
) -> dict[str, Any]:
    """Ask every question; report the summary overall and by kind, and one row per question.

    `answer@1` is the share of answerable questions whose first answer sentence holds a gold string."""
    rows = []
    for number, item in enumerate(items, start=1):
        answer = qa.ask(item["question"], k=k, mode=mode)
        if progress is not None:
            progress("questions", number, len(items))
        rows.append(
            {
                "id": item["id"],
                "kind": item.get("kind", "unknown"),
                "answerable": item["answerable"],
                "answered": answer.answered,
                "hit@1": is_hit(item["gold"], answer, 1) if item["answerable"] else False,
                "hit@k": is_hit(item["gold"], answer, k) if item["answerable"] else False,
                "answer@1": answer_holds_gold(item["gold"], answer) if item["answerable"] else False,
                "top": answer.results[0].passage_id if answer.results else None,
                "reasons": list(answer.reasons),
            }
        )
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_kind[row["kind"]].append(row)
    return {
        "k": k,
        "mode": mode,
        **_summary(rows, k),
        "by_kind": {kind: _summary(group, k) for kind, group in sorted(by_kind.items())},
        "items": rows,
    }


def code_fingerprint() -> str:
    """sha256 over the source of every qa module a build imports (qa.storage.index, transitively) and the
    QA_SEMANTIC switch: what decides what a build contains. The answer layer, the web and the CLI are
    read at question time, never by a build, so editing them reuses the index."""
    from qa.util.buildcache import code_fingerprint as build_code
    from qa.vectors import semantic

    digest = hashlib.sha256(build_code("qa.storage.index").encode())
    digest.update(f"semantic={semantic.enabled()}".encode())
    return digest.hexdigest()


EVAL_KEY = "eval-key.txt"


def prepared_index(corpus_dir: Path, index_dir: Path, progress: Progress | None = None) -> tuple[Any, bool]:
    """(QA over `index_dir`, reused): the index is reused when it was built from exactly these corpus files by
    this code with the same semantic setting, and (re)built otherwise; the key sits in index_dir/eval-key.txt."""
    from qa.api import QA
    from qa.storage.index import build_index

    key = code_fingerprint()
    marker = Path(index_dir) / EVAL_KEY
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == key:
        try:
            return QA.open(index_dir, corpus_dir), True
        except IndexUnavailable:
            pass  # stale, missing or damaged: build it again
    marker.unlink(missing_ok=True)
    build_index(Path(corpus_dir), Path(index_dir), progress=progress)
    marker.write_text(key + "\n", encoding="utf-8")
    return QA.open(index_dir, corpus_dir), False
