"""Site chrome in a built index: the share of passages that are navigation, tables of contents, menus,
breadcrumbs, previous/next bars, "This Page"/"Show Source", footers, copyright lines, permalink marks,
cookie and skip links — and the share of chrome among the top-3 results over a question set.

    python -m eval.chrome sqlite                  # the set's index in .eval-cache (built if needed)
    python -m eval.chrome sqlite --index DIR      # any index built from the set's pages
    python -m eval.chrome sqlite --audit 100      # print a seeded random sample to label by hand

Chrome is defined by explicit rules (CHROME_ELEMENTS, CHROME_TEXT), never by qa's own cleaning:
- element rules mark the raw HTML regions a generator uses for chrome (Sphinx `div.sphinxsidebar`,
  DocBook `div.navheader`, SQLite `div.menu`, AsciiDoc `div#footer`, any `<nav>`…);
- text rules mark chrome inside a passage's text (`¶`, "This page last modified on …", "Part of the
  git(1) suite", copyright lines, cookie and skip links).
A passage's chrome share is the larger of (its sentences' visible raw characters inside chrome regions)
and (its text's characters inside text-rule matches), over its visible characters. A passage is chrome
when that share is at least CHROME_SHARE, and carries chrome when it is above 0.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

CHROME_SHARE = 0.5


@dataclass(frozen=True)
class ElementRule:
    """An element that is chrome: its tag (None: any) with a class token, an id, or a role (None: any)."""

    generator: str
    tag: str | None
    css_class: str | None = None
    id: str | None = None
    role: str | None = None

    def matches(self, tag: str, attrs: dict[str, str]) -> bool:
        if self.tag is not None and tag != self.tag:
            return False
        if self.css_class is not None and self.css_class not in attrs.get("class", "").split():
            return False
        if self.id is not None and attrs.get("id") != self.id:
            return False
        return self.role is None or attrs.get("role") == self.role


CHROME_ELEMENTS = (
    ElementRule("any", "nav"),
    ElementRule("any", "aside"),
    ElementRule("any", "footer"),
    ElementRule("any", None, role="navigation"),
    ElementRule("any", None, role="banner"),
    ElementRule("any", None, role="contentinfo"),
    ElementRule("any", None, role="search"),
    ElementRule("any", None, css_class="breadcrumb"),
    ElementRule("any", None, css_class="breadcrumbs"),
    ElementRule("any", None, css_class="skip-link"),
    ElementRule("sphinx", "div", css_class="related"),  # top and bottom bars: index, modules, next, previous
    ElementRule("sphinx", "div", css_class="sphinxsidebar"),  # TOC, previous/next topic, This Page, search
    ElementRule("sphinx", "div", css_class="footer"),
    ElementRule("sphinx", "div", css_class="mobile-nav"),
    ElementRule("sphinx", "div", id="sidebarbutton"),
    ElementRule("sphinx", "a", css_class="headerlink"),  # the ¶ permalink
    ElementRule("docbook", "div", css_class="navheader"),  # Prev / Up / Home / Next with titles
    ElementRule("docbook", "div", css_class="navfooter"),
    ElementRule("docbook", "div", css_class="toc"),  # a chapter's table of contents
    ElementRule("sqlite", "div", css_class="tagline"),  # "Small. Fast. Reliable. Choose any three."
    ElementRule("sqlite", "div", css_class="menu"),  # Home, About, Documentation, Download, ...
    ElementRule("sqlite", "div", css_class="searchmenu"),
    ElementRule("sqlite", "div", css_class="fancy_toc"),  # "► Table Of Contents" and its entries
    ElementRule("sqlite", "button"),  # the hide/show toggles of syntax diagrams
    ElementRule("asciidoc", "div", id="footer"),  # "Last updated …"
    ElementRule("asciidoc", "div", id="toc"),
)

CHROME_TEXT = (
    ("any", re.compile("\u00b6")),  # permalink mark
    ("any", re.compile(r"\bskip to (?:main )?content\b", re.I)),
    ("any", re.compile(r"\b(?:accept|reject|manage) (?:all )?cookies\b|\bthis (?:site|website) uses cookies\b", re.I)),
    (
        "any",
        re.compile(r"(?:©\s*(?:copyright\s*)?|\bcopyright\s*(?:©|\(c\))?\s*)\d{4}(?:\s*[-–]\s*\d{4})?[^.\n]*\.?", re.I),
    ),  # noqa: E501
    ("sqlite", re.compile(r"This page last modified on\s+\S+\s+\S+\s+UTC")),
    ("sqlite", re.compile(r"\b[a-z][a-z0-9-]*:\s*(?:show|hide)\b")),  # syntax-diagram toggles, e.g. "expr: show"
    ("asciidoc", re.compile(r"Part of the git\(1\) suite")),
    ("asciidoc", re.compile(r"Last updated \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\.?")),
)


VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area", "base", "param"})
TAG = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1\s*>|<(/?)([a-zA-Z][\w-]*)([^>]*)>", re.S | re.I)
ATTR = re.compile(r"([\w:-]+)\s*(?:=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")


def chrome_regions(raw: str) -> list[tuple[int, int]]:
    """Raw-offset regions [start, end) of the outermost elements CHROME_ELEMENTS names. Tags are found by
    a regular expression (comments, scripts and styles skipped; a tag ends at the first `>`, as stray
    quotes such as SQLite's `href="#automerge""` would otherwise swallow the page); an element ends at the end tag that
    closes it, counting only tags of its own name; an element never closed runs to the end of the file."""
    regions: list[tuple[int, int]] = []
    depth: dict[str, int] = {}
    open_at: tuple[str, int, int] | None = None  # (tag, its depth, start offset)
    for m in TAG.finditer(raw):
        if m.group(3) is None:
            continue  # a comment, script or style
        tag, closing = m.group(3).lower(), m.group(2) == "/"
        if tag in VOID:
            continue
        if closing:
            if open_at is not None and open_at[0] == tag and open_at[1] == depth.get(tag, 0):
                regions.append((open_at[2], m.end()))
                open_at = None
            depth[tag] = max(0, depth.get(tag, 0) - 1)
            continue
        depth[tag] = depth.get(tag, 0) + 1
        if open_at is None and not m.group(4).rstrip().endswith("/"):
            attrs = {a.lower(): (b or c or d or "") for a, b, c, d in ATTR.findall(m.group(4))}
            if any(rule.matches(tag, attrs) for rule in CHROME_ELEMENTS):
                open_at = (tag, depth[tag], m.start())
    if open_at is not None:
        regions.append((open_at[2], len(raw)))
    return regions


class RawMasks:
    """Prefix sums over a raw HTML file: visible characters (outside tags, not spaces) and those of them
    inside chrome regions, so a span's chrome share costs two subtractions."""

    def __init__(self, raw: str) -> None:
        visible = np.ones(len(raw), dtype=np.int32)
        for m in re.finditer(r"<[^>]*>|<!--.*?-->|\s+", raw, re.S):
            visible[m.start() : m.end()] = 0
        chrome = np.zeros(len(raw), dtype=np.int32)
        for start, end in chrome_regions(raw):
            chrome[start:end] = 1
        self.visible = np.concatenate(([0], np.cumsum(visible)))
        self.chrome = np.concatenate(([0], np.cumsum(visible * chrome)))

    def counts(self, start: int, end: int) -> tuple[int, int]:
        """(visible characters, visible chrome characters) of raw[start:end]."""
        return int(self.visible[end] - self.visible[start]), int(self.chrome[end] - self.chrome[start])


def text_share(text: str) -> float:
    """Share of a passage text's non-space characters inside CHROME_TEXT matches."""
    marked = np.zeros(len(text), dtype=bool)
    for _, pattern in CHROME_TEXT:
        for m in pattern.finditer(text):
            marked[m.start() : m.end()] = True
    solid = np.array([not c.isspace() for c in text], dtype=bool)
    return float((marked & solid).sum() / solid.sum()) if solid.any() else 0.0


def passage_share(text: str, spans: list[tuple[int, int]], masks: RawMasks | None) -> float:
    """A passage's chrome share from its text and its sentences' raw spans: the larger of the spans' share
    inside chrome regions and the text's share inside text-rule matches."""
    region = 0.0
    if masks is not None and spans:
        seen = chrome = 0
        for start, end in spans:
            v, c = masks.counts(start, end)
            seen, chrome = seen + v, chrome + c
        region = chrome / seen if seen else 0.0
    return max(region, text_share(text))


def page_path(document: Any) -> str:
    """The document's file relative to its corpus folder (Document.path starts with the folder's name)."""
    return Path(*Path(document.path).parts[1:]).as_posix()


class Detector:
    """Chrome shares of the passages of one built index (raw files read from its corpus folder)."""

    def __init__(self, index_dir: Path, corpus_dir: Path) -> None:
        from qa.storage.index import current_build
        from qa.storage.store import PassageStore

        self.store = PassageStore(current_build(Path(index_dir)) / "store")
        self.corpus_dir = Path(corpus_dir)
        self._masks: dict[str, RawMasks | None] = {}
        self._shares: dict[int, float] = {}

    def masks(self, document: Any) -> RawMasks | None:
        if document.id not in self._masks:
            path = self.corpus_dir / page_path(document)
            html = document.format == "html" and path.is_file()
            self._masks[document.id] = RawMasks(path.read_bytes().decode("utf-8")) if html else None
        return self._masks[document.id]

    def share(self, i: int) -> float:
        """Chrome share of passage number i (cached)."""
        if i not in self._shares:
            p = self.store.get(i)
            spans = [(s.source.start, s.source.end) for s in p.sentences]
            self._shares[i] = passage_share(p.text, spans, self.masks(self.store.document_of(i)))
        return self._shares[i]

    def summary(self) -> dict[str, Any]:
        """Counts and shares over every passage of the index."""
        shares = [self.share(i) for i in range(len(self.store))]
        n = len(shares)
        chrome = sum(s >= CHROME_SHARE for s in shares)
        carrying = sum(s > 0 for s in shares)
        marks = sum("\u00b6" in self.store.text(i) for i in range(n))
        return {"passages": n, "chrome": chrome, "chrome_share": round(chrome / n, 4) if n else None,
                "carrying": carrying, "carrying_share": round(carrying / n, 4) if n else None,
                "permalink_marks": marks}  # fmt: skip


def top_share(detector: Detector, qa: Any, questions: list[dict[str, Any]], k: int = 3) -> dict[str, Any]:
    """Chrome among the top-k results of every question: share of results, share of questions hit."""
    results = chrome = hit = 0
    worst = []
    for q in questions:
        answer = qa.ask(q["question"], k=k)
        flags = [detector.share(detector.store.index_of(r.passage_id)) >= CHROME_SHARE for r in answer.results]
        results, chrome, hit = results + len(flags), chrome + sum(flags), hit + any(flags)
        worst += [(q["id"], r.passage_id) for r, f in zip(answer.results, flags, strict=True) if f]
    return {"results": results, "chrome_results": chrome,
            "top_share": round(chrome / results, 4) if results else None,
            "questions_with_chrome": hit, "examples": worst[:10]}  # fmt: skip


def audit_sample(detector: Detector, size: int, seed: str) -> list[dict[str, Any]]:
    """A seeded random sample of passages with the detector's share, for labelling by hand."""
    rng = random.Random(seed)
    picked = sorted(rng.sample(range(len(detector.store)), min(size, len(detector.store))))
    rows = []
    for i in picked:
        p = detector.store.get(i)
        rows.append({"passage_id": p.passage_id, "page": page_path(detector.store.document_of(i)),
                     "section": p.section, "text": p.text,
                     "spans": [[s.source.start, s.source.end] for s in p.sentences],
                     "detector": round(detector.share(i), 3)})  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    from eval.corpora import RECIPES
    from eval.docsets import prepare
    from eval.questions import questions_path
    from qa.evaluation.evaluate import load_questions

    parser = argparse.ArgumentParser(prog="python -m eval.chrome", description=__doc__.split("\n\n")[0])
    parser.add_argument("name", choices=sorted(RECIPES))
    parser.add_argument("--index", type=Path, help="an index built from the set's pages (its corpus: --corpus)")
    parser.add_argument("--corpus", type=Path, help="the corpus folder --index was built from")
    parser.add_argument("--audit", type=int, metavar="N", help="print N sampled passages as JSON lines")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.index is not None:
        from qa.api import QA

        corpus = args.corpus or args.index.parent / "corpus"
        qa = QA.open(args.index, checksums=False)
        index = args.index
    else:
        qa, _, corpus = prepare(args.name)
        index = corpus.parent / "index"
    detector = Detector(index, corpus)
    if args.audit:
        for row in audit_sample(detector, args.audit, seed=f"chrome-audit-{args.name}"):
            print(json.dumps(row, ensure_ascii=False))
        return 0
    report = {"set": args.name, "index": qa.info.version, **detector.summary()}
    if questions_path(args.name).is_file():
        report |= top_share(detector, qa, load_questions(questions_path(args.name)))
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    print(f"{args.name}: index {report['index']}, {report['passages']} passages")
    print(f"  chrome passages   {report['chrome']:>6}  {report['chrome_share']:.2%}")
    print(f"  carrying chrome   {report['carrying']:>6}  {report['carrying_share']:.2%}")
    print(f"  with ¶ marks      {report['permalink_marks']:>6}")
    if "top_share" in report:
        print(f"  top-3 chrome      {report['chrome_results']:>6}  {report['top_share']:.2%} of {report['results']} "
              f"results; {report['questions_with_chrome']} question(s) with chrome in their top 3")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
