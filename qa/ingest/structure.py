"""Document structure from extracted text: the reference list at the end (normalized only), then
headings, sections and sentences of the repaired body, each with its span in the raw source.

Why one module of this size: the decisions are one reading of the same lines, each bounding the next: the reference
list where the body ends, headings where paragraphs end, a line's end whether the next line goes on with its sentence,
and the paragraph what Punkt splits (a sentence number or a quote that Punkt cuts off goes back to its sentence)."""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from qa.ingest import repair as repairing  # looked up per call, so tests can stub the rules
from qa.ingest.lexicon import Lexicon
from qa.ingest.textmap import MappedText
from qa.models import Span

REFERENCE_HEADING = re.compile(
    r"^\W*(references?|sources?|bibliography|works cited|citations|literature cited|reference list)\W*$",
    re.I,
)
# fmt: off
MINOR_WORDS = frozenset({
    "a", "an", "the", "and", "or", "but", "nor", "of", "in", "on", "at", "to", "for", "by", "with",
    "from", "as", "vs", "via", "into", "per", "than", "is", "are", "be",
})
# fmt: on
# fmt: off
ABBREVIATIONS = frozenset({
    "e.g", "i.e", "eg", "ie", "cf", "viz", "dr", "mr", "mrs", "ms", "prof", "st", "vs", "etc", "al", "fig",
    "figs", "approx", "no", "vol", "pp", "ed", "eds", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec",
})
# fmt: on
# Pieces of a citation: "Org.Title" / "Name AB.Title" glued at a period, DOIs, "2016 Feb;93(4):279-285"
_NAME = r"(?:[A-Z][\w'&-]*|of|for|and|the|de|van|von|&)"
_GLUED_SOURCE = re.compile(rf"^(?:{_NAME}[ ,]+){{0,8}}{_NAME}\.[A-Z]")
_PERSONAL = re.compile(r"^[A-Z][\w'-]+(?: [A-Z][\w'-]+)* [A-Z]{1,3}(?:, [A-Z][\w'-]+(?: [A-Z][\w'-]+)* [A-Z]{1,3})*")
_YEAR_DETAILS = re.compile(r"\b(?:19|20)\d\d(?: [A-Z][a-z]{2,8}(?: \d{1,2})?)?;\s?\w*(?:\(\w+\))?:\s?\w")
_DOI = re.compile(r"\bdoi:\s?10\.|\bdoi\.org/10\.|\bhttps?://", re.I)


@dataclass(frozen=True)
class Line:
    """A piece of text (a heading, a sentence, a code block, a reference-list line) and its raw span."""

    text: str
    source: Span
    code: bool = False  # a code block: its line breaks kept, never sentence-split or repaired


@dataclass(frozen=True)
class Section:
    """The sentences under one heading (None: the lead before any heading), grouped by paragraph;
    `path` is the heading path down to this heading (outermost first; () for the lead)."""

    heading: str | None
    paragraphs: tuple[tuple[Line, ...], ...]
    path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Structure:
    """Headings, body sections and the non-blank lines of the reference list, in document order."""

    headings: tuple[Line, ...]
    sections: tuple[Section, ...]
    references: tuple[Line, ...]


def analyze(
    text: MappedText,
    headings: Mapping[int, int] | None = None,
    code_blocks: Sequence[tuple[int, int]] = (),
    inline_code: Sequence[tuple[int, int]] = (),
    lexicon: Lexicon | None = None,
) -> Structure:
    """Split extracted text into body and reference list, repair the body only (never its code), and
    find headings (the markup's `headings`, line -> level, when there are any, else short title-case
    lines), sections with their heading paths, sentences and code blocks (raw spans `code_blocks`).
    `lexicon`: the corpus's word counts, evidence for repair (qa.ingest.lexicon)."""
    headings = dict(headings or {})
    normalized = repairing.normalize(text)
    lines = _lines(normalized)
    code_lines = frozenset(_code_lines(normalized, lines, code_blocks))
    ref_start, body_end, trailing = reference_lines([t for t, _, _ in lines], frozenset(headings) or None, code_lines)
    body_len = lines[body_end][1] if body_end < len(lines) else len(normalized.text)
    kept = normalized.slice(0, body_len)
    if trailing < len(lines):  # a section after the reference list stays in the body, after the rest
        tail = normalized.slice(lines[trailing][1], len(normalized.text))
        joint = "" if kept.text.endswith("\n") or not kept.text else "\n"
        kept = MappedText(
            kept.text + joint + tail.text,
            kept.starts + array("q", [body_len] * len(joint)) + tail.starts,
            kept.ends + array("q", [body_len] * len(joint)) + tail.ends,
            normalized.raw_length,
        )
        removed = trailing - body_end
        headings = {
            (n - removed if n >= trailing else n): v for n, v in headings.items() if not body_end <= n < trailing
        }
    body = repairing.repair(kept, protected=[*code_blocks, *inline_code], lexicon=lexicon)
    references = tuple(Line(t.strip(), _span(normalized, a, b)) for t, a, b in lines[ref_start:trailing] if t.strip())
    body_lines = _lines(body)
    heads = {n: level for n, level in headings.items() if n < len(body_lines) and body_lines[n][0].strip()}
    if not headings:
        heads = {n: 1 for n in range(len(body_lines)) if is_heading_line(body_lines, n)}
    code = _code_lines(body, body_lines, code_blocks)
    for n in code:
        heads.pop(n, None)
    sections = _sections(body, body_lines, heads, code)
    found = tuple(Line(" ".join(body_lines[n][0].split()), _span(body, *body_lines[n][1:])) for n in sorted(heads))
    return Structure(found, sections, references)


def _code_lines(
    body: MappedText, lines: list[tuple[str, int, int]], blocks: Sequence[tuple[int, int]]
) -> dict[int, int]:
    """{line number: index of the code block it lies in} for lines whose first character is code."""
    spans = sorted(blocks)
    starts = [a for a, _ in spans]
    out: dict[int, int] = {}
    for n, (t, a, _) in enumerate(lines):
        if not spans or not t.strip():
            continue
        first = a + len(t) - len(t.lstrip())
        raw = body.starts[first]
        i = bisect.bisect_right(starts, raw) - 1
        if i >= 0 and raw < spans[i][1]:
            out[n] = i
    return out


def _lines(text: MappedText) -> list[tuple[str, int, int]]:
    """(line text without "\\r", start, end) per line; offsets index text.text."""
    out, pos = [], 0
    for line in text.text.split("\n"):
        core = line.rstrip("\r")
        out.append((core, pos, pos + len(core)))
        pos += len(line) + 1
    return out


def _span(text: MappedText, start: int, end: int) -> Span:
    """Raw span of text[start:end] with surrounding whitespace left out."""
    s = text.text
    while start < end and s[start].isspace():
        start += 1
    while end > start and s[end - 1].isspace():
        end -= 1
    return Span(*text.span(start, end))


def looks_like_heading(line: str) -> bool:
    """A short line in title case without a final period, comma or colon ('How Long Do X Last?')."""
    s = line.strip()
    words = s.split()
    if not s or len(s) > 90 or len(words) > 12 or s[-1] in ".,;:" or ". " in s:
        return False
    if not (s[0].isupper() or s[0].isdigit()):
        return False
    for word in words:
        core = word.strip("()[]{}\"'“”‘’?!-–—/&*")
        if core and core.lower() not in MINOR_WORDS and not (core[0].isupper() or core[0].isdigit()):
            return False
    return any(c.isalpha() for c in s)


# A heading never ends with one of these: a line that does is a wrapped line of a paragraph (Valgrind's NEWS:
# "X86/Solaris, AMD64/Solaris, AMD64/MacOSX 10.12, X86/FreeBSD and")
OPEN_ENDS = frozenset({"a", "an", "the", "and", "or", "nor", "but", "of"})


def is_heading_line(lines: list[tuple[str, int, int]], n: int) -> bool:
    """Whether line n of a text without heading markup is a heading: it looks like one, does not end with a word
    that needs another after it (OPEN_ENDS), and the line before it is blank or does not end with a comma."""
    text = lines[n][0]
    if not looks_like_heading(text) or text.split()[-1].lower() in OPEN_ENDS:
        return False
    return n == 0 or not lines[n - 1][0].rstrip().endswith(",")


def looks_like_citation(line: str) -> bool:
    """A line shaped like a reference-list entry: 'Org.Title.', 'Name AB, ...', a DOI, '2016;93(4):279'."""
    s = line.strip()
    if not s:
        return False
    if _DOI.search(s) or _YEAR_DETAILS.search(s) or " et al" in s:
        return True
    personal = _PERSONAL.match(s)
    if personal and s[personal.end() : personal.end() + 1] in (".", ","):
        return True
    return bool(_GLUED_SOURCE.match(s)) and s[-1] in ".?"


def find_reference_list(lines: list[str], marked: frozenset[int] | None = None) -> tuple[int, int]:
    """(first line of the reference list, first line after the body): both len(lines) when there is
    none. A References/Sources/Bibliography heading wins (`_heads_references`); else the trailing block of lines most of
    which look like citations (at least two; a run of two other lines ends the block). `marked`: the lines a page's
    markup marks as headings (None: a text without markup); then only a marked line heads a list (Debian
    Reference's table cell "Sources", the name of an archive file, took the section after it)."""
    ref_start, body_end, _ = reference_lines(lines, marked)
    return ref_start, body_end


def reference_lines(
    lines: list[str], marked: frozenset[int] | None = None, code: frozenset[int] = frozenset()
) -> tuple[int, int, int]:
    """(first line of the reference list, first line after the body before it, first line of a section
    after it): find_reference_list's two, and where a trailing section ('Related Articles' and prose
    after the list) starts, len(lines) when there is none. The trailing section belongs to the body. `code`: the
    lines of code blocks, never citations (urllib.robotparser's closing example, `>>> rp.can_fetch("*", "http://…")`)."""
    ref_start, body_end = _reference_list(lines, marked, code)
    if ref_start == len(lines):  # nothing at the end: maybe a list followed by a short trailing section
        for n in range(len(lines) - 1, -1, -1):
            if _starts_trailing_section(lines, n):
                start, end = _reference_list(lines[:n], marked, code)
                if start < n:
                    return start, end, n
                break
        return ref_start, body_end, len(lines)
    for n in range(ref_start, len(lines)):
        if _starts_trailing_section(lines, n):
            return ref_start, body_end, n
    return ref_start, body_end, len(lines)


def _starts_trailing_section(lines: list[str], n: int) -> bool:
    """A heading that is no citation, followed by a line of prose (five words or more, no citation)."""
    line = lines[n].strip()
    if not looks_like_heading(line) or looks_like_citation(line) or REFERENCE_HEADING.match(line):
        return False
    after = next((t.strip() for t in lines[n + 1 :] if t.strip()), "")
    return len(after.split()) >= 5 and not looks_like_citation(after)


def _reference_list(
    lines: list[str], marked: frozenset[int] | None = None, code: frozenset[int] = frozenset()
) -> tuple[int, int]:
    for n in range(len(lines) - 1, -1, -1):
        if marked is not None and n not in marked:
            continue  # a page that marks its headings: a table cell "Sources" or "References" heads nothing
        if REFERENCE_HEADING.match(lines[n].strip()) and _heads_references(lines, n):
            return n + 1, n
    start, cited, misses = len(lines), 0, 0
    for n in range(len(lines) - 1, -1, -1):
        if not lines[n].strip():
            continue
        if n not in code and looks_like_citation(lines[n]):  # an example's URL is no citation
            start, cited, misses = n, cited + 1, 0
        else:
            misses += 1
            if misses == 2:
                break
    if cited < 2:
        return len(lines), len(lines)
    return start, start


LISTED_LINES = 30  # the lines after a References heading read for citations (_heads_references)
ENTRY_WORDS = 4  # a line of a reference list's entry has at least this many words ("Mayo Clinic. Calf pain.")


def _heads_references(lines: list[str], n: int) -> bool:
    """Whether the References/Sources line n heads a reference list: written as a heading ("References",
    "Sources:"), or else (in capitals or lower case: SQL's REFERENCES and SOURCE key words, Git's `reference`
    pretty format and `--reference` option) when a quarter of the LISTED_LINES non-blank lines after it look
    like citations. Those words head 180 lines of git-log's options and PostgreSQL's privilege table. "References"
    written as a heading needs one citation or half its lines of ENTRY_WORDS words or more, as a list's entries
    have (the audit-events table's column "References" heads 494 cells of event names)."""
    line = lines[n].strip()
    word = REFERENCE_HEADING.match(line).group(1)  # type: ignore[union-attr]
    after = [t for t in lines[n + 1 :] if t.strip()][:LISTED_LINES]
    cited = sum(map(looks_like_citation, after))
    if line[0].isupper() and word[1:].islower():
        entries = sum(len(t.split()) >= ENTRY_WORDS for t in after)
        return word.lower() != "references" or cited > 0 or 2 * entries >= len(after)
    return bool(after) and 4 * cited >= len(after)


def _sections(
    body: MappedText, lines: list[tuple[str, int, int]], heads: dict[int, int], code: dict[int, int]
) -> tuple[Section, ...]:
    """Sections split at heading lines, each with its heading path; paragraphs are runs of lines (hard
    wraps joined), a code block is one paragraph of one code Line. Definition terms that follow each
    other with nothing between (`-n` then `--dry-run`) are one heading: "-n, --dry-run"."""
    sections: list[Section] = []
    heading: str | None = None
    level = 0
    paragraphs: list[tuple[Line, ...]] = []
    stack: list[tuple[int, str]] = []
    for para in _paragraph_ranges(lines, heads, code):
        if isinstance(para, int):
            text = " ".join(lines[para][0].split())
            if heading is not None and not paragraphs and heads[para] == level and level > 6:
                heading = f"{heading}, {text}"
                stack[-1] = (level, heading)
                continue
            if paragraphs or heading is not None:
                sections.append(Section(heading, tuple(paragraphs), tuple(h for _, h in stack)))
            level = heads[para]
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, text))
            heading, paragraphs = text, []
            continue
        if para[0] in code:
            block = _code_block(body, lines, para)
            if block:
                paragraphs.append((block,))
            continue
        sentences = split_sentences(body, lines[para[0]][1], lines[para[1]][2])
        if sentences:
            paragraphs.append(sentences)
    if paragraphs or heading is not None:
        sections.append(Section(heading, tuple(paragraphs), tuple(h for _, h in stack)))
    return tuple(sections)


def _code_block(body: MappedText, lines: list[tuple[str, int, int]], para: tuple[int, int]) -> Line | None:
    """Lines para[0]..para[1] as one code Line: line breaks and indentation kept, trailing spaces cut."""
    first, last = para
    text = "\n".join(lines[n][0].rstrip() for n in range(first, last + 1)).strip("\n")
    if not text.strip():
        return None
    start = lines[first][1] + len(lines[first][0]) - len(lines[first][0].lstrip())
    end = lines[last][1] + len(lines[last][0].rstrip())
    return Line(text.lstrip(" \t") if "\n" not in text else _dedent(text), Span(*body.span(start, end)), code=True)


def _dedent(text: str) -> str:
    """The block without the indentation all its lines share."""
    rows = text.split("\n")
    indent = min((len(r) - len(r.lstrip(" ")) for r in rows if r.strip()), default=0)
    return "\n".join(r[indent:] for r in rows)


def _paragraph_ranges(
    lines: list[tuple[str, int, int]], heads: dict[int, int], code: dict[int, int]
) -> list[int | tuple[int, int]]:
    """Heading line numbers (int) and paragraphs as (first line, last line), in order. Lines are joined
    when the first does not end a sentence and looks hard-wrapped (long, or the next starts lowercase), and
    the next opens no list item (opens_item);
    the lines of one code block (blank lines inside it too) are one paragraph of their own."""
    out: list[int | tuple[int, int]] = []
    current: tuple[int, int] | None = None
    block: int | None = None  # code block of `current`, when it is one
    for n, (text, _, _) in enumerate(lines):
        s = text.strip()
        if n in code:
            if current and block == code[n]:
                current = (current[0], n)
                continue
            if current:
                out.append(current)
            current, block = (n, n), code[n]
            continue
        if RULER.fullmatch(s):
            s = ""  # a ruler ("-----", a title's "~~~~" underline) parts paragraphs and is no text
        if not s and block is not None and any(code.get(m) == block for m in range(n + 1, min(n + 50, len(lines)))):
            continue  # a blank line inside a code block
        if n in heads or not s:
            if current:
                out.append(current)
            current, block = None, None
            if n in heads:
                out.append(n)
            continue
        if current and block is None and _continues(lines[n - 1][0].strip(), s):
            current = (current[0], n)
        else:
            if current:
                out.append(current)
            current, block = (n, n), None
    if current:
        out.append(current)
    return out


RULER = re.compile(r"([-=~_*#+])\1{2,}")
# A line that opens a list item never continues the line before: a bullet ("* ", "- ", "+ ", "• "), a bug
# list's number (5 digits or more) and two spaces ("445668  Inline stack frame…", Valgrind's "n-i-bz  …": not
# in bugzilla), as changelogs and NEWS files write their items, or a number ("2. ", "3) ") after a line that
# opens an item itself (a wrapped sentence's line may start with one: "…increased from 24 to\n48.  The…")
LIST_ITEM = re.compile(r"^(?:[*•+-]\s|(?:\d{5,}|n-i-bz)\s\s+\S|(?P<number>\d{1,3}[.)]\s))")


def opens_item(previous: str, line: str) -> bool:
    """Whether `line` (stripped) opens a list item after the stripped line `previous` (LIST_ITEM)."""
    item = LIST_ITEM.match(line)
    return bool(item) and (not item.group("number") or bool(LIST_ITEM.match(previous)))


def _continues(previous: str, line: str) -> bool:
    """Whether `line` goes on with the sentence of the hard-wrapped line `previous` (both stripped). A closing quote
    ends a line's sentence only after a final . ! or ? inside it: NEWS's 'Note that "n-i-bz"' wraps before
    'stands for "not in bugzilla"'."""
    if previous[-1] in ".!?:;)" or (previous[-1] in '"”' and previous[-2:-1] in ".!?") or opens_item(previous, line):
        return False
    return line[0].islower() or len(previous) >= 60


@cache
def _tokenizer():  # type: ignore[no-untyped-def]
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


# A sentence Punkt gives that is only a section number ("1.1.", "4.5.", "2."), or a caption's label ("Table 1.1.",
# "Figure 3.1.", "Example 6.2."): it opens the sentence after it
ORDINAL = re.compile(r"(?:[A-Z][a-z]{1,11} )?(?:\d{1,3}\.)+")
# A table row's cells are joined by this (qa.ingest.htmltext.CELL_SEPARATOR): Punkt's cut before one is undone, so a
# row stays one sentence when a cell ends with a period ("Does the LDAP database require logging in? | no")
CELL_START = "| "
# Punkt's sentence end takes a quote after the period even when a space sets it apart: git-log's 'names the object
# uniquely. "--abbrev=<n>" (which also…'. That quote opens the next sentence unless it closes one the paragraph
# opened (SciFact's 'reported themselves to be "in love. " Analyses revealed…', and quotes of several sentences).


def _opens_next(text: str) -> bool:
    """Whether the quote that ends `text` (a paragraph up to a sentence end), after a space, opens the sentence after
    it: a curly opening quote, or a straight one after an even number of them."""
    if len(text) < 2 or text[-1] not in '"“' or not text[-2].isspace():
        return False
    return text[-1] == "“" or text[:-1].count('"') % 2 == 0


def split_sentences(text: MappedText, start: int, end: int) -> tuple[Line, ...]:
    """Sentences of text[start:end] (line breaks read as spaces), whitespace collapsed, with raw spans; a section
    number ("1.1.", "Table 1.1.") stays with the sentence it numbers, an opening quote with the sentence it opens, a
    table row's cell with the cells before it (ORDINAL, _opens_next, CELL_START)."""
    chunk = text.text[start:end].replace("\r", " ").replace("\n", " ")
    spans: list[list[int]] = []
    for a, b in _tokenizer().span_tokenize(chunk):
        if spans and _opens_next(chunk[: spans[-1][1]]):
            a = spans[-1][1] - 1
            spans[-1][1] = len(chunk[:a].rstrip())
        if spans and (
            ORDINAL.fullmatch(chunk[spans[-1][0] : spans[-1][1]].strip()) or chunk[a:b].startswith(CELL_START)
        ):
            spans[-1][1] = b
        else:
            spans.append([a, b])
    out = []
    for a, b in spans:
        sentence = " ".join(chunk[a:b].split())
        if sentence:
            out.append(Line(sentence, _span(text, start + a, start + b)))
    return tuple(out)
