"""Corpus files to plain text: finds .txt/.md/.html files, decodes them strictly, strips markup with an
offset map into the raw source, and reads optional metadata (front matter, sidecar .meta.json).

Decoding: UTF-8 (a UTF-8 byte-order mark stays in the raw text as U+FEFF), or UTF-16/UTF-32 when the
file starts with that encoding's byte-order mark (also kept as U+FEFF). Every offset (Span) counts
characters of this decoded text, never bytes. Anything else is refused with a CorpusError naming the
file: binary data, bytes that are not UTF-8 (with the byte offset and how to convert the file), files
larger than the size limit (QA_MAX_FILE_BYTES), empty files.
Why one module of this size: it is the one place where corpus files are found and opened, so every refusal (size,
encoding, links out of the corpus, permissions) is made and named here.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from qa.errors import CorpusError
from qa.ingest import htmltext
from qa.ingest.mdtext import extract_markdown
from qa.ingest.textmap import MappedText, TextBuilder

FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
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
SIDECAR_KEYS = ("title", "url", "description")
BINARY_NUL_SHARE = 0.01  # text with a stray NUL is still text; UTF-16 without a BOM or binary data is not


class FileUnreadable(CorpusError):
    """A file skipped for what the filesystem says (a symbolic link out of the corpus, permission denied,
    an I/O error), not for its bytes: fixing the cause changes no byte, so such a skip is never cached."""


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
    headings: dict[int, int]  # line number of `text` -> heading level, for lines markup marks as headings
    title: str | None  # from metadata (front matter, sidecar, <title>/<h1>); None when absent
    url: str | None
    stem: str  # file name without extension, the title of last resort
    code_blocks: tuple[tuple[int, int], ...] = ()  # raw [start, end) of code blocks (<pre>, fences, indented)
    inline_code: tuple[tuple[int, int], ...] = ()  # raw [start, end) of inline code (<code>, `backticks`)
    description: str | None = None  # <meta name=description>, front matter `description:`


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
    """Lowercase letters and digits of any script joined by single hyphens, accents dropped from Latin
    letters only (`Ünïcode_ß` -> `unicode-ss`; `й`, `ά`, `日本語` stay as they are, since a mark there
    may make another letter); "doc" when nothing is left."""
    slug = "-".join(part for part in re.split(r"[\W_]+", "".join(map(_plain_latin, text.casefold()))) if part)
    return slug or "doc"


def _plain_latin(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain if plain.isascii() else unicodedata.normalize("NFC", decomposed)


def assign_ids(rel_paths: list[str]) -> dict[str, str]:
    """Document id per relative path, from that path alone wherever possible: the slug of the path
    without its extension; files that share it (`calf.txt`, `calf.md`) keep their extension
    (`calf-txt`, `calf-md`); a file whose plain slug equals such an id takes its own extension too
    (`calf-md.txt` -> `calf-md-txt`, so adding it never renames `calf.md`); ids still shared (`a-b.txt`,
    `a_b.txt`) get six hex digits of a hash of their own path. No numbering by position: an id changes
    only when a file with the very same stem comes or goes."""
    stem = {p: slugify(p.rsplit(".", 1)[0]) for p in rel_paths}
    full = {p: slugify(p) for p in rel_paths}
    counts = Counter(stem.values())
    ids = {p: (stem[p] if counts[stem[p]] == 1 else full[p]) for p in rel_paths}
    extension_ids = {ids[p] for p in rel_paths if counts[stem[p]] > 1}
    ids = {p: (full[p] if counts[stem[p]] == 1 and ids[p] in extension_ids else ids[p]) for p in rel_paths}
    shared = Counter(ids.values())
    return {p: (f"{i}-{hashlib.sha256(p.encode()).hexdigest()[:6]}" if shared[i] > 1 else i) for p, i in ids.items()}


def outside_link(path: Path, corpus_dir: Path) -> bool:
    """True when `path` is reached through a symbolic link that resolves outside the corpus folder."""
    try:
        return not path.resolve().is_relative_to(corpus_dir.resolve())
    except (OSError, RuntimeError):  # a loop of links, or a dangling one: not a corpus file either
        return True


def unreadable_folders(corpus_dir: Path) -> list[tuple[str, str]]:
    """(shown path, reason) of each non-hidden folder under `corpus_dir` that cannot be listed: the file
    search passes over them without a word, so they are named here instead."""
    found: list[tuple[str, str]] = []

    def note(error: OSError) -> None:
        folder = Path(error.filename)
        rel = folder.relative_to(corpus_dir) if folder.is_relative_to(corpus_dir) else folder
        if any(part.startswith(".") for part in rel.parts):
            return
        shown = display_path(folder, corpus_dir)
        reason = "permission denied" if isinstance(error, PermissionError) else (error.strerror or str(error))
        found.append((shown + "/", f"{shown}/: {reason} (folder not read)"))

    for _ in os.walk(corpus_dir, onerror=note):
        pass
    return sorted(found)


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
    if outside_link(path, corpus_dir):
        raise FileUnreadable(
            f"{shown}: a symbolic link to a file outside the corpus folder, not followed (copy the file in to index it)"
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _unreadable(shown, exc) from exc
    if max_bytes is not None and size > max_bytes:
        raise CorpusError(
            f"{shown}: {size:,} bytes is over the {max_bytes:,}-byte limit (QA_MAX_FILE_BYTES); "
            "split the file or raise the limit"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _unreadable(shown, exc) from exc
    raw = decode(data, shown)
    if not raw.replace("\ufeff", "").strip():
        raise CorpusError(f"{shown}: empty file")
    fmt = FORMATS[path.suffix.lower()]
    if fmt == "html":
        page = htmltext.extract(raw)
        text, headings, code, inline = page.text, page.headings, page.code_blocks, page.inline_code
        title, url, description = page.title, page.url, page.description
    else:
        meta, body = split_front_matter(raw)
        if fmt == "md":
            md = extract_markdown(body)
            text, headings, code, inline = md.text, md.headings, md.code_blocks, md.inline_code
        else:
            text, headings, code, inline = body, {}, (), ()
        title, url, description = meta.get("title"), meta.get("url"), meta.get("description")
    sidecar = read_sidecar(path, shown, corpus_dir)
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
        headings=headings,
        title=sidecar.get("title") or title,
        url=sidecar.get("url") or url,
        stem=path.name.rsplit(".", 1)[0],
        code_blocks=code,
        inline_code=inline,
        description=sidecar.get("description") or description,
    )


def _unreadable(shown: str, exc: OSError) -> FileUnreadable:
    if isinstance(exc, PermissionError):
        return FileUnreadable(f"{shown}: permission denied")
    return FileUnreadable(f"{shown}: cannot be read ({exc.strerror or exc})")


def sidecar_paths(path: Path) -> tuple[Path, Path]:
    """Where a file's metadata may be, in the order read_sidecar looks: `<file name>.meta.json`, `<stem>.meta.json`."""
    return path.with_name(path.name + ".meta.json"), path.with_suffix(".meta.json")


def read_sidecar(path: Path, shown: str, corpus_dir: Path | None = None) -> dict[str, str]:
    """Metadata from `<file name>.meta.json` or else `<stem>.meta.json` beside the file ({} if none); a
    sidecar that is a symbolic link out of `corpus_dir` is refused like such a corpus file."""
    for candidate in sidecar_paths(path):
        if candidate.is_file():
            if corpus_dir is not None and outside_link(candidate, corpus_dir):
                raise FileUnreadable(
                    f"{shown}: metadata file {candidate.name} is a symbolic link outside the corpus folder, "
                    "not followed"
                )
            try:
                meta = json.loads(candidate.read_text(encoding="utf-8"))
            except OSError as exc:
                raise _unreadable(f"{shown}: metadata file {candidate.name}", exc) from exc
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise CorpusError(f"{shown}: unreadable metadata file {candidate.name}: {exc}") from exc
            if not isinstance(meta, dict):
                raise CorpusError(f"{shown}: metadata file {candidate.name} is not a JSON object")
            return {
                k: v.strip() for k, v in meta.items() if k in ("title", "url", "description") and isinstance(v, str)
            }
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
