"""Repair of scraped text (placeholder: identity until the repair rules land)."""

from __future__ import annotations

from qa.textmap import MappedText


def repair(text: MappedText) -> MappedText:
    """Repaired text mapped back to the raw characters (placeholder: unchanged)."""
    return text


def repair_text(raw: str) -> str:
    """The repair stage alone on plain text, line for line."""
    return repair(MappedText.identity(raw)).text
