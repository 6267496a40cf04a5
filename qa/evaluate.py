"""Scores answers against a question set (hit@1, hit@k, abstention both ways), overall and by kind."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from qa.errors import InvalidInput
from qa.models import Answer

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
        "abstention": share(unanswerable, "answered", False),
        "false_abstention": share(answerable, "answered", False),
    }


def evaluate_questions(qa: Any, items: list[dict[str, Any]], k: int = 3, mode: str = "hybrid") -> dict[str, Any]:
    """Ask every question; report the summary overall and by kind, and one row per question."""
    rows = []
    for item in items:
        answer = qa.ask(item["question"], k=k, mode=mode)
        rows.append(
            {
                "id": item["id"],
                "kind": item.get("kind", "unknown"),
                "answerable": item["answerable"],
                "answered": answer.answered,
                "hit@1": is_hit(item["gold"], answer, 1) if item["answerable"] else False,
                "hit@k": is_hit(item["gold"], answer, k) if item["answerable"] else False,
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
