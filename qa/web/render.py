"""Passage text as safe HTML: the answer sentence in <mark>, matched terms in <strong>, everything escaped."""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

from qa.models import Span, http_url


def _clip(spans: Iterable[Span], lo: int, hi: int) -> list[tuple[int, int]]:
    """Spans cut to [lo, hi), empty ones dropped, overlapping ones merged, in order."""
    cut = sorted((max(s.start, lo), min(s.end, hi)) for s in spans)
    merged: list[tuple[int, int]] = []
    for start, end in cut:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _terms(text: str, lo: int, hi: int, highlights: Iterable[Span]) -> Markup:
    out, pos = [], lo
    for start, end in _clip(highlights, lo, hi):
        out.append(escape(text[pos:start]))
        out.append(Markup('<strong class="term">%s</strong>') % text[start:end])
        pos = end
    out.append(escape(text[pos:hi]))
    return Markup("").join(out)


def highlight(text: str, answer: Span | None, highlights: Iterable[Span] = ()) -> Markup:
    """Escaped `text` with `answer` wrapped in <mark> and `highlights` in <strong>; bad spans are ignored."""
    highlights = tuple(highlights)
    n = len(text)
    if answer is None or not 0 <= answer.start < answer.end <= n:
        return _terms(text, 0, n, highlights)
    return Markup("").join(
        [
            _terms(text, 0, answer.start, highlights),
            Markup('<mark class="answer">%s</mark>') % _terms(text, answer.start, answer.end, highlights),
            _terms(text, answer.end, n, highlights),
        ]
    )


def safe_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) link (never javascript: or data:), else None."""
    return http_url(url)
