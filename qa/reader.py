"""Corpus files to plain text: finds .txt/.md/.html files, decodes them strictly, strips markup with an
offset map into the raw source, and reads optional metadata (front matter, sidecar .meta.json).

Decoding: UTF-8 (a UTF-8 byte-order mark stays in the raw text as U+FEFF), or UTF-16/UTF-32 when the
file starts with that encoding's byte-order mark (also kept as U+FEFF). Every offset (Span) counts
characters of this decoded text, never bytes. Anything else is refused with a CorpusError naming the
file: binary data, bytes that are not UTF-8 (with the byte offset and how to convert the file), files
larger than the size limit (QA_MAX_FILE_BYTES), empty files.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from qa.errors import CorpusError
from qa.textmap import MappedText, TextBuilder

FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
# fmt: off
HTML_DROPPED = frozenset({
    "script", "style", "nav", "header", "footer", "aside", "noscript", "template", "head", "svg",
    "iframe", "object", "canvas",
})
HTML_BLOCKS = frozenset({
    "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre",
    "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "figure", "figcaption", "form",
    "fieldset", "address", "hr", "br", "details", "summary", "h1", "h2", "h3", "h4", "h5", "h6", "body",
})
HTML_HEADINGS = frozenset({
    "h1", "h2", "h3", "h4", "h5", "h6",
})
# fmt: on
# Byte-order marks that name their encoding unambiguously (UTF-32 first: its LE mark starts like UTF-16's).
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Signatures of binary formats someone may drop into a corpus folder under a text extension.
MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF file"),
    (b"PK\x03\x04", "a ZIP archive (docx, xlsx, epub, ...)"),
    (b"\x1f\x8b", "gzip data"),
    (b"\x7fELF", "an executable"),
)
SNIFF_BYTES = 8192
BINARY_NUL_SHARE = 0.01  # text with a stray NUL is still text; UTF-16 without a BOM or binary data is not


@dataclass(frozen=True)
class SourceFile:
    """One decoded corpus file: identity, raw text, extracted text mapped into it, and metadata."""

    id: str
    path: str  # relative to the corpus folder's parent, POSIX separators
    format: str  # "txt" | "md" | "html"
    sha256: str
    size: int
    raw: str
    text: MappedText  # markup and front matter removed; maps into `raw`
    heading_lines: frozenset[int]  # line numbers of `text` that markup marks as headings
    title: str | None  # from metadata (front matter, sidecar, <title>); None when absent
    url: str | None
    stem: str  # file name without extension, the title of last resort


def discover(corpus_dir: Path) -> list[Path]:
    """Every .txt/.md/.markdown/.html/.htm file under `corpus_dir` (recursive, hidden ones skipped),
    sorted by relative POSIX path."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist or is not a folder")
    found = []
    for path in corpus_dir.rglob("*"):
        rel = path.relative_to(corpus_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in FORMATS:
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(corpus_dir).as_posix())


def slugify(text: str) -> str:
    """Lowercase ASCII letters and digits joined by single hyphens ("doc" when nothing is left)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "doc"


def assign_ids(rel_paths: list[str]) -> dict[str, str]:
    """Stable document id per relative path: the slug of the path without its extension; paths
    whose slugs collide keep their extension in the slug (`guides/knee.md` -> `guides-knee-md`)."""
    plain = {p: slugify(p.rsplit(".", 1)[0]) for p in rel_paths}
    counts: dict[str, int] = {}
    for slug in plain.values():
        counts[slug] = counts.get(slug, 0) + 1
    ids = {p: (slug if counts[slug] == 1 else slugify(p)) for p, slug in plain.items()}
    seen: dict[str, int] = {}
    for p in sorted(ids):  # last resort for e.g. "a-b.txt" vs "a_b.txt": a numeric suffix, in path order
        n = seen.get(ids[p], 0)
        seen[ids[p]] = n + 1
        if n:
            ids[p] = f"{ids[p]}-{n + 1}"
    return ids


def display_path(path: Path, corpus_dir: Path) -> str:
    """The path as documents show it: relative to the corpus folder's parent, POSIX separators."""
    return f"{corpus_dir.resolve().name}/{path.relative_to(corpus_dir).as_posix()}"


def decode(data: bytes, shown: str) -> str:
    """The text of a file's bytes (see the module docstring); CorpusError naming `shown` when it is not text."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise CorpusError(
                    f"{shown}: starts with a {encoding.upper()} byte-order mark but is not valid {encoding.upper()} "
                    f"(byte offset {exc.start})"
                ) from exc
    for magic, kind in MAGIC:
        if data.startswith(magic):
            raise CorpusError(f"{shown}: binary file ({kind}), not text")
    head = data[:SNIFF_BYTES]
    if head.count(0) > BINARY_NUL_SHARE * len(head):
        raise CorpusError(
            f"{shown}: binary file ({head.count(0)} NUL bytes in the first {len(head)}); "
            "if it is UTF-16 text, save it as UTF-8 (or with a byte-order mark)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        name = shown.rsplit("/", 1)[-1]
        raise CorpusError(
            f"{shown}: not valid UTF-8 (byte offset {exc.start}); if it is Latin-1/Windows-1252 text, convert it: "
            f"iconv -f WINDOWS-1252 -t UTF-8 {name} > {name}.tmp && mv {name}.tmp {name}"
        ) from exc


def read_source(path: Path, corpus_dir: Path, doc_id: str, max_bytes: int | None = None) -> SourceFile:
    """Read and extract one file; CorpusError (naming the file) when it is too large, binary, undecodable
    or empty. `max_bytes` None: no size limit."""
    shown = display_path(path, corpus_dir)
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise CorpusError(
            f"{shown}: {size:,} bytes is over the {max_bytes:,}-byte limit (QA_MAX_FILE_BYTES); "
            "split the file or raise the limit"
        )
    data = path.read_bytes()
    raw = decode(data, shown)
    if not raw.replace("\ufeff", "").strip():
        raise CorpusError(f"{shown}: empty file")
    fmt = FORMATS[path.suffix.lower()]
    if fmt == "html":
        text, heading_lines, title, url = extract_html(raw)
    else:
        meta, body = split_front_matter(raw)
        text, heading_lines = extract_markdown(body) if fmt == "md" else (body, frozenset())
        title, url = meta.get("title"), meta.get("url")
    sidecar = read_sidecar(path, shown)
    if not text.text.strip():
        raise CorpusError(f"{shown}: no text after removing markup")
    return SourceFile(
        id=doc_id,
        path=shown,
        format=fmt,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        raw=raw,
        text=text,
        heading_lines=heading_lines,
        title=sidecar.get("title") or title,
        url=sidecar.get("url") or url,
        stem=path.name.rsplit(".", 1)[0],
    )


def read_sidecar(path: Path, shown: str) -> dict[str, str]:
    """Metadata from `<file name>.meta.json` or else `<stem>.meta.json` beside the file ({} if none)."""
    for candidate in (path.with_name(path.name + ".meta.json"), path.with_suffix(".meta.json")):
        if candidate.is_file():
            try:
                meta = json.loads(candidate.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise CorpusError(f"{shown}: unreadable metadata file {candidate.name}: {exc}") from exc
            if not isinstance(meta, dict):
                raise CorpusError(f"{shown}: metadata file {candidate.name} is not a JSON object")
            return {k: v.strip() for k, v in meta.items() if k in ("title", "url") and isinstance(v, str)}
    return {}


_FRONT_MATTER = re.compile(r"\A(\ufeff?)---[ \t]*\r?\n(.*?)^---[ \t]*(?:\r?\n|\Z)", re.S | re.M)


def split_front_matter(raw: str) -> tuple[dict[str, str], MappedText]:
    """YAML-style `key: value` front matter (`---` fenced, at the very start) and the text after it."""
    m = _FRONT_MATTER.match(raw)
    whole = MappedText.identity(raw)
    if not m:
        return {}, whole
    meta: dict[str, str] = {}
    for line in m.group(2).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip("\"'")
    # the front matter lines become blank lines, so line numbers and offsets after it are unchanged
    b = TextBuilder(len(raw))
    b.copy(m.group(1), 0)
    for i in range(m.end(1), m.end()):
        if raw[i] == "\n":
            b.copy("\n", i)
    b.copy(raw[m.end() :], m.end())
    return {k: v for k, v in meta.items() if v}, b.build()


# --- Markdown -----------------------------------------------------------------------------------

_MD_INLINE = re.compile(
    r"""(?P<image>!\[[^\]]*\]\([^)]*\))
    |(?P<link>\[(?P<ltext>[^\]]*)\](?:\([^)]*\)|\[[^\]]*\]))
    |(?P<auto><(?P<aurl>https?://[^>\s]+)>)
    |(?P<tag></?[A-Za-z][^>]*>)
    |(?P<code>(?P<ticks>`+)(?P<ctext>.+?)(?P=ticks))
    |(?P<escape>\\(?P<echar>[\\`*_{}\[\]()#+\-.!>]))
    |(?P<emph>(?<![\w*_])[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?![\w*_]))""",
    re.X,
)
_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_MD_PREFIX = re.compile(r"^ {0,3}(?:>[ \t]?)*(?:[-*+][ \t]+|\d{1,9}[.)][ \t]+)?")
_MD_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_MD_RULE = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_MD_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_MD_LINKDEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$")


def extract_markdown(text: MappedText) -> tuple[MappedText, frozenset[int]]:
    """Markdown to plain lines (one output line per input line) and the line numbers of headings."""
    lines = text.text.split("\n")
    b = _MappedBuilder(text.raw_length)
    headings: set[int] = set()
    in_fence = False
    pos = 0
    for n, line in enumerate(lines):
        body = line.rstrip("\r")
        nxt = lines[n + 1] if n + 1 < len(lines) else ""
        if _MD_FENCE.match(body):
            in_fence = not in_fence
        elif in_fence:
            b.add(text, pos, pos + len(body))
        elif (h := _MD_HEADING.match(body)) is not None:
            headings.add(n)
            _inline(b, text, pos + h.start(2), pos + h.end(2))
        elif _MD_RULE.match(body) or _MD_LINKDEF.match(body) or (_MD_SETEXT.match(body) and n > 0):
            pass  # a setext underline's heading is the line above (marked there)
        else:
            if body.strip() and _MD_SETEXT.match(nxt) and not _MD_RULE.match(body):
                headings.add(n)
            start = pos + _MD_PREFIX.match(body).end()
            _inline(b, text, start, pos + len(body))
        if n + 1 < len(lines):
            b.add(text, pos + len(line), pos + len(line) + 1)
        pos += len(line) + 1
    return b.build(), frozenset(headings)


class _MappedBuilder(TextBuilder):
    """A TextBuilder that can also append a slice of a MappedText with its map, in one step."""

    def add(self, text: MappedText, start: int, end: int) -> None:
        self._parts.append(text.text[start:end])
        self._starts.extend(text.starts[start:end])
        self._ends.extend(text.ends[start:end])


def _inline(b: _MappedBuilder, text: MappedText, start: int, end: int) -> None:
    """Copy text[start:end] dropping inline markup: link targets, images, tags, emphasis, escapes."""
    s = text.text
    pos = start
    for m in _MD_INLINE.finditer(s, start, end):
        b.add(text, pos, m.start())
        if m.group("link") is not None:
            _inline(b, text, m.start("ltext"), m.end("ltext"))
        elif m.group("auto") is not None:
            b.add(text, m.start("aurl"), m.end("aurl"))
        elif m.group("code") is not None:
            b.add(text, m.start("ctext"), m.end("ctext"))
        elif m.group("escape") is not None:
            b.add(text, m.start("echar"), m.end("echar"))
        # images, HTML tags and emphasis marks are dropped
        pos = m.end()
    b.add(text, pos, end)


# --- HTML ---------------------------------------------------------------------------------------


class _HTMLText(HTMLParser):
    """Collects visible text as (text, raw start, raw end) pieces, with block breaks as inserts."""

    def __init__(self, raw: str) -> None:
        super().__init__(convert_charrefs=False)
        self.raw = raw
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", raw)]
        self.builder = TextBuilder(len(raw))
        self.out: list[str] = []  # mirror of the builder's text, to decide on whitespace
        self.size = 0
        self.dropped: dict[str, int] = {}
        self.pre = 0
        self.heading_ranges: list[tuple[int, int]] = []
        self.heading_start: int | None = None
        self.title_parts: list[str] = []
        self.in_title = False
        self.url: str | None = None

    def raw_pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def push(self, piece: str) -> None:
        self.out.append(piece)
        self.size += len(piece)

    def emit(self, text: str, start: int, end: int) -> None:
        if self.in_title:
            self.title_parts.append(text)
        if self.in_title or any(self.dropped.values()):
            return
        if self.pre:
            self.builder.extend([(text, start, end)])
            self.push(text)
            return
        for m in re.finditer(r"\s+|\S+", text) if len(text) == end - start else [None]:
            if m is None:  # an entity: one unit mapped to the whole entity
                piece, a, b = (" " if text.isspace() else text), start, end
            else:
                piece, a, b = m.group(), start + m.start(), start + m.end()
            if piece.isspace():
                last = self.out[-1][-1:] if self.out else "\n"
                if last in (" ", "\n"):
                    continue
                piece = " "
            self.builder.extend([(piece, a, b)])
            self.push(piece)

    def block_break(self, lines: int = 2) -> None:
        """End the current line(s) so the next text starts `lines` newlines later (spaces kept)."""
        if any(self.dropped.values()) or self.in_title or not self.out:
            return
        tail = "".join(self.out[-4:])
        have = len(tail) - len(tail.rstrip("\n"))
        if have < lines:
            self.builder.insert("\n" * (lines - have), self.raw_pos())
            self.push("\n" * (lines - have))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and "canonical" in (a.get("rel") or "").split() and a.get("href"):
            self.url = self.url or a["href"]
        if tag == "meta" and a.get("property") == "og:url" and a.get("content"):
            self.url = self.url or a["content"]
        if tag == "title":
            self.in_title = True
            return
        if tag in HTML_DROPPED:
            self.dropped[tag] = self.dropped.get(tag, 0) + 1
            return
        if tag in HTML_BLOCKS:
            self.block_break(1 if tag in ("br", "li", "tr", "dt", "dd") else 2)
        if tag == "pre":
            self.pre += 1
        if tag in HTML_HEADINGS:
            self.heading_start = self.size

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("link", "meta"):
            self.handle_starttag(tag, attrs)
        elif tag in HTML_BLOCKS:
            self.block_break(1 if tag == "br" else 2)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in HTML_DROPPED:
            self.dropped[tag] = max(0, self.dropped.get(tag, 0) - 1)
        elif tag in HTML_BLOCKS:
            if tag in HTML_HEADINGS and self.heading_start is not None:
                self.heading_ranges.append((self.heading_start, self.size))
                self.heading_start = None
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            self.block_break(1 if tag in ("li", "tr", "dt", "dd") else 2)

    def handle_data(self, data: str) -> None:
        self.emit(data, self.raw_pos(), self.raw_pos() + len(data))

    def handle_entityref(self, name: str) -> None:
        self._entity(f"&{name}")

    def handle_charref(self, name: str) -> None:
        self._entity(f"&#{name}")

    def _entity(self, prefix: str) -> None:
        start = self.raw_pos()
        end = start + len(prefix) + (self.raw.startswith(";", start + len(prefix)))
        text = html.unescape(self.raw[start:end])
        if len(text) == end - start:  # unknown entity: keep it as written
            self.emit(text, start, end)
        else:
            self.emit(text.replace("\xa0", " ") if text.isspace() else text, start, end)


def extract_html(raw: str) -> tuple[MappedText, frozenset[int], str | None, str | None]:
    """Visible text of an HTML page (blocks on their own lines), heading line numbers, title, URL."""
    parser = _HTMLText(raw)
    parser.feed(raw)
    parser.close()
    text = parser.builder.build()
    line_of = [0] * (len(text.text) + 1)
    for i, ch in enumerate(text.text):
        line_of[i + 1] = line_of[i] + (ch == "\n")
    headings = frozenset(line_of[a] for a, b in parser.heading_ranges if text.text[a:b].strip())
    title = " ".join("".join(parser.title_parts).split()) or None
    return text, headings, title, parser.url
