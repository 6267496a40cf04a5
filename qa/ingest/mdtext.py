"""Markdown to the text a reader sees, one output line per input line, with an offset map into the raw Markdown:
headings (ATX and setext), fenced and indented code blocks copied as written, inline markup dropped (link targets,
images, tags, emphasis, escapes) and code spans recorded.

MyST (Sphinx's and Jupyter Book's Markdown) writes directives as fences: "```{note}" over Markdown prose. An
admonition-like directive (PROSE_DIRECTIVES: note, warning, tip, seealso, versionadded, tab, dropdown...) is read as the
Markdown it holds, its fence lines and ":option:" lines dropped (its argument, a title or a tab's label, a line of its
own; a version directive's argument, a bare version number, dropped with it); a table of contents ("```{toctree}")
is no text; any other directive (code-block, a project's own "{pip-cli}" console transcript) stays a code block. A
role's code span reads as its text ({pypi}`requests` as "requests", {ref}`setup_requires <controlling-setup>` as
"setup_requires"), a target line ("(wheel-caching)=") as nothing. A fence is closed by a fence of the same
character at least as long (CommonMark), so a "````{tab}" holds a "```" code block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.ingest.textmap import MappedText, TextBuilder

# fmt: off
PROSE_DIRECTIVES = frozenset({
    "note", "warning", "tip", "important", "caution", "attention", "danger", "error", "hint", "seealso", "admonition",
    "versionadded", "versionchanged", "deprecated", "topic", "sidebar", "margin", "dropdown", "tab", "tab-item",
    "tab-set", "card", "grid", "grid-item", "grid-item-card", "epigraph", "pull-quote", "highlights", "rubric",
})
# fmt: on
VERSION_DIRECTIVES = frozenset({"versionadded", "versionchanged", "deprecated"})  # their argument is a version
CONTENTS_DIRECTIVES = frozenset({"toctree", "contents"})  # a list of pages or sections: no text

_MD_INLINE = re.compile(
    r"""(?P<image>!\[[^\]]*\]\([^)]*\))
    |(?P<link>\[(?P<ltext>[^\]]*)\](?:\([^)]*\)|\[[^\]]*\]))
    |(?P<auto><(?P<aurl>https?://[^>\s]+)>)
    |(?P<tag></?[A-Za-z][^>]*>)
    |(?P<role>\{[a-z][\w:.+-]*\}`(?P<rtext>[^`]+?)(?:\s*<[^<>`]+>)?`)
    |(?P<code>(?P<ticks>`+)(?P<ctext>.+?)(?P=ticks))
    |(?P<escape>\\(?P<echar>[\\`*_{}\[\]()#+\-.!>]))
    |(?P<emph>(?<![\w*_])[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?![\w*_]))""",
    re.X,
)
_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_MD_PREFIX = re.compile(r"^ {0,3}(?:>[ \t]?)*(?:[-*+][ \t]+|\d{1,9}[.)][ \t]+)?")
_MD_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*(.*?)[ \t]*$")
_MYST_DIRECTIVE = re.compile(r"\{([a-z][\w:-]*)\}[ \t]*(.*)$")
_MYST_OPTION = re.compile(r"^ {0,3}:[\w-]+:")
_MYST_TARGET = re.compile(r"^ {0,3}\([^()\s]+\)=[ \t]*$")
_MD_RULE = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_MD_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_MD_LINKDEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$")


@dataclass(frozen=True)
class MarkdownText:
    """Markdown as plain lines (one output line per input line), heading levels and code spans."""

    text: MappedText
    headings: dict[int, int]  # line number -> level (ATX: number of #; setext: 1 for ===, 2 for ---)
    code_blocks: tuple[tuple[int, int], ...]  # raw [start, end) of fenced and indented code blocks
    inline_code: tuple[tuple[int, int], ...]  # raw [start, end) of `code spans`


def extract_markdown(text: MappedText) -> MarkdownText:
    """Markdown to plain lines (one output line per input line), headings, code blocks and inline code.
    Code blocks are fenced (``` or ~~~) or indented by four spaces or a tab after a blank line (not
    inside a list item); their lines are copied as written. MyST directives as in the module docstring."""
    lines = text.text.split("\n")
    b = _MappedBuilder(text.raw_length)
    headings: dict[int, int] = {}
    blocks: list[tuple[int, int]] = []
    inline: list[tuple[int, int]] = []
    fence: str | None = None
    directives: list[tuple[str, bool]] = []  # open MyST directives read as text: (fence, whether it is no text)
    options = False  # at a directive's top, where its ":option:" lines are
    indented = False  # inside an indented code block
    blank_before, in_list = True, False
    pos = 0
    for n, line in enumerate(lines):
        body = line.rstrip("\r")
        nxt = lines[n + 1] if n + 1 < len(lines) else ""
        opening = _MD_FENCE.match(body)
        directive = _MYST_DIRECTIVE.match(opening.group(2)) if opening and fence is None else None
        options = options and bool(_MYST_OPTION.match(body))
        if indented and body.strip() and not _MD_INDENTED.match(body):
            indented = False
        if fence is not None:
            if _closes(opening, fence):
                fence = None
            else:
                _code_line(b, text, pos, pos + len(body), blocks)
        elif directives and _closes(opening, directives[-1][0]):
            directives.pop()
        elif options or (directives and directives[-1][1]):
            pass  # a directive's options; a table of contents
        elif opening and directive and directive.group(1) in PROSE_DIRECTIVES | CONTENTS_DIRECTIVES:
            name = directive.group(1)
            directives.append((opening.group(1), name in CONTENTS_DIRECTIVES))
            options = True
            if name in PROSE_DIRECTIVES - VERSION_DIRECTIVES:  # its title or label
                _inline(b, text, pos + opening.start(2) + directive.start(2), pos + opening.end(2), inline)
        elif opening:
            fence = opening.group(1)
            blocks.append((-1, -1))  # a new block starts (filled by its first line)
        elif indented or (blank_before and not in_list and body.strip() and _MD_INDENTED.match(body)):
            if not indented:
                blocks.append((-1, -1))
            indented = True
            if body.strip():
                _code_line(b, text, pos, pos + len(body), blocks)
        elif (h := _MD_HEADING.match(body)) is not None:
            headings[n] = len(h.group(1))
            _inline(b, text, pos + h.start(2), pos + h.end(2), inline)
        elif _MD_RULE.match(body) or _MD_LINKDEF.match(body) or _MYST_TARGET.match(body):
            pass
        elif _MD_SETEXT.match(body) and n > 0:
            pass  # a setext underline's heading is the line above (marked there)
        else:
            if body.strip() and _MD_SETEXT.match(nxt) and not _MD_RULE.match(body):
                headings[n] = 1 if nxt.strip()[0] == "=" else 2
            start = pos + _MD_PREFIX.match(body).end()
            _inline(b, text, start, pos + len(body), inline)
        if body.strip():
            in_list = bool(_MD_ITEM.match(body)) or (in_list and body[:1] in " \t")
        blank_before = not body.strip()
        if n + 1 < len(lines):
            b.add(text, pos + len(line), pos + len(line) + 1)
        pos += len(line) + 1
    return MarkdownText(b.build(), headings, tuple(blk for blk in blocks if blk[0] >= 0), tuple(inline))


def _closes(line: re.Match[str] | None, fence: str) -> bool:
    """Whether a fence line closes the block `fence` opened: the same character, at least as many, nothing after."""
    return line is not None and line.group(1)[0] == fence[0] and len(line.group(1)) >= len(fence) and not line.group(2)


_MD_INDENTED = re.compile(r"^(?: {4}|\t)")
_MD_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+")


def _code_line(b: _MappedBuilder, text: MappedText, start: int, end: int, blocks: list[tuple[int, int]]) -> None:
    """Copy a code line as written and extend the current block's raw span over it."""
    b.add(text, start, end)
    if end > start:
        a, z = text.span(start, end)
        first = blocks[-1][0] if blocks[-1][0] >= 0 else a
        blocks[-1] = (first, z)


class _MappedBuilder(TextBuilder):
    """A TextBuilder that can also append a slice of a MappedText with its map, in one step."""

    def add(self, text: MappedText, start: int, end: int) -> None:
        self._parts.append(text.text[start:end])
        self._starts.extend(text.starts[start:end])
        self._ends.extend(text.ends[start:end])


def _inline(b: _MappedBuilder, text: MappedText, start: int, end: int, code: list[tuple[int, int]]) -> None:
    """Copy text[start:end] dropping inline markup: link targets, images, tags, emphasis, escapes;
    the raw spans of code spans are appended to `code`."""
    s = text.text
    pos = start
    for m in _MD_INLINE.finditer(s, start, end):
        b.add(text, pos, m.start())
        if m.group("link") is not None:
            _inline(b, text, m.start("ltext"), m.end("ltext"), code)
        elif m.group("auto") is not None:
            b.add(text, m.start("aurl"), m.end("aurl"))
        elif m.group("role") is not None:
            b.add(text, m.start("rtext"), m.end("rtext"))
            code.append(text.span(m.start("rtext"), m.end("rtext")))
        elif m.group("code") is not None:
            b.add(text, m.start("ctext"), m.end("ctext"))
            code.append(text.span(m.start("ctext"), m.end("ctext")))
        elif m.group("escape") is not None:
            b.add(text, m.start("echar"), m.end("echar"))
        # images, HTML tags and emphasis marks are dropped
        pos = m.end()
    b.add(text, pos, end)
