"""Links a passage to the references that support it: by in-text marker, else by title-term evidence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from qa.models import Citation, Passage, Reference
from qa.search.wordstats import specificity

MIN_SHARED_TERMS = 2  # fewer shared title terms is too weak to call a citation
MIN_TITLE_COVERAGE = 0.5  # share of the title's weight (word specificity) the passage must contain
MIN_KEY_SPECIFICITY = 4.0  # at least one shared word this specific: "common" + "nerve" is not evidence
MAX_CITATIONS = 3

Spans = Callable[[str], list[tuple[str, int, int]]]  # text -> (stem, start, end) per kept token


def link_citations(
    passage: Passage,
    references: Sequence[Reference],
    spans: Spans,
) -> tuple[Citation, ...]:
    """Citations of `passage` among its document's references; none rather than a doubtful one."""
    own = [r for r in references if r.document_id == passage.document_id]
    if passage.kind == "reference":
        return tuple(
            Citation(r, "self", "the result is this reference entry", 1.0) for r in own if r.id == passage.reference_id
        )
    if passage.markers:
        by_ordinal = {str(r.ordinal): r for r in own}
        found = [by_ordinal[m] for m in passage.markers if m in by_ordinal]
        return tuple(Citation(r, "marker", f"in-text marker [{r.ordinal}]", 1.0) for r in found)
    return _by_title_overlap(passage, own, spans)


def _by_title_overlap(passage: Passage, references: Sequence[Reference], spans: Spans) -> tuple[Citation, ...]:
    words = {stem for stem, _, _ in spans(passage.text)}  # not the heading: its text may be about else
    scored = []
    for ref in references:
        surface, weight = _title_terms(ref.title, spans)
        shared = surface.keys() & words
        if len(shared) < MIN_SHARED_TERMS:
            continue
        coverage = sum(weight[t] for t in shared) / sum(weight.values())
        if coverage >= MIN_TITLE_COVERAGE and max(weight[t] for t in shared) >= MIN_KEY_SPECIFICITY:
            evidence = "shared title terms: " + ", ".join(sorted(surface[t] for t in shared))
            scored.append((-coverage, ref.ordinal, Citation(ref, "overlap", evidence, round(coverage, 4))))
    scored.sort(key=lambda t: (t[0], t[1]))
    return tuple(c for _, _, c in scored[:MAX_CITATIONS])


@lru_cache(maxsize=65536)
def _title_terms(title: str, spans: Spans) -> tuple[dict[str, str], dict[str, float]]:
    """A title's stems with their surface words and weights (titles recur in every answer: cached)."""
    surface = {stem: title[a:b].lower() for stem, a, b in spans(title)}
    return surface, {stem: specificity(word) for stem, word in surface.items()}
