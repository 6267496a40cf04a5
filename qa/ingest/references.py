"""Reference-list lines to Reference entries: grouping of continuation lines, then authors or
organisation, title, venue, year, details, DOI and URL of each entry, with a formatted citation text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.ingest.structure import Line
from qa.models import Reference, Span

_DOI = re.compile(r"(?:\bdoi:\s*|\bhttps?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/\S+)", re.I)
_URL = re.compile(r"\bhttps?://\S+")
_DATE_DETAILS = re.compile(
    r"(?P<date>(?P<year>(?:19|20)\d\d)(?: [A-Z][a-z]{2,8}(?:-[A-Z][a-z]{2,8})?(?: \d{1,2})?)?)"
    r"\s?;\s?(?P<details>\w*(?:\(\w+\))?(?::\s?[\w-]+)?)\.?"
)
_YEAR_ONLY = re.compile(r"^(?P<year>(?:19|20)\d\d)(?: [A-Z][a-z]{2,8})?$")
_CONTINUATION = re.compile(r"^(?:(?:19|20)\d\d(?: [A-Z][a-z]{2,8}(?: \d{1,2})?)?\s?;|doi:|https?://)", re.I)
# A segment ends at ". " or at a glued ".Title" / "?Title" (not inside initials such as "U.S.")
_SEGMENT_END = re.compile(r"(?<=[^\s.][.?!])(?:\s+|(?=[A-Z][a-z]|[A-Z] [A-Z]|[A-Z]{2,}[a-z]?\b))")
_AUTHOR = r"[A-Z][\w'-]+(?: [A-Z][\w'-]+)* [A-Z]{1,3}"
_AUTHORS = re.compile(rf"^{_AUTHOR}(?:, {_AUTHOR})*(?:,? et al)?$")
_ORG_WORD = re.compile(r"^(?:[A-Z0-9][\w'&.-]*|of|for|and|the|de|&|in|on|at)$")
_VENUE_WORD = re.compile(r"^[A-Z0-9][\w'&-]*$")


@dataclass(frozen=True)
class _Fields:
    segments: tuple[str, ...]  # period-separated parts before the date, e.g. (authors, title, venue)
    year: int | None
    date: str | None  # e.g. "2016 Feb"
    details: str | None
    doi: str | None
    url: str | None


def parse_references(document_id: str, lines: Sequence[Line]) -> tuple[Reference, ...]:
    """One Reference per entry, ids f"{document_id}-r{n}" in list order. A continuation line (a
    date/volume tail, a DOI or URL only) joins the entry above only when that entry lacks it: a date
    tail joins an article without a year (one ending in a journal venue), a DOI an article without a
    DOI, a URL any entry without DOI or URL; otherwise it is an entry of its own (an orphan tail whose
    title line was lost: no title, only year, details, DOI)."""
    entries: list[list[Line]] = []
    for line in lines:
        if entries and _CONTINUATION.match(line.text) and _joins(entries[-1], line.text):
            entries[-1].append(line)
        else:
            entries.append([line])
    return tuple(_reference(document_id, n, group) for n, group in enumerate(entries, 1))


def _joins(entry: list[Line], tail: str) -> bool:
    fields = parse_fields(" ".join(line.text for line in entry))
    is_article = _roles(fields.segments)[2] is not None
    if _DATE_DETAILS.match(tail):
        return is_article and fields.year is None
    if tail.lower().startswith("doi:") or _DOI.match(tail):
        return (is_article or fields.year is not None) and fields.doi is None
    return fields.url is None


def parse_fields(text: str) -> _Fields:
    """Split an entry into its segments and its date, details, DOI and URL."""
    doi_m = _DOI.search(text)
    doi = doi_m.group(1).rstrip(".,;)") if doi_m else None
    rest = _DOI.sub(" ", text)
    url_m = _URL.search(rest)
    url = f"https://doi.org/{doi}" if doi else (url_m.group().rstrip(".,;)") if url_m else None)
    rest = _URL.sub(" ", rest)
    date = details = year = None
    if (m := _DATE_DETAILS.search(rest)) is not None:
        date, details, year = m.group("date"), m.group("details") or None, int(m.group("year"))
        rest = rest[: m.start()] + " " + rest[m.end() :]
    segments = [s.strip(" .") if not s.strip().endswith(("?", "!")) else s.strip() for s in _split(rest)]
    segments = [s for s in segments if s.strip(" .,;")]
    if year is None and segments and (y := _YEAR_ONLY.match(segments[-1])) is not None:
        date, year = segments.pop(), int(y.group("year"))
    return _Fields(tuple(segments), year, date, details, doi, url)


def _split(text: str) -> list[str]:
    out, pos = [], 0
    for m in _SEGMENT_END.finditer(text):
        out.append(text[pos : m.start()])
        pos = m.end()
    out.append(text[pos:])
    return out


def _is_authors(segment: str) -> bool:
    return bool(_AUTHORS.match(segment))


def _is_org(segment: str) -> bool:
    words = segment.split()
    return 0 < len(words) <= 8 and words[0][0].isupper() and all(_ORG_WORD.match(w) for w in words)


def _is_venue(segment: str) -> bool:
    words = segment.split()
    return 0 < len(words) <= 6 and len(segment) <= 50 and all(_VENUE_WORD.match(w) for w in words)


def _roles(segments: tuple[str, ...]) -> tuple[str | None, int, str | None]:
    """("authors" | "organization" | None, index of the title segment, the venue or None): the first
    segment is the source when it reads as names and a title follows; the segment after the title
    is the venue when it looks like a journal name ("Am Fam Physician")."""
    role = None
    if len(segments) >= 2 and _is_authors(segments[0]):
        role = "authors"
    elif len(segments) >= 2 and _is_org(segments[0]):
        role = "organization"
    title_at = 0 if role is None else 1
    after = segments[title_at + 1] if len(segments) > title_at + 1 else None
    return role, title_at, (after if after and _is_venue(after) else None)


def _reference(document_id: str, ordinal: int, group: list[Line]) -> Reference:
    fields = parse_fields(" ".join(line.text for line in group))
    seg = fields.segments
    role, title_at, venue = _roles(seg)
    authors = tuple(a.strip() for a in seg[0].split(",") if a.strip() not in ("", "et al")) if role == "authors" else ()
    return Reference(
        id=f"{document_id}-r{ordinal}",
        document_id=document_id,
        ordinal=ordinal,
        authors=authors,
        organization=seg[0] if role == "organization" else None,
        title=seg[title_at] if len(seg) > title_at else "",
        venue=venue,
        year=fields.year,
        details=fields.details,
        doi=fields.doi,
        url=fields.url,
        text=format_reference(fields),
        source=Span(group[0].source.start, group[-1].source.end),
    )


def format_reference(fields: _Fields) -> str:
    """Vancouver-like text: "Neutze D, Roque J. Title. Am Fam Physician. 2016 Feb;93(4):279-285."."""
    parts = [s if s.endswith(("?", "!")) else s + "." for s in fields.segments]
    if fields.date:
        parts.append(f"{fields.date};{fields.details}." if fields.details else f"{fields.date}.")
    if fields.doi:
        parts.append(f"doi:{fields.doi}")
    elif fields.url:
        parts.append(fields.url)
    return " ".join(parts)
