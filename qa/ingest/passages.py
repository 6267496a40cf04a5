"""Sections and references to Passages: a few consecutive sentences of one section each (never across
a heading, never cutting a sentence written around a code block), then one passage per reference, all chained in
document order."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from qa.ingest.structure import Line, Section
from qa.models import Passage, Reference, Sentence, Span

MIN_WORDS = 20  # a passage takes sentences until it has at least this many words...
MAX_WORDS = 80  # ...without going over this many (a single longer sentence stands alone)
MAX_SENTENCES = 4
_MARKER = re.compile(r"\[(\d{1,3}(?:\s*[-–,]\s*\d{1,3})*)\]|([⁰¹²³⁴⁵⁶⁷⁸⁹]+(?:[,⁻-][⁰¹²³⁴⁵⁶⁷⁸⁹]+)*)")
_SUPER_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def build_passages(
    document_id: str, title: str, sections: Sequence[Section], references: Sequence[Reference]
) -> tuple[Passage, ...]:
    """Body passages `{document_id}-p{n}` (section = nearest heading, else `title`), then one
    "reference" passage per reference (id = the reference id), previous/next chaining all of them. A paragraph before
    the first heading that only repeats the title is left out (_is_title)."""
    body: list[Passage] = []
    for section in sections:
        paragraphs = section.paragraphs
        if section.heading is None and paragraphs and _is_title(paragraphs[0], title):
            paragraphs = paragraphs[1:]  # the page's title drawn as text over the first heading is no passage
        for group in group_sentences([s for paragraph in paragraphs for s in paragraph]):
            n = len(body) + 1
            passage = _passage(f"{document_id}-p{n}", document_id, n, section.heading or title, group)
            body.append(dataclasses.replace(passage, heading_path=tuple(section.path)))
    refs = [_reference_passage(r, len(body) + i) for i, r in enumerate(references, 1)]
    return chain(body + refs)


def _is_title(paragraph: Sequence[Line], title: str) -> bool:
    """Whether a paragraph is only the document's title (SQLite's `<div class="fancy_title">` over the first h1: 112
    passages of SQLite's pages said only their title)."""
    line = paragraph[0]
    return len(paragraph) == 1 and not line.code and " ".join(line.text.split()) == " ".join(title.split())


def group_sentences(sentences: Sequence[Line]) -> list[list[Line]]:
    """Greedy packing in order: close a group once it has MIN_WORDS words, or when the next sentence
    would take it past MAX_WORDS or MAX_SENTENCES; a short last group joins the one before if it fits. A sentence
    written around a code block is packed as one (`_units`): the lead-in, the code and the rest are never apart."""
    groups: list[list[Line]] = []
    current: list[Line] = []
    words = 0
    for unit in _units(sentences):
        w = sum(len(line.text.split()) for line in unit)
        if current and (words >= MIN_WORDS or words + w > MAX_WORDS or len(current) + len(unit) > MAX_SENTENCES):
            groups.append(current)
            current, words = [], 0
        current.extend(unit)
        words += w
    if current:
        prev = groups[-1] if groups else None
        if (
            prev
            and words < MIN_WORDS // 2
            and len(prev) + len(current) <= MAX_SENTENCES
            and sum(len(s.text.split()) for s in prev) + words <= MAX_WORDS
        ):
            prev.extend(current)
        else:
            groups.append(current)
    return groups


# A sentence's end, or a lead-in's (what follows a ":" may open a sentence of its own in lower case: "…would be:"
# code "mod_cache will run before…"): final punctuation, then closing quotes or brackets
_ENDED = re.compile(r"[.!?:;][\"'”’)\]]*$")


def _units(sentences: Sequence[Line]) -> list[list[Line]]:
    """The sentences in packing units: one sentence each, but a code block and the text after it join the sentence
    before it when that sentence is unfinished (no final . ! ? : ;) and the text after the code opens in lower case, one
    sentence written around its example (PostgreSQL's "So a query of the form" SELECT… "could use the index…", the
    Apache manual's "For example, with" Alias… "the URL … will be served from …")."""
    units: list[list[Line]] = []
    joined = False  # the line before was a code block inside a sentence: this line is the rest of it
    for k, line in enumerate(sentences):
        if joined or (line.code and units and _continued(sentences, k)):
            units[-1].append(line)
            joined = not joined
        else:
            units.append([line])
    return units


def _continued(sentences: Sequence[Line], k: int) -> bool:
    """Whether the code block `sentences[k]` stands inside a sentence: an unfinished one before it, text in lower case
    after it."""
    before, after = sentences[k - 1], sentences[k + 1] if k + 1 < len(sentences) else None
    return (
        not before.code
        and not _ENDED.search(before.text)
        and after is not None
        and not after.code
        and after.text[:1].islower()
    )


def _passage(passage_id: str, document_id: str, ordinal: int, section: str, group: list[Line]) -> Passage:
    sentences, pieces, pos = [], [], 0
    for k, line in enumerate(group):
        if k:  # a code block stands on lines of its own
            pieces.append("\n" if line.code or group[k - 1].code else " ")
            pos += 1
        sentences.append(Sentence(line.text, pos, pos + len(line.text), line.source))
        pieces.append(line.text)
        pos += len(line.text)
    text = "".join(pieces)
    return Passage(
        passage_id=passage_id,
        document_id=document_id,
        ordinal=ordinal,
        kind="passage",
        section=section,
        text=text,
        sentences=tuple(sentences),
        source=Span(group[0].source.start, group[-1].source.end),
        markers=find_markers(text),
    )


def _reference_passage(reference: Reference, ordinal: int) -> Passage:
    text = reference.text
    return Passage(
        passage_id=reference.id,
        document_id=reference.document_id,
        ordinal=ordinal,
        kind="reference",
        section="References",
        text=text,
        sentences=(Sentence(text, 0, len(text), reference.source),),
        source=reference.source,
        reference_id=reference.id,
    )


def chain(passages: list[Passage]) -> tuple[Passage, ...]:
    """The passages with previous_id/next_id linking each to its neighbours in list order."""
    return tuple(
        dataclasses.replace(
            p,
            previous_id=passages[i - 1].passage_id if i > 0 else None,
            next_id=passages[i + 1].passage_id if i + 1 < len(passages) else None,
        )
        for i, p in enumerate(passages)
    )


def find_markers(text: str) -> tuple[str, ...]:
    """In-text citation markers, in order without repeats: "[2,3]" -> ("2", "3"), "[1-3]" and
    superscripts "¹⁻³" -> ("1", "2", "3")."""
    found: list[str] = []
    for m in _MARKER.finditer(text):
        piece = m.group(1) or m.group(2).translate(_SUPER_DIGITS)
        for part in re.split(r"\s*,\s*", piece):
            bounds = [int(x) for x in re.split(r"\s*[-–]\s*", part) if x]
            lo, hi = bounds[0], bounds[-1]
            for n in range(lo, hi + 1) if 0 <= hi - lo <= 50 else (lo, hi):
                if str(n) not in found:
                    found.append(str(n))
    return tuple(found)
