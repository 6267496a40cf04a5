"""HTML to the text a reader calls the page's own: main content only, blocks on their own lines, code
verbatim, every kept character mapped to its exact offset in the raw HTML.

Two passes over one parse. The parse builds a light element tree (html.parser, with the implicit end
tags HTML allows: `<li>`, `<p>`, `<dt>`/`<dd>`, table cells) whose text pieces keep their raw offsets.
The rules then decide what is site chrome, top down, in this order (the first that applies wins):

1. never text: scripts, styles, forms and their controls, embedded objects, `<head>`;
2. hidden: `hidden`, `aria-hidden="true"`, `display:none` / `visibility:hidden` styles;
3. main content: when the page marks its main content (`<main>`, `role="main"`), only that is read;
4. landmarks: `<nav>`, `<aside>`, `<footer>`, `<header>` (unless it holds the page's first `<h1>` and that h1 names
   the page, not the site: _Rules.page_name) and the ARIA roles navigation, banner, contentinfo, complementary,
   search, menu(bar), toolbar;
5. class or id naming chrome (one of CHROME_WORDS, as a whole class/id or one of its `-`/`_` parts:
   `sphinxsidebar`, `navheader`, `md-sidebar`, `breadcrumbs`, `toc`, `skip-link`, `cookie-banner`...; not the id
   of a section that opens with its own heading, which is named after it: Sphinx's "search-vs-match"; not a part
   after a LAYOUT_MODIFIERS part, which says what the element has or lacks: `no-sidebar`, `has-toc`; never the
   page's own `<html>`/`<body>`, whose classes are the page's layout: the Apache manual's
   `<body class="no-sidebar">`), but
   a `<div>`/`<section>` named only "sidebar" that sits among the paragraphs or headings of the text and is itself
   prose (under LINK_SHARE link text) is content: DocBook's <sidebar> boxes (TIP, NOTE...), whose title's label
   (an upper-case "TIP", or a title that is only "Note") is chrome like an admonition's, and whose title is a line
   of the box, not a heading;
6. permalink marks: a link to an in-page anchor whose text is only `¶`, `#`, `§` or a link symbol; source marks:
   a link whose text is only "[src]" or "[source]";
7. link lists: a list, table, paragraph or block of two or more links whose text is at least 70 % link
   text (menus, tables of contents, "see also" link rows, API name listings);
8. emptied sections: a `<div>`/`<section>` with a heading whose other text is all chrome by the rules
   above (a "SEE ALSO" heading over a link row; a man page's closing "GIT" section, "Part of the git(1)
   suite"): the heading goes with it; so does a block's opening title paragraph (docutils' "Contents").
Short blocks that only say when the page changed or who made it (CHROME_LINE), a manual page's
colophon line (COLOPHON) and the label cell of an admonition drawn as a table (ADMONITIONS, DocBook's and
AsciiDoc's) are chrome too.
What is left is emitted: block elements start new lines (paragraph breaks between blocks), `<pre>`
keeps its text byte for byte (recorded as a code block), `<code>`/`<kbd>`/`<samp>`/`<tt>` are recorded
as inline code, a table row of two or more cells, one of them prose or the first a header cell of the data cells after
it (a label and its value: "Default: | TimeOut 60"), is one line, its cells joined by CELL_SEPARATOR (unless a cell
holds a code block, a list or a heading), h1-h6 are headings of levels 1-6 and a definition term
(`<dt>`, e.g. an API signature or a command option; not a docutils field list's "Parameters:") is a heading one
level below the enclosing heading depth, so the description under it is read in its context; so is a short
paragraph all in bold (`<p><b>(19) INSERT is really slow…</b></p>`, SQLite's FAQ questions, limits and pragmas)
unless it captions the table or code block after it or the picture before it, or titles a sidebar.
Why one module of this size: the rules above are one ordered decision over one parse tree; split, each part would
need the tree and every rule before it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from qa.ingest.textmap import MappedText, TextBuilder

# fmt: off
NEVER_TEXT = frozenset({
    "script", "style", "noscript", "template", "head", "title", "svg", "iframe", "object", "embed", "canvas",
    "form", "button", "select", "textarea", "input", "option", "datalist", "dialog", "map",
})
LANDMARKS = frozenset({"nav", "aside", "footer", "header"})
CHROME_ROLES = frozenset({
    "navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "toolbar",
})
CHROME_WORDS = frozenset({
    "nav", "navbar", "navigation", "navheader", "navfooter", "navbox", "navpanel", "subnav", "topnav",
    "menu", "mainmenu", "submenu", "searchmenu", "menubar", "sidebar", "sphinxsidebar",
    "sphinxsidebarwrapper", "leftsidebar", "rightsidebar", "breadcrumb", "breadcrumbs", "footer",
    "header", "masthead", "related", "relbar", "relbar1", "relbar2", "toc", "toctree", "tocwrapper",
    "pager", "pagination", "prevnext", "skip", "skiplink", "jump", "cookie", "cookies", "consent",
    "gdpr", "banner", "social", "share", "sharing", "tagline", "logo", "searchbox", "search",
    "headerlink", "permalink", "anchorlink", "editsection", "catlinks", "printfooter", "subscribe",
    "newsletter", "advert", "advertisement", "ads", "sponsor", "announcement", "sourcelink", "docnav",
})
BLOCKS = frozenset({
    "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre",
    "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "figure", "figcaption",
    "fieldset", "address", "hr", "br", "details", "summary", "h1", "h2", "h3", "h4", "h5", "h6", "body",
    "header", "footer", "nav", "aside", "menu",
})
VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
})
# A start tag of one of these closes an open <p> (HTML's implicit end tag).
CLOSES_P = frozenset({
    "p", "div", "section", "article", "main", "ul", "ol", "dl", "blockquote", "pre", "table", "figure",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "header", "footer", "nav", "aside", "address", "details",
    "fieldset", "form", "menu",
})
INLINE_CODE = frozenset({"code", "kbd", "samp", "tt"})
LINK_LISTS = frozenset({"ul", "ol", "menu", "table", "p", "div", "dl", "section"})
# fmt: on
# A paragraph of 2 to this many words, all in <b>/<strong> (emphasis or code between; links only inside the bold):
# a heading.
BOLD_HEADING_WORDS = 25
TITLE_WORDS = 4  # a block's first paragraph of at most this many words, no final punctuation, may be its title
CAPTIONED = frozenset({"table", "figure", "pre", "img"})  # a bold paragraph before one of these is its caption
PICTURES = frozenset({"figure", "img"})  # ...and after one of these
# A table row is one line, its cells joined by this, unless a cell holds one of these (_joined_row)
CELL_SEPARATOR = " | "
ROW_BREAKERS = frozenset({"pre", "ul", "ol", "dl", "table", "blockquote", "hr", "h1", "h2", "h3", "h4", "h5", "h6"})
# ...and only when one of its cells reads as prose, this many words or more, or its first cell is a header cell of the
# data cells after it (a label and its value: _labelled): a lookup row of short data cells ("string", "str": Python
# json's conversion table) stays cells, each a line, which answering knows as bare cells
ROW_PROSE_WORDS = 3
BOLD_COMPANIONS = frozenset({"i", "em", "code", "tt", "kbd", "var", "samp", "br"})  # a link beside the bold is text
# One newline, not a paragraph break. A list item is a paragraph of its own: its text carries no marker, so an item
# of 60 characters or more without final punctuation would read as hard-wrapped and run into the next one (SQLite's
# "EPUB - The Electronic Publication format used by non-Kindle eBooks" took "ODT - …" and "PPT - …" with it).
LINE_BREAK_ONLY = frozenset({"br", "tr", "dt", "dd"})
PERMALINK_MARKS = frozenset({"¶", "#", "§", "🔗", "⚓", "link"})
# A link to the source code as a bracketed mark beside a name (Node's "Stream[src]", Sphinx viewcode's "[source]")
SOURCE_MARKS = frozenset({"[src]", "[source]"})
LINK_SHARE = 0.7  # a block whose text is at least this share link text is a link list...
MIN_LINKS = 2  # ...when it has at least this many links
# A short block saying when the page changed, or who owns or made the site ("This page last modified on ...").
CHROME_LINE = re.compile(
    r"(?:this page (?:was )?)?last (?:modified|updated|changed)\b|(?:copyright )?©|powered by\b|"
    r"(?:built|created) (?:with|using) (?:sphinx|mkdocs|hugo|jekyll|docusaurus)\b",
    re.I,
)
MAX_CHROME_LINE = 120
# A manual page's closing line naming the suite or project it belongs to ("Part of the git(1) suite"), the
# whole block: template boilerplate, the same on every page of the set.
COLOPHON = re.compile(r"(?:this page is )?part of (?:release \S+ of )?the \S+(?: \S+){0,3}? (?:suite|project)\.?", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_PARTS = re.compile(r"[-_:.]+")
# A class part before a chrome word that says the element has or lacks that chrome, not that it is it: `no-sidebar`,
# `without-toc`, `has-sidebar`, `with-nav` (layout states, on a page wrapper or the <body>)
LAYOUT_MODIFIERS = frozenset({"no", "not", "without", "has", "with"})
# The elements that hold the whole page: never chrome by their class or id (rule 5). Sites put the page's layout
# there (the Apache manual's <body id="manual-page" class="no-sidebar">, WordPress's "search-results", "nav-open").
PAGE_ROOTS = frozenset({"html", "body"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# The label cell of a DocBook admonition drawn as a table (Debian Reference: an image, then <th>Tip</th>, then the
# text): read as a sentence, "Tip" or "Note" ends the passage before the note's text or opens the one it is in.
ADMONITIONS = frozenset({"Note", "Tip", "Caution", "Warning", "Important"})
# A box that may be a prose sidebar (_Rules._prose_sidebar). Not <aside>: it stays a landmark (rule 4); keeping
# docutils' <aside class="sidebar"> boxes (7 in the Python reference) cost a Python question its answer (py35).
SIDEBAR_TAGS = frozenset({"div", "section"})
SIDEBAR_LABEL = re.compile(r"[A-Z][A-Z'-]*(?: [A-Z][A-Z'-]*){0,3}")  # "TIP", "BACK TO BASICS", "DEBIAN POLICY"


@dataclass(frozen=True)
class HTMLText:
    """What a page reads as: text mapped into the raw HTML, heading lines with levels, code spans."""

    text: MappedText
    headings: dict[int, int]  # line number of `text` -> level (1-6: h1-h6; 7+: definition terms)
    code_blocks: tuple[tuple[int, int], ...]  # raw [start, end) of each <pre>
    inline_code: tuple[tuple[int, int], ...]  # raw [start, end) of each <code>, <kbd>, <samp>, <tt>
    title: str | None  # <title>, or the first <h1> when the title only adds a site name to it
    url: str | None  # <link rel=canonical> or og:url
    description: str | None  # <meta name=description>


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    pos: int  # raw offset of the start tag
    children: list[_Node | _Piece] = field(default_factory=list)


@dataclass
class _Piece:
    text: str  # decoded text; an entity is one piece mapped to the whole entity
    start: int
    end: int


class _TreeParser(HTMLParser):
    """Builds the element tree with raw offsets; reads <title>, canonical URL and description."""

    def __init__(self, raw: str) -> None:
        super().__init__(convert_charrefs=False)
        self.raw = raw
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", raw)]
        self.root = _Node("#root", {}, 0)
        self.stack = [self.root]
        self.title_parts: list[str] = []
        self.meta: dict[str, str] = {}

    def raw_pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _close_implied(self, tag: str) -> None:
        tags = [n.tag for n in self.stack]
        if tag in CLOSES_P and tags[-1] == "p":
            self.stack.pop()
        elif tag == "li":
            self._close_to("li", ("ul", "ol", "menu"))
        elif tag in ("dt", "dd"):
            self._close_to(("dt", "dd"), ("dl",))
        elif tag in ("td", "th"):
            self._close_to(("td", "th"), ("tr", "table"))
        elif tag == "tr":
            self._close_to("tr", ("table", "thead", "tbody", "tfoot"))

    def _close_to(self, tags: str | tuple[str, ...], fence: tuple[str, ...]) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            t = self.stack[i].tag
            if t in fence:
                return
            if t == tags or t in tags:
                del self.stack[i:]
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        self._read_meta(tag, a)
        self._close_implied(tag)
        node = _Node(tag, a, self.raw_pos())
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        self._read_meta(tag, a)
        self._close_implied(tag)
        self.stack[-1].children.append(_Node(tag, a, self.raw_pos()))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def _read_meta(self, tag: str, a: dict[str, str]) -> None:
        if tag == "link" and "canonical" in a.get("rel", "").lower().split() and a.get("href"):
            self.meta.setdefault("url", a["href"])
        elif tag == "meta" and a.get("content"):
            key = a.get("property") or a.get("name") or ""
            if key.lower() in ("og:url", "description", "og:description"):
                self.meta.setdefault(key.lower().removeprefix("og:"), a["content"])

    def handle_data(self, data: str) -> None:
        start = self.raw_pos()
        self._add(_Piece(data, start, start + len(data)))

    def handle_entityref(self, name: str) -> None:
        self._entity(f"&{name}")

    def handle_charref(self, name: str) -> None:
        self._entity(f"&#{name}")

    def _entity(self, prefix: str) -> None:
        start = self.raw_pos()
        end = start + len(prefix) + (self.raw.startswith(";", start + len(prefix)))
        text = html.unescape(self.raw[start:end])
        if len(text) != end - start and text.isspace():
            text = text.replace("\xa0", " ")
        self._add(_Piece(text, start, end))

    def _add(self, piece: _Piece) -> None:
        if any(n.tag == "title" for n in self.stack):
            self.title_parts.append(piece.text)
        self.stack[-1].children.append(piece)


# --- deciding what is chrome ----------------------------------------------------------------------


def _names(node: _Node) -> set[str]:
    """Lowercase class and id tokens and their -/_ parts (trailing digits dropped: `fancy-toc1` -> toc; not a part after
    a LAYOUT_MODIFIERS part: `no-sidebar` -> no-sidebar, no). A section's id
    is left out when the section opens with its own heading (`_titled_section`): docutils, Sphinx and most site
    generators name it from that heading ("search-vs-match", "module-http.cookies", "sharing-state-between-processes"),
    so its words say what the section is about, not that it is a menu or a search box. A back reference's parts are
    not read either: docutils' `toc-backref` is a heading's own text made a link back to the page's table of contents
    (CMake's every heading), not a table of contents."""
    out: set[str] = set()
    ident = "" if _titled_section(node) else node.attrs.get("id", "")
    for token in (node.attrs.get("class", "") + " " + ident).lower().split():
        out.add(token)
        parts = _PARTS.split(token)
        if "backref" not in parts:
            out.update(
                p.rstrip("0123456789") for i, p in enumerate(parts) if not i or parts[i - 1] not in LAYOUT_MODIFIERS
            )
    return out


def _titled_section(node: _Node) -> bool:
    """A `<section>` (or docutils' `<div class="section">`) whose first element is a heading: a part of the document."""
    if node.tag != "section" and not (node.tag == "div" and "section" in node.attrs.get("class", "").split()):
        return False
    first = next((c for c in node.children if isinstance(c, _Node) and c.tag != "span"), None)
    return first is not None and first.tag in _HEADINGS


def _title_line(text: str) -> bool:
    """A paragraph that can only be a title: 1 to TITLE_WORDS words, no sentence punctuation at its end."""
    words = text.split()
    return 0 < len(words) <= TITLE_WORDS and words[-1][-1] not in ".!?:;,"


def _is_hidden(node: _Node) -> bool:
    a = node.attrs
    return "hidden" in a or a.get("aria-hidden", "").lower() == "true" or bool(_HIDDEN_STYLE.search(a.get("style", "")))


def _text_of(node: _Node) -> str:
    return "".join(_text_of(c) if isinstance(c, _Node) else c.text for c in node.children)


def _sidebar_title(box: _Node) -> _Node | None:
    """The title of a sidebar box: DocBook's <p class="title">, docutils' <p class="sidebar-title">."""
    return next((n for n in _iter(box) if n is not box and not _names(n).isdisjoint({"title", "sidebar-title"})), None)


def _sidebar_label(title: _Node) -> int | None:
    """The label of a sidebar box's title, as id(): the whole title when it is only an admonition word (docutils'
    <p class="sidebar-title">Important</p>), else an upper-case word or few set before the title (DocBook's
    <p class="title"><strong><em>TIP</em> Incremental updates</strong></p>): chrome, like an admonition's label."""
    text = " ".join(_text_of(title).split())
    if text.title() in ADMONITIONS:
        return id(title)
    for n in _iter(title):
        label = " ".join(_text_of(n).split())
        if n is not title and SIDEBAR_LABEL.fullmatch(label) and text.startswith(label + " "):
            return id(n)
    return None


def _iter(node: _Node):  # type: ignore[no-untyped-def]
    """`node` and every element under it, in document order (a stack, not nested generators: a walk of a deep tree
    costs each element once, not once per level above it)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(c for c in reversed(n.children) if isinstance(c, _Node))


class _Rules:
    """The chrome decisions of one page (see the module docstring for the order)."""

    def __init__(self, root: _Node, title: str | None = None) -> None:
        # one walk of the page gathers what each rule needs (the elements in document order)
        self.first_h1: _Node | None = None
        self.title = title
        self.heading_nodes: list[_Node] = []
        self.mains: list[_Node] = []
        self.parents: dict[int, _Node] = {}
        tables, boxes, rows = [], [], []
        for n in _iter(root):
            tag = n.tag
            if tag == "h1" and self.first_h1 is None:
                self.first_h1 = n
            if tag in _HEADINGS:
                self.heading_nodes.append(n)
            if tag == "main" or n.attrs.get("role", "").lower() == "main":
                self.mains.append(n)
            for c in n.children:
                if isinstance(c, _Node):
                    self.parents[id(c)] = n
            if tag == "table" and n.attrs.get("summary") in ADMONITIONS:
                tables.append(n)
            elif tag == "tr":
                rows.append(n)
            if "sidebar" in n.attrs.get("class", "").split():
                boxes.append(n)
        self.dropped: set[int] = set()
        self.link_text: dict[int, tuple[int, int, int]] = {}
        self.kept: dict[int, int] = {}
        self.labels = {  # DocBook's admonition labels: <table summary="Tip">…<th>Tip</th>
            id(th)
            for table in tables
            for th in _iter(table)
            if th.tag == "th" and _text_of(th).strip() == table.attrs["summary"]
        }
        titles = [_sidebar_title(n) for n in boxes]
        self.box_titles = {id(t) for t in titles if t is not None}  # a line of the box, never a heading over the text
        self.labels.update(label for t in titles if t is not None and (label := _sidebar_label(t)) is not None)
        self.labels.update(  # AsciiDoc's: <tr><td class="icon"><div class="title">Note</div></td><td>the text</td>
            id(cell) for row in rows for cell in _admonition_labels(row)
        )

    def chrome(self, node: _Node) -> bool:
        tag, a = node.tag, node.attrs
        if tag in NEVER_TEXT or _is_hidden(node) or id(node) in self.labels:
            return True
        if node is self.first_h1 and self.page_name() is not None:
            return True
        marked = (
            tag in LANDMARKS
            or a.get("role", "").lower() in CHROME_ROLES
            or (tag not in PAGE_ROOTS and not _names(node).isdisjoint(CHROME_WORDS))
        )
        if marked and not self._prose_sidebar(node):
            return not (tag == "header" or "header" in _names(node)) or not self._holds_h1(node)
        if tag == "a" and a.get("href", "").startswith("#") and _text_of(node).strip() in PERMALINK_MARKS:
            return True
        if tag == "a" and "href" in a and _text_of(node).strip().lower() in SOURCE_MARKS:
            return True
        if tag in ("p", "div", "small", "center") and self._chrome_line(node):
            return True
        if tag in LINK_LISTS and self._link_list(node):
            return True
        return tag in ("div", "section") and self._emptied_section(node)

    def _prose_sidebar(self, node: _Node) -> bool:
        """A box named only "sidebar" that sits among the paragraphs or headings of the text and is itself prose (under
        LINK_SHARE link text): DocBook's <sidebar> (the Debian Handbook's TIP, NOTE, VOCABULARY boxes: 420 on 97
        pages), docutils' sidebar directive written as a <div>. A navigation sidebar is a sibling of the content, not
        of its paragraphs (Underscore.js's <div id="sidebar">), or is links."""
        if _names(node) & CHROME_WORDS != {"sidebar"} or "role" in node.attrs:
            return False
        if node.tag in SIDEBAR_TAGS and self._prose_box(node):
            return True
        box = self.parents.get(id(node))  # a part of a kept box (docutils' <p class="sidebar-title">) is kept with it
        while box is not None and not ("sidebar" in _names(box) and box.tag in SIDEBAR_TAGS):
            box = self.parents.get(id(box))
        return box is not None and self._prose_sidebar(box)

    def _prose_box(self, node: _Node) -> bool:
        parent = self.parents.get(id(node))
        if parent is None or not any(
            isinstance(c, _Node) and (c.tag in _HEADINGS or c.tag == "p" or "para" in _names(c))
            for c in parent.children
            if c is not node
        ):
            return False
        links, linked, total = self._count(node)
        return total > 0 and linked < LINK_SHARE * total

    def _chrome_line(self, node: _Node) -> bool:
        if any(isinstance(c, _Node) and c.tag in BLOCKS for c in node.children):
            return False
        text = " ".join(_text_of(node).split())
        return len(text) <= MAX_CHROME_LINE and bool(CHROME_LINE.match(text) or COLOPHON.fullmatch(text))

    def _emptied_section(self, node: _Node) -> bool:
        """A section (a heading child and the rest) whose every other text is chrome: its heading goes too
        ("SEE ALSO" over a link row, "GIT" over "Part of the git(1) suite"); a block's title paragraph counts as its
        heading when it opens the block (docutils' <div class="contents topic"><p class="topic-title">Contents</p>
        over the page's table of contents)."""
        heading = next((c for c in node.children if isinstance(c, _Node) and c.tag in _HEADINGS), None)
        first = next((c for c in node.children if isinstance(c, _Node) or c.text.strip()), None)
        if heading is None and isinstance(first, _Node) and first.tag == "p" and _title_line(_text_of(first)):
            heading = first
        if heading is None or heading is self.first_h1:
            return False
        rest = [c for c in node.children if c is not heading]
        had = sum(len(_text_of(c).strip()) if isinstance(c, _Node) else len(c.text.strip()) for c in rest)
        return had > 0 and sum(self._kept(c) for c in rest) == 0

    def _kept(self, node: _Node | _Piece) -> int:
        """Characters of text under node that the rules keep."""
        if isinstance(node, _Piece):
            return len(node.text.strip())
        if self.chrome(node):
            return 0
        key = id(node)
        if key not in self.kept:
            self.kept[key] = sum(self._kept(c) for c in node.children)
        return self.kept[key]

    def _holds_h1(self, node: _Node) -> bool:
        return self.first_h1 is not None and self.page_name() is None and any(n is self.first_h1 for n in _iter(node))

    def page_name(self) -> str | None:
        """The page's own name when its first <h1> is the site's name instead: the <title> is another heading of the
        page, a separator and that h1 ("Readline | Node.js v18.20.4 Documentation" over the banner's <h1>Node.js
        v18.20.4 documentation</h1> and the text's <h2>Readline</h2>; a blog's "Post | Blog" over <h1>Blog</h1>)."""
        if not hasattr(self, "_page_name"):
            # None while it is worked out (not a cached_property): _visible asks chrome() of the h1's children, and a
            # "header-link" among them would ask _holds_h1, so this again
            self._page_name: str | None = None
            title, h1 = " ".join((self.title or "").split()), self.first_h1
            heading = " ".join(_visible(h1, self).split()).lower() if h1 is not None else ""
            for sep in _TITLE_SEPARATORS if heading else ():
                if title.lower().endswith(sep + heading):
                    page = title[: len(title) - len(sep + heading)].strip()
                    others = (" ".join(_visible(h, self).split()).lower() for h in self.heading_nodes if h is not h1)
                    if page and page.lower() in others:
                        self._page_name = page
                    break
        return self._page_name

    def _link_list(self, node: _Node) -> bool:
        links, linked, total = self._count(node)
        if links < MIN_LINKS or total == 0 or linked < LINK_SHARE * total:
            return False
        if node.tag in ("div", "section"):  # a container of prose with a link list in it is not one
            return not any(
                d.tag in _HEADINGS or (d.tag == "p" and not self._link_list(d)) for d in _iter(node) if d is not node
            )
        return True

    def _count(self, node: _Node) -> tuple[int, int, int]:
        """(links, characters of link text, characters of text) under node; a block holding code is
        never a link list (its counts are (0, 0, 1))."""
        key = id(node)
        if key not in self.link_text:
            links = linked = total = 0
            for c in node.children:
                if isinstance(c, _Piece):
                    total += len(c.text.strip())
                    continue
                if c.tag in NEVER_TEXT or _is_hidden(c):
                    continue
                if c.tag == "pre":
                    links, linked, total = 0, 0, 1
                    break
                if c.tag == "a" and c.attrs.get("href"):
                    n = len(_text_of(c).strip())
                    links, linked, total = links + 1, linked + n, total + n
                    continue
                sub = self._count(c)
                if sub == (0, 0, 1):
                    links, linked, total = sub
                    break
                links, linked, total = links + sub[0], linked + sub[1], total + sub[2]
            self.link_text[key] = (links, linked, total)
        return self.link_text[key]


# --- emitting text --------------------------------------------------------------------------------


class _Emitter:
    """Walks the kept tree and builds the mapped text (whitespace collapsed outside <pre>)."""

    def __init__(self, raw_length: int, rules: _Rules) -> None:
        self.rules = rules
        self.builder = TextBuilder(raw_length)
        self.out: list[str] = []
        self.size = 0
        self.pre = 0
        self.headings: list[tuple[int, int, int]] = []  # (text start, text end, level)
        self.code_blocks: list[tuple[int, int]] = []
        self.inline_code: list[tuple[int, int]] = []
        self.depth = 0  # level of the innermost heading seen, for definition terms
        self.dl_depth = 0
        self.row = False  # inside a table row read as one line (_joined_row)
        self.cells = 0  # cells of that row emitted so far
        self.fields = 0  # docutils field lists open ("Parameters:", "Returns:"): their terms are labels, not headings

    def push(self, piece: str) -> None:
        self.out.append(piece)
        self.size += len(piece)

    def text(self, piece: _Piece) -> None:
        if self.pre:
            self.builder.extend([(piece.text, piece.start, piece.end)])
            self.push(piece.text)
            return
        entity = len(piece.text) != piece.end - piece.start
        for m in [None] if entity else re.finditer(r"\s+|\S+", piece.text):
            if m is None:
                part, a, b = (" " if piece.text.isspace() else piece.text), piece.start, piece.end
            else:
                part, a, b = m.group(), piece.start + m.start(), piece.start + m.end()
            if part.isspace():
                last = self.out[-1][-1:] if self.out else "\n"
                if last in (" ", "\n"):
                    continue
                part = " "
            self.builder.extend([(part, a, b)])
            self.push(part)

    def block_break(self, lines: int, at: int) -> None:
        if not self.out:
            return
        tail = "".join(self.out[-4:])
        have = len(tail) - len(tail.rstrip("\n"))
        if have < lines:
            self.builder.insert("\n" * (lines - have), at)
            self.push("\n" * (lines - have))

    def walk(self, node: _Node, end: int) -> None:
        """Emit node's children; `end` is the raw offset where node ends (for inserted breaks)."""
        kids = node.children
        for i, child in enumerate(kids):
            if isinstance(child, _Piece):
                self.text(child)
                continue
            nxt = next((_start(k) for k in kids[i + 1 :]), end)
            if self.rules.chrome(child):
                continue
            self.element(child, nxt)

    def element(self, node: _Node, end: int) -> None:
        """Emit one element."""
        tag = node.tag
        block = tag in BLOCKS
        row = tag == "tr" and not self.row and _joined_row(node, self.rules)
        if tag in ("td", "th") and self.row:
            if self.cells and self.rules._kept(node):
                self.separate(CELL_SEPARATOR, node.pos)
            self.cells += bool(self.rules._kept(node))
        elif block and self.row:
            self.separate(" ", node.pos)
        elif block:
            self.block_break(2 if row or tag not in LINE_BREAK_ONLY else 1, node.pos)
        if row:
            self.row, self.cells = True, 0
        start = self.size
        if tag == "pre":
            self.pre += 1
        fields = tag == "dl" and "field-list" in node.attrs.get("class", "").split()
        self.fields += fields
        if tag == "dl":
            self.dl_depth += 1
        self.walk(node, end)
        if tag == "pre":
            self.pre -= 1
        if tag == "dl":
            self.dl_depth -= 1
        if row:
            self.row = False
        self.fields -= fields
        if not self.row:
            self._record(tag, start, node)
        if block and not self.row:
            self.block_break(2 if row or tag not in LINE_BREAK_ONLY else 1, end)

    def _caption(self, node: _Node) -> bool:
        """Whether a bold paragraph captions its neighbour: the sibling element with content after it is (or opens
        with) a table, figure or code block, or the one before it is (or ends with) a picture. The siblings are looked
        up only here, for the few paragraphs that read as bold headings."""
        parent = self.rules.parents.get(id(node))
        kids = parent.children if parent is not None else []
        i = next((j for j, k in enumerate(kids) if k is node), len(kids))
        following = next((k for k in kids[i + 1 :] if isinstance(k, _Node) and _has_content(k)), None)
        preceding = next((k for k in reversed(kids[:i]) if isinstance(k, _Node) and _has_content(k)), None)
        return _captions(following) or _pictured(preceding)

    def separate(self, separator: str, at: int) -> None:
        """Emit `separator` between two pieces of one line (a row's cells), never doubling a space."""
        if not self.out or self.out[-1][-1:] in ("", "\n"):
            return
        if self.out[-1].endswith(" "):
            separator = separator.lstrip(" ")
        if separator:
            self.builder.insert(separator, at)
            self.push(separator)

    def _record(self, tag: str, start: int, node: _Node) -> None:
        if self.size == start:
            return
        if tag in _HEADINGS:
            self.depth = int(tag[1])
            self.headings.append((start, self.size, self.depth))
        elif (tag == "dt" and not self.fields) or (
            tag == "p"
            and id(node) not in self.rules.box_titles
            and _bold_heading(node, self.rules)
            and not self._caption(node)
        ):
            self.headings.append((start, self.size, max(self.depth, 6) + self.dl_depth))
        elif tag == "pre" and not self.pre:
            self.code_blocks.append((start, self.size))
        elif tag in INLINE_CODE and not self.pre:
            self.inline_code.append((start, self.size))


def _bold_heading(node: _Node, rules: _Rules) -> bool:
    """A paragraph that is all bold (emphasis or code between) and short (SQLite's FAQ questions "(19) INSERT is really
    slow…", its limits "Maximum length of a string or BLOB", its pragmas "PRAGMA busy_timeout = milliseconds;"):
    a heading over what follows, at the level of a definition term. One word is a label, not a heading (SQLite's
    syntax-diagram names "expr:", "attach-stmt:" over a drawing); a link beside the bold is text (Sphinx's
    "<strong>Source code:</strong> <a>Lib/json/__init__.py</a>" line)."""
    bold = plain = 0
    words = 0

    def visit(n: _Node | _Piece, inside: str | None) -> None:
        nonlocal bold, plain, words
        if isinstance(n, _Piece):
            size = len(n.text.strip())
            words += len(n.text.split())
            if inside == "bold":
                bold += size
            elif inside is None:
                plain += size
            return
        if rules.chrome(n):
            return
        kind = "bold" if n.tag in ("b", "strong") else "other" if n.tag in BOLD_COMPANIONS else None
        for child in n.children:
            visit(child, inside or kind)

    for child in node.children:
        visit(child, None)
    return bold > 0 and plain == 0 and 2 <= words <= BOLD_HEADING_WORDS


def _captions(following: _Node | None) -> bool:
    """Whether a paragraph before `following` is a caption: the next element is, or opens with, a table, a figure or
    a code block (DocBook's "Table 5.1. ACL Privilege Abbreviations", "Example 5.1…" titles), elements without
    content between (the Debian Administrator's Handbook's index-term anchors before an example's code)."""
    node = following
    while node is not None:
        if node.tag in CAPTIONED:
            return True
        node = next((c for c in node.children if isinstance(c, _Node) and _has_content(c)), None)
    return False


def _pictured(preceding: _Node | None) -> bool:
    """Whether a paragraph after `preceding` captions a picture: the element before it is, or ends with, an image
    or a figure (DocBook's "Figure 3.1. Coexistence of Debian with…" titles, placed after the image)."""
    node = preceding
    while node is not None:
        if node.tag in PICTURES:
            return True
        if any(isinstance(c, _Piece) and c.text.strip() for c in node.children):
            return False
        node = next((c for c in reversed(node.children) if isinstance(c, _Node) and _has_content(c)), None)
    return False


def _has_content(node: _Node) -> bool:
    """Whether an element shows something: text, or a table, figure, code block or image (not an empty anchor)."""
    return any(d.tag in CAPTIONED for d in _iter(node)) or bool(_text_of(node).strip())


def _joined_row(row: _Node, rules: _Rules) -> bool:
    """Whether a table row reads as one line, its cells joined by CELL_SEPARATOR: two or more cells show text, one
    reads as prose (ROW_PROSE_WORDS) or the row is a label and its value (`_labelled`), and none holds a block that
    needs lines of its own (ROW_BREAKERS: a code block, a list, a heading, a table).
    Each cell read as a paragraph of its own made Debian Reference's package tables ("mc", "V:54, I:226", "1482",
    "A text-mode full-screen file manager") a run of one-word sentences. A row of short values only (a header row,
    "string | str") is no sentence either: joined, Python json's conversion table read as one passage
    ("array | list string | str …") that answered "how do I parse a JSON string" with "string | str"."""
    cells = [c for c in row.children if isinstance(c, _Node) and c.tag in ("td", "th") and not rules.chrome(c)]
    if sum(rules._kept(c) > 0 for c in cells) < 2:
        return False
    if not _labelled(cells) and all(len(_text_of(c).split()) < ROW_PROSE_WORDS for c in cells):
        return False
    return not any(d.tag in ROW_BREAKERS for c in cells for d in _iter(c) if not rules.chrome(d))


def _labelled(cells: list[_Node]) -> bool:
    """Whether a row is a label and its value: a header cell, then data cells only (the Apache manual's directive
    table: `<th>Default:</th><td><code>TimeOut 60</code></td>`). Its cells apart, the label ended one passage and the
    value opened the next ("…Syntax: TimeOut seconds Default:" | "TimeOut 60 Context: …")."""
    return cells[0].tag == "th" and all(c.tag == "td" for c in cells[1:])


def _admonition_labels(row: _Node) -> list[_Node]:
    """The label cell of a row that is an admonition: two cells, the first only an admonition word (ADMONITIONS),
    the second the text (AsciiDoc's `<td class="icon"><div class="title">Note</div></td><td class="content">`)."""
    cells = [c for c in row.children if isinstance(c, _Node) and c.tag in ("td", "th")]
    if len(cells) == 2 and _text_of(cells[0]).strip() in ADMONITIONS and _text_of(cells[1]).strip():
        return cells[:1]
    return []


def _start(node: _Node | _Piece) -> int:
    return node.pos if isinstance(node, _Node) else node.start


def extract(raw: str) -> HTMLText:
    """Main-content text of an HTML page (see the module docstring for the rules)."""
    parser = _TreeParser(raw)
    parser.feed(raw)
    parser.close()
    rules = _Rules(parser.root, " ".join("".join(parser.title_parts).split()) or None)
    emitter = _Emitter(len(raw), rules)
    roots = _topmost(rules.mains) or [parser.root]
    for n, root in enumerate(roots):
        if n:
            emitter.block_break(2, root.pos)
        if root is parser.root:
            emitter.walk(root, len(raw))
        else:
            emitter.element(root, _end_of(root, raw))
    text = emitter.builder.build()
    return HTMLText(
        text=text,
        headings=_heading_lines(text.text, emitter.headings),
        code_blocks=tuple(_raw_span(text, a, b) for a, b in emitter.code_blocks),
        inline_code=tuple(_raw_span(text, a, b) for a, b in emitter.inline_code),
        title=_title(parser, rules),
        url=parser.meta.get("url"),
        description=" ".join(parser.meta.get("description", "").split()) or None,
    )


def _topmost(nodes: list[_Node]) -> list[_Node]:
    inner = {id(d) for n in nodes for d in _iter(n) if d is not n}
    return [n for n in nodes if id(n) not in inner]


def _end_of(node: _Node, raw: str) -> int:
    last = node
    while isinstance(last, _Node) and last.children:
        last = last.children[-1]  # type: ignore[assignment]
    return last.end if isinstance(last, _Piece) else len(raw)


def _raw_span(text: MappedText, a: int, b: int) -> tuple[int, int]:
    return text.span(a, b)


def _heading_lines(text: str, ranges: list[tuple[int, int, int]]) -> dict[int, int]:
    line_of = [0] * (len(text) + 1)
    for i, ch in enumerate(text):
        line_of[i + 1] = line_of[i] + (ch == "\n")
    out: dict[int, int] = {}
    for a, b, level in ranges:
        if text[a:b].strip():
            first = a + len(text[a:b]) - len(text[a:b].lstrip())
            out.setdefault(line_of[first], level)
    return out


def _title(parser: _TreeParser, rules: _Rules) -> str | None:
    """<title>, or the first <h1> (permalink marks dropped) when the title is that h1 plus a site name
    after or before a separator (`json — JSON encoder and decoder — Python 3.11 documentation`)."""
    title = rules.title
    if rules.page_name() is not None:
        return rules.page_name()
    h1 = rules.first_h1
    heading = " ".join(_visible(h1, rules).split()) if h1 is not None else ""
    if not heading:
        return title
    if title is None:
        return heading
    t, h = title.lower(), heading.lower()
    if t == h or any(t.startswith(h + sep) or t.endswith(sep + h) for sep in _TITLE_SEPARATORS):
        return heading
    return title


_TITLE_SEPARATORS = (" — ", " – ", " - ", " | ", " · ", " :: ", " » ", ": ")


def _visible(node: _Node, rules: _Rules) -> str:
    return "".join(
        c.text if isinstance(c, _Piece) else ("" if rules.chrome(c) else _visible(c, rules)) for c in node.children
    )
