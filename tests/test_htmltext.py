"""Main-content extraction over real generator output (tests/data/html: excerpts of Debian's python3-doc
(Sphinx), sqlite3-doc, postgresql-doc-15 (DocBook), git-doc (AsciiDoc), debian-handbook (Publican), apache2-doc
and libjs-underscore pages, markup as published)."""

import html
from pathlib import Path

import pytest

from qa.ingest.corpus import load_corpus
from qa.ingest.htmltext import extract

DATA = Path(__file__).parent / "data" / "html"
PAGES = ["sphinx-functools.html", "sqlite-expridx.html", "docbook-sql-truncate.html", "asciidoc-git-add.html"]


def page(name: str):
    raw = (DATA / name).read_text(encoding="utf-8")
    return raw, extract(raw)


CHROME = {
    "sphinx-functools.html": [
        "Table of Contents",
        "Previous topic",
        "Next topic",
        "This Page",
        "Report a Bug",
        "Show Source",
        "Navigation",
        "¶",
        "Copyright",
        "Python Software Foundation",
        "modules |",
        "Quick search",
        "Theme",
    ],
    "sqlite-expridx.html": ["Small. Fast. Reliable.", "Search Documentation", "This page last modified", "Download"],
    "docbook-sql-truncate.html": ["Prev", "Up", "Home", "Submit correction", "PostgreSQL 15."],
    "asciidoc-git-add.html": ["Last updated", "git-status(1)", "git-rm(1)", "SEE ALSO", "GIT\n", "git(1) suite"],
}


@pytest.mark.parametrize("name", PAGES)
def test_site_chrome_is_dropped(name):
    _, p = page(name)
    for chrome in CHROME[name]:
        assert chrome not in p.text.text, chrome


@pytest.mark.parametrize(
    ("name", "first", "last", "title"),
    [
        (
            "sphinx-functools.html",
            "functools — Higher-order functions and operations on callable objects",
            "partial objects are like function objects in that they are callable, weak referencable, and can have "
            "attributes. There are some important differences. For instance, the __name__ and __doc__ attributes "
            "are not created automatically. Also, partial objects defined in classes behave like static methods "
            "and do not transform into bound methods during instance attribute look-up.",
            "functools — Higher-order functions and operations on callable objects",
        ),
        ("sqlite-expridx.html", "Indexes On Expressions", None, "Indexes On Expressions"),
        ("docbook-sql-truncate.html", "TRUNCATE", "DELETE", "TRUNCATE"),
        (
            "asciidoc-git-add.html",
            "git-add(1) Manual Page",
            "Because this example lets the shell expand the asterisk (i.e. you are listing the files explicitly), "
            "it does not consider subdir/git-foo.sh.",
            "git-add(1)",
        ),
    ],
)
def test_main_text_starts_and_ends_where_the_document_does(name, first, last, title):
    _, p = page(name)
    lines = [line.strip() for line in p.text.text.split("\n") if line.strip()]
    assert lines[0] == first
    if last is not None:
        assert lines[-1] == last
    assert p.title == title


CODE = {
    "sphinx-functools.html": "@lru_cache\ndef count_vowels(sentence):\n"
    "    return sum(sentence.count(vowel) for vowel in 'AEIOUaeiou')\n",
    "sqlite-expridx.html": "SELECT * FROM account_change WHERE acct_no=$xyz\n ORDER BY abs(amt) DESC;",
    "docbook-sql-truncate.html": "TRUNCATE [ TABLE ] [ ONLY ] name [ * ] [, ... ]\n"
    "    [ RESTART IDENTITY | CONTINUE IDENTITY ] [ CASCADE | RESTRICT ]",
    "asciidoc-git-add.html": "$ git add Documentation/\\*.txt",
}


@pytest.mark.parametrize("name", PAGES)
def test_code_blocks_keep_their_line_breaks_and_map_to_the_raw_pre(name):
    raw, p = page(name)
    code = CODE[name]
    assert code in p.text.text
    i = p.text.text.index(code)
    a, b = p.text.span(i, i + len(code))
    assert any(s <= a and b <= e for s, e in p.code_blocks)
    inner = raw[a:b]
    assert html.unescape(_strip_tags(inner)) == code


def _strip_tags(s: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", s)


def test_every_kept_character_maps_to_its_raw_source():
    for name in PAGES:
        raw, p = page(name)
        for k, ch in enumerate(p.text.text):
            a, b = p.text.starts[k], p.text.ends[k]
            if a < b and not ch.isspace():
                assert html.unescape(raw[a:b]) == ch, (name, k)


def test_api_signatures_and_options_are_headings_over_their_description():
    _, p = page("sphinx-functools.html")
    lines = p.text.text.split("\n")
    heads = {lines[n].strip(): level for n, level in p.headings.items()}
    assert heads["functools — Higher-order functions and operations on callable objects"] == 1
    assert heads["@functools.lru_cache(maxsize=128, typed=False)"] == 7
    assert heads["partial Objects"] == 2
    assert heads["partial.func"] == 7
    _, git = page("asciidoc-git-add.html")
    lines = git.text.text.split("\n")
    assert [(lines[n].strip(), level) for n, level in sorted(git.headings.items())] == [
        ("git-add(1) Manual Page", 1),
        ("NAME", 2),
        ("SYNOPSIS", 2),
        ("DESCRIPTION", 2),
        ("OPTIONS", 2),
        ("<pathspec>…", 7),
        ("-n", 7),
        ("--dry-run", 7),
        ("EXAMPLES", 2),  # SEE ALSO (a link row) and GIT (the suite colophon) are dropped whole
    ]


def test_a_corpus_of_real_pages_keeps_code_as_code(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in PAGES:
        (corpus / name).write_text((DATA / name).read_text(encoding="utf-8"), encoding="utf-8")
    c = load_corpus(corpus)
    texts = [p.text for p in c.passages]
    assert any(CODE["sphinx-functools.html"].rstrip("\n") in t for t in texts)
    assert any(CODE["docbook-sql-truncate.html"] in t for t in texts)
    by_section = {(p.document_id, p.section) for p in c.passages}
    assert (
        "sphinx-functools",
        "@functools.lru_cache(user_function), @functools.lru_cache(maxsize=128, typed=False)",
    ) in by_section
    assert ("asciidoc-git-add", "-n, --dry-run") in by_section
    joined = "\n".join(texts)
    for word in ("cached_property", "lru_cache", "cmp_to_key", "acctchng_magnitude", "othertable", "user_function"):
        assert word in joined, word
    assert "For matters" not in joined and "starts with()" not in joined
    assert c.references == ()


SECTION = '<div class="sect1"><h2>{head}</h2><div class="sectionbody"><p>{body}</p></div></div>'
LINKS = '<a href="a.html">git-status(1)</a> <a href="b.html">git-rm(1)</a>'


@pytest.mark.parametrize(
    ("head", "body", "kept"),
    [
        ("GIT", 'Part of the <a href="git.html">git(1)</a> suite', ""),  # a man page's colophon
        ("COLOPHON", "This page is part of release 5.10 of the Linux man-pages project.", ""),
        ("SEE ALSO", LINKS, ""),  # a link row: its heading goes with it
        ("SEE ALSO", "See " + LINKS + " for the opposite, and the index for more.", "SEE ALSO"),
        ("HISTORY", "Part of the git(1) suite since 2005, this command replaced git-update-cache.", "HISTORY"),
        ("NOTES", "Part of the work is done by the git(1) suite itself.", "NOTES"),
    ],
)
def test_a_section_left_with_only_its_heading_is_chrome(head, body, kept):
    p = extract("<h1>git-add(1)</h1><p>Add file contents to the index.</p>" + SECTION.format(head=head, body=body))
    lines = [line for line in p.text.text.split("\n") if line.strip()]
    assert lines[:2] == ["git-add(1)", "Add file contents to the index."]
    assert (lines[2] if len(lines) > 2 else "") == kept


FAQ = (
    "<h1>FAQ</h1><h2>Frequently Asked Questions</h2>"
    "<p><b>(19) INSERT is really slow - I can only do few dozen INSERTs per second</b></p>"
    "<blockquote><p>Actually, SQLite will easily do 50,000 or more INSERT statements per second.</p>"
    "<p>By default, each INSERT statement is its own transaction.</p></blockquote>"
)


@pytest.mark.parametrize(
    ("paragraph", "heading"),
    [
        ("<p><b>Maximum length of a string or BLOB</b></p>", "Maximum length of a string or BLOB"),
        ("<p><strong>Maximum Number Of Columns</strong></p>", "Maximum Number Of Columns"),
        # bold with emphasis between (SQLite's pragma entries); the <br> line after the first is body text
        (
            "<p><b>PRAGMA busy_timeout;<br>PRAGMA busy_timeout = </b><i>milliseconds</i><b>;</b></p>",
            "PRAGMA busy_timeout;",
        ),
        ('<p><b><a href="lang_vacuum.html">VACUUM</a> command</b></p>', "VACUUM command"),
        ("<p>Run <b>VACUUM</b> to shrink the file.</p>", None),  # bold inside a sentence
        ('<p><strong>Source code:</strong> <a href="x.py">Lib/json/__init__.py</a></p>', None),  # link beside
        ("<p><b>expr:</b></p>", None),  # one word: a syntax-diagram label
        ("<p><i>Note that this is experimental.</i></p>", None),  # emphasis only
        ("<p><b>" + "word " * 26 + "</b></p>", None),  # over BOLD_HEADING_WORDS: a bold statement
        # DocBook's table and example titles caption what follows
        (
            '<div class="table"><p class="title"><strong>Table 5.1. ACL Privilege Abbreviations</strong></p>'
            '<div class="table-contents"><table><tr><td>SELECT</td><td>r</td></tr></table></div></div>',
            None,
        ),
        ("<p><b>Example 2. A loop</b></p><pre>for x in y: pass</pre>", None),
    ],
)
def test_a_short_paragraph_all_in_bold_is_a_heading(paragraph, heading):
    p = extract("<h1>Limits</h1><h2>Limits In SQLite</h2>" + paragraph + "<p>The text under it says more.</p>")
    lines = p.text.text.split("\n")
    heads = [(lines[n].strip(), level) for n, level in sorted(p.headings.items())]
    assert heads == [("Limits", 1), ("Limits In SQLite", 2)] + ([(heading, 6)] if heading else [])


def test_an_faq_question_in_bold_heads_every_passage_of_its_answer(tmp_path):
    (tmp_path / "faq.html").write_text(FAQ, encoding="utf-8")
    c = load_corpus(tmp_path)
    question = "(19) INSERT is really slow - I can only do few dozen INSERTs per second"
    assert [(p.section, p.heading_path) for p in c.passages] == [
        (question, ("FAQ", "Frequently Asked Questions", question))
    ]
    assert c.passages[0].text == (
        "Actually, SQLite will easily do 50,000 or more INSERT statements per second. "
        "By default, each INSERT statement is its own transaction."
    )


def test_list_items_without_markers_stay_apart():
    # SQLite's appfileformat.html: "<li>EPUB - …" (66 characters, no final period) read as hard-wrapped ran into
    # the next two items as one sentence
    from qa.ingest.structure import analyze

    page = extract((DATA / "sqlite-appfileformat.html").read_text(encoding="utf-8"))
    st = analyze(page.text, page.headings, page.code_blocks, page.inline_code)
    assert [s.heading for s in st.sections] == ["What Is An Application File Format?"]
    assert [[line.text for line in p] for p in st.sections[0].paragraphs] == [
        [
            'An "application file format" is the file format used to persist application state to disk or to '
            "exchange information between programs.",
            "There are thousands of application file formats in use today.",
            "Here are just a few examples:",
        ],
        ["DOC - Word Perfect and Microsoft Office documents"],
        ["DWG - AutoCAD drawings"],
        ["PDF - Portable Document Format from Adobe"],
        ["XLS - Microsoft Excel Spreadsheet"],
        ["GIT - Git source code repository"],
        ["EPUB - The Electronic Publication format used by non-Kindle eBooks"],
        ["ODT - The Open Document format used by OpenOffice and others"],
        ["PPT - Microsoft PowerPoint presentations"],
        ["ODP - The Open Document presentation format used by OpenOffice and others"],
        [
            'We make a distinction between a "file format" and an "application format".',
            "A file format is used to store a single object.",
        ],
    ]


def test_a_table_cell_sources_heads_no_reference_list():
    # Debian Reference 2.5.1 (debian-reference-en 2.100): the archive file "Sources" in a table cell took the
    # rest of the section and the next heading, "2.5.2. Top level "Release" file and authenticity", as references
    from qa.ingest.structure import analyze

    page = extract((DATA / "debian-reference-archive.html").read_text(encoding="utf-8"))
    st = analyze(page.text, page.headings, page.code_blocks, page.inline_code)
    assert st.references == ()
    assert [s.heading for s in st.sections] == [
        "2.5.1. Archive meta data",
        '2.5.2. Top level "Release" file and authenticity',
    ]
    assert [line.text for p in st.sections[0].paragraphs[-3:] for line in p] == [  # a table row reads as one line
        "Packages | top of each distribution/area/binary-architecture combination | concatenated debian/control for "
        "binary packages",
        "Sources | top of each distribution/area/source combination | concatenated debian/control for source packages",
        "In the recent archive, these meta data are stored as the compressed and differential files to reduce "
        "network traffic.",
    ]
    assert [line.text for p in st.sections[1].paragraphs for line in p] == [  # the admonition's label "Tip" goes
        'The top level "Release" file is used for signing the archive under the secure APT system.',
        'Each suite of the Debian archive has a top level "Release" file, e.g., '
        '"http://deb.debian.org/debian/dists/unstable/Release", as follows.',
    ]


def test_a_docbook_sidebar_is_content_and_its_label_chrome(tmp_path):
    # The Debian Handbook 6.2.1 (debian-handbook 11.20220922, Publican): the TIP box "Incremental updates", a DocBook
    # <sidebar> drawn as <div class="sidebar">, is the section's answer to "how do I stop apt downloading diffs?"
    from qa.ingest.structure import analyze

    raw = (DATA / "publican-sidebar.html").read_text(encoding="utf-8")
    page = extract(raw)
    st = analyze(page.text, page.headings, page.code_blocks, page.inline_code)
    # Publican's docnav row ("Prev", "The Debian Administrator's Handbook", "Next") is chrome; the box's title is a
    # line of the box, not a heading: one would head the section's text after the box too
    assert [s.heading for s in st.sections] == ["6.2.1. Initialization"]
    assert "TIP" not in page.text.text  # the box's label, like an admonition's
    body = [" ".join(line.text for line in p) for p in st.sections[0].paragraphs]
    assert body[1:3] == [
        "Incremental updates",
        "The aim of the apt update command is to download for each package source the corresponding Packages (or "
        "Sources) file. However, even after a xz compression, these files can remain rather large (the Packages.xz "
        "for the main section of Unstable takes more than 8 MB). If you wish to update regularly, these downloads can "
        "take up a lot of time.",
    ]
    assert body[-1] == (
        "The Acquire::* options also control other aspects of the download, and even the download methods. "
        "Acquire::Languages can limit or disable the download of Translation-language-code files and save even more "
        "time. For a complete reference see apt.conf(5)."
    )
    (tmp_path / "sect.apt-get.html").write_text(raw, encoding="utf-8")
    passages = [p for p in load_corpus(tmp_path).passages if "Incremental updates" in p.text]
    assert [(p.heading_path, p.text[:59]) for p in passages] == [
        (("6.2.1. Initialization",), "Incremental updates The aim of the apt update command is to")
    ]


def test_a_navigation_sidebar_stays_chrome():
    # Underscore.js's page (libjs-underscore 1.13.4): <div id="sidebar"> is the function index beside the content
    page = extract((DATA / "underscore-sidebar.html").read_text(encoding="utf-8"))
    assert page.text.text.split("\n\n") == [
        "Underscore is a JavaScript library that provides a whole mess of useful functional programming helpers "
        "without extending any built-in objects. It’s the answer to the question: “If I sit down in front of a blank "
        "HTML page, and want to start being productive immediately, what do I need?” … and the tie to go along with "
        "jQuery's tux and Backbone's suspenders. ",
        "Underscore provides over 100 functions that support both your favorite workaday functional helpers: map, "
        "filter, invoke — as well as more specialized goodies: function binding, javascript templating, creating "
        "quick indexes, deep equality testing, and so on. ",
        "A complete Test Suite is included for your perusal. ",
        "",
    ]


BOX = "<p>A proxy caches packages.</p>{box}<p>It serves the whole network.</p>"
BLURB = "<p>The author writes about Debian systems administration.</p>"
RELATED = '<h3>Related</h3><a href="a.html">Installing Debian</a> <a href="b.html">Upgrading Debian</a>'


@pytest.mark.parametrize(
    ("page", "kept"),
    [
        # among the paragraphs, prose: content (a DocBook box; docutils' sidebar directive as a <div>, with its title)
        (BOX.format(box=f'<div class="sidebar">{BLURB}</div>'), BLURB[3:-4]),
        (BOX.format(box=f'<div class="sidebar"><p class="sidebar-title">Important</p>{BLURB}</div>'), BLURB[3:-4]),
        (
            BOX.format(box=f'<div class="sidebar"><p class="sidebar-title">Hello World!</p>{BLURB}</div>'),
            "Hello World!\n\n" + BLURB[3:-4],
        ),
        # beside the content, links, or named navigation too: chrome
        (f'<div class="content">{BOX.format(box="")}</div><div class="sidebar">{BLURB}</div>', ""),
        (BOX.format(box=f'<div class="sidebar">{RELATED}</div>'), ""),
        (BOX.format(box=f'<div class="sidebar" role="navigation">{BLURB}</div>'), ""),
        (BOX.format(box=f'<div class="nav sidebar">{BLURB}</div>'), ""),
        (BOX.format(box=f'<div class="sphinxsidebar">{BLURB}</div>'), ""),
        (BOX.format(box=f'<nav class="sidebar">{BLURB}</nav>'), ""),
        (BOX.format(box=f'<aside class="sidebar"><p class="sidebar-title">Note</p>{BLURB}</aside>'), ""),  # landmark
    ],
)
def test_a_sidebar_is_kept_only_as_prose_among_the_paragraphs(page, kept):
    text = extract(page).text.text.strip()
    assert text.removeprefix("A proxy caches packages.").removesuffix("It serves the whole network.").strip() == kept


def structure_of(name: str):
    from qa.ingest.structure import analyze

    p = extract((DATA / name).read_text(encoding="utf-8"))
    return p, analyze(p.text, p.headings, p.code_blocks, p.inline_code)


def texts(section) -> list[list[str]]:
    return [[line.text for line in paragraph] for paragraph in section.paragraphs]


def test_an_example_title_before_its_code_is_a_caption_and_a_sidebar_is_text():
    # The Debian Administrator's Handbook (Publican/DocBook): index-term anchors between "Example 6.2. …" and its
    # <pre> hid the code from the caption rule (the title headed every passage to the next heading); the
    # <div class="sidebar"> box was dropped as site chrome; the "docnav" Prev/Next list was read as text
    p, st = structure_of("docbook-handbook-apt.html")
    assert [s.path for s in st.sections] == [("Chapter 6. Maintenance and Updates: The APT Tools",)]
    assert "Prev" not in p.text.text and "Next" not in p.text.text
    paragraphs = texts(st.sections[0])
    assert [ps[0][:60] for ps in paragraphs] == [
        "APT is the abbreviation for Advanced Packaging Tool.",
        "Package source and source package",  # the sidebar's title, its label "VOCABULARY" dropped: no heading
        "The word source can be ambiguous.",
        'APT needs to be given a "list of package sources (repositori',
        "Here is a standard sources.list for a system running the Sta",
        "Example 6.2. /etc/apt/sources.list file for users of Debian ",
        "# Security updates\ndeb http://security.debian.org/ bullseye-",
        "This file lists all sources of packages associated with the ",
    ]
    assert paragraphs[5] == ["Example 6.2. /etc/apt/sources.list file for users of Debian Stable"]


def test_a_figure_title_after_its_image_is_a_caption():
    # The Handbook places "Figure 3.1. …" after the image: it headed the next page's passages of this section
    _, st = structure_of("docbook-handbook-figure.html")
    assert [s.path for s in st.sections] == [("3.1.3. Integration with Other Linux/Unix Machines",)]
    assert texts(st.sections[0])[-1] == ["Figure 3.1. Coexistence of Debian with OS X, Windows and Unix systems"]


def test_a_table_row_reads_as_one_line():
    # Debian Reference's Table 1.1: each cell was a sentence of its own ("mc", "V:54, I:226", "1482", …); the header
    # row, one word a cell, stays cells
    _, st = structure_of("debian-reference-packages.html")
    assert texts(st.sections[0]) == [
        ["If you already had these packages installed, no new packages are installed."],
        ["Table 1.1. List of interesting text-mode program packages"],
        ["package"],
        ["popcon"],
        ["size"],
        ["description"],
        ["mc | V:54, I:226 | 1482 | A text-mode full-screen file manager"],
        ["sudo | V:638, I:823 | 5990 | A program to allow limited root privileges to users"],
        ["vim | V:97, I:390 | 3570 | Unix text editor Vi IMproved, a programmers text editor (standard version)"],
        ["vim-tiny | V:55, I:971 | 1660 | Unix text editor Vi IMproved, a programmers text editor (compact version)"],
        ["emacs-nox | V:3, I:18 | 33819 | GNU project Emacs, the Lisp based extensible text editor"],
        ["w3m | V:14, I:190 | 2828 | Text-mode WWW browsers"],
        ["gpm | V:11, I:14 | 521 | The Unix style cut-and-paste on the text console (daemon)"],
    ]


def test_a_row_of_cells_with_paragraphs_keeps_its_cells_together():
    # Sphinx writes a cell as <p>s: the value and the first sentence of its meaning are one sentence
    _, st = structure_of("sphinx-codecs-handlers.html")
    assert texts(st.sections[0])[3:7] == [
        ["Value"],
        ["Meaning"],
        ["'strict' | Raise UnicodeError (or a subclass), this is the default.", "Implemented in strict_errors()."],
        [
            "'ignore' | Ignore the malformed data and continue without further notice.",
            "Implemented in ignore_errors().",
        ],
    ]


def test_an_asciidoc_admonition_label_is_no_sentence():
    # AsciiDoc's <td class="icon"><div class="title">Note</div></td>: "Note" was a sentence of its own
    p, st = structure_of("asciidoc-git-note.html")
    assert "Note" not in p.text.text
    assert texts(st.sections[0])[-2:] == [
        ["$ make"],
        [
            "The Git build is parallelizable.",
            "-j# is not included above but you can use it as you prefer, here and elsewhere.",
        ],
    ]


@pytest.mark.parametrize(
    ("row", "lines"),
    [
        ("<tr><td>a b c</td><td>d</td></tr>", ["a b c | d"]),
        ("<tr><td>a b c</td><td></td><td>d</td></tr>", ["a b c | d"]),  # an empty cell adds no separator
        ("<tr><td><p>one two three</p><p>four</p></td><td>five</td></tr>", ["one two three four | five"]),
        # no cell of ROW_PROSE_WORDS words: a lookup row (Python json's conversion table) stays cells
        ("<tr><td>string</td><td>str</td></tr>", ["string", "str"]),
        ("<tr><td>number (real)</td><td>float</td></tr>", ["number (real)", "float"]),
        ("<tr><td>only cell</td></tr>", ["only cell"]),  # one cell: nothing to join
        (
            "<tr><td>3.2.</td><td>It dies like this:<pre>abort()</pre></td></tr>",
            ["3.2.", "It dies like this:", "abort()"],
        ),
        ("<tr><td>x</td><td><ul><li>one</li><li>two</li></ul></td></tr>", ["x", "one", "two"]),
        ("<tr><td><b>Bold cell text</b></td><td>y z</td></tr>", ["Bold cell text | y z"]),  # no heading in a row
        # a header cell and its values: a label and its value (the Apache manual's directive tables)
        ("<tr><th>Default:</th><td><code>TimeOut 60</code></td></tr>", ["Default: | TimeOut 60"]),
        ("<tr><th>Status</th><td>Core</td><td>Base</td></tr>", ["Status | Core | Base"]),
        ("<tr><th>Default:</th><th>Value</th></tr>", ["Default:", "Value"]),  # a header row stays cells
        ("<tr><td>Default:</td><td>60</td></tr>", ["Default:", "60"]),  # two data cells: a lookup row
        ("<tr><td>x</td><th>Default:</th><td>60</td></tr>", ["x", "Default:", "60"]),
    ],
)
def test_which_rows_are_joined(row, lines):
    p = extract(f"<html><body><table>{row}<tr><td>after</td></tr></table></body></html>")
    assert [t for t in p.text.text.split("\n") if t] == [*lines, "after"]
    assert p.headings == {}


def test_a_field_list_term_is_no_heading():
    # Python's sqlite3.connect(): a docutils field list's "Parameters:" headed every passage of the parameters, so
    # "Open a connection to an SQLite database." was a passage of seven words, apart from what it opens
    _, st = structure_of("sphinx-sqlite3-connect.html")
    signature = (
        "sqlite3.connect(database, timeout=5.0, detect_types=0, isolation_level='DEFERRED', check_same_thread=True, "
        "factory=sqlite3.Connection, cached_statements=128, uri=False)"
    )
    assert [s.path[-1] for s in st.sections] == ["sqlite3 — DB-API 2.0 interface for SQLite databases", signature]
    assert [ps[0][:50] for ps in texts(st.sections[1])][:4] == [
        "Open a connection to an SQLite database.",
        "Parameters:",
        "database (path-like object) – The path to the data",
        "timeout (float) – How many seconds the connection ",
    ]


@pytest.mark.parametrize(
    ("section", "kept"),
    [  # Sphinx 5 (Python 3.11's library reference): a section's id is its heading's slug or "module-" + the module
        (
            '<section id="search-vs-match"><span id="id3"></span><h3>search() vs. match()</h3>'
            "<p>Python offers different primitive operations based on regular expressions:</p></section>",
            ["search() vs. match()", "Python offers different primitive operations based on regular expressions:"],
        ),
        (
            '<section id="module-http.cookies"><span id="http-cookies-http-state-management"></span>'
            "<h2>http.cookies — HTTP state management</h2><p>The module defines classes for abstracting cookies.</p>"
            "</section>",
            ["http.cookies — HTTP state management", "The module defines classes for abstracting cookies."],
        ),
        (  # docutils' HTML4 writer (older Sphinx)
            '<div class="section" id="sharing-state-between-processes"><h3>Sharing state between processes</h3>'
            "<p>It is best to avoid using shared state as far as possible.</p></div>",
            ["Sharing state between processes", "It is best to avoid using shared state as far as possible."],
        ),
        # chrome stays chrome: a search box named by its id, a section that opens with no heading, a class
        ('<div id="search"><h3>Quick search</h3><p>Enter search terms.</p></div>', []),
        ('<section id="search"><p>Enter search terms.</p></section>', []),
        ('<section class="related" id="related-posts"><h2>Related posts</h2><p>Another post.</p></section>', []),
    ],
)
def test_a_section_named_after_its_own_heading_is_not_chrome(section, kept):
    p = extract("<h1>re</h1><p>This module provides regular expression matching operations.</p>" + section)
    lines = [line for line in p.text.text.split("\n") if line.strip()]
    assert lines == ["re", "This module provides regular expression matching operations.", *kept]


def test_a_page_whose_body_names_its_layout_is_read(tmp_path):
    # The Apache manual (apache2-doc 2.4.71, vhosts/fd-limits.html): the 16 pages without a quick-view sidebar are
    # <body id="manual-page" class="no-sidebar">, and the part "sidebar" made the whole <body> chrome: each page was
    # skipped with "no text after removing markup"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "fd-limits.html").write_text((DATA / "apache-fd-limits.html").read_text(encoding="utf-8"), "utf-8")
    c = load_corpus(corpus)
    assert c.skipped == ()
    assert [d.title for d in c.documents] == ["File Descriptor Limits"]
    assert "When using a large number of Virtual Hosts, Apache may run out of available" in c.passages[0].text
    assert c.passages[-1].text.startswith('LogFormat "%v %h %l %u %t \\"%r\\" %>s %b" vhost\nCustomLog')
    assert {p.section for p in c.passages} == {"File Descriptor Limits", "Splitting up your log files"}
    joined = "\n".join(p.text for p in c.passages)
    for chrome in ("Modules | Directives", "Report a bug", "Apache > HTTP Server", "Copyright 2026", "¶"):
        assert chrome not in joined, chrome


@pytest.mark.parametrize(
    ("page", "lines"),
    [  # the page's own <html>/<body> is never chrome by its name (WordPress's body classes "search-results", "home")
        ('<body class="search search-results"><p>Two results for pool.</p></body>', ["Two results for pool."]),
        ('<html class="nav-open"><body><p>Text of the page.</p></body></html>', ["Text of the page."]),
        # a part after "no", "without", "has", "with" says what the element lacks or has, not what it is
        ('<div class="page no-sidebar"><p>Text of the page.</p></div>', ["Text of the page."]),
        ('<div class="content has-toc"><p>Text of the page.</p></div>', ["Text of the page."]),
        # Python's csv reference: <dt id="csv.Sniffer.has_header"> was chrome ("header"), its signature lost
        ('<dl><dt id="csv.Sniffer.has_header">has_header(sample)</dt><dd>Analyze the text.</dd></dl>',
         ["has_header(sample)", "Analyze the text."]),
        # chrome stays chrome: the chrome word first, or in a token of its own beside a modifier token
        ('<div class="menu-no-js"><p>Quick search</p></div><p>Text.</p>', ["Text."]),
        ('<div class="no-js nav"><p>Quick search</p></div><p>Text.</p>', ["Text."]),
        ('<body class="no-sidebar"><div class="menu"><p>Quick search</p></div><p>Text.</p></body>', ["Text."]),
    ],
)  # fmt: skip
def test_a_class_that_names_a_layout_is_no_chrome(page, lines):
    assert [t for t in extract(page).text.text.split("\n") if t.strip()] == lines


def test_a_label_and_its_value_are_one_line_in_one_passage(tmp_path):
    # The Apache manual's directive table (apache2-doc 2.4.71, mod/mod_buffer.html): <th>Default:</th> and
    # <td><code>BufferSize 131072</code></td> were cells apart, and 326 passages of the manual ended in "Default:", the
    # value opening the next one ("…Syntax: BufferSize integer Default:" | "BufferSize 131072 Context: …")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mod_buffer.html").write_text((DATA / "apache-mod-buffer.html").read_text(encoding="utf-8"), "utf-8")
    c = load_corpus(corpus)
    directive = [p for p in c.passages if p.section == "BufferSize Directive"]
    assert [[s.text for s in p.sentences] for p in directive][:2] == [
        [
            "Description: | Maximum size in bytes to buffer by the buffer filter",
            "Syntax: | BufferSize integer",
            "Default: | BufferSize 131072",
        ],
        [
            "Context: | directory, .htaccess",
            "Status: | Extension",
            "Module: | mod_buffer",
            "The BufferSize directive specifies the amount of data in bytes that will be buffered before being read "
            "from or written to each request.",
        ],
    ]
    module = [s.text for p in c.passages if p.section == "Apache Module mod_buffer" for s in p.sentences]
    assert module[-5:] == [
        "Description: | Support for request buffering",
        "Status: | Extension",
        "Module Identifier: | buffer_module",
        "Source File: | mod_buffer.c",
        "Compatibility: | Available in Apache 2.3 and later",
    ]
    assert not [p.text for p in c.passages if p.text.endswith(":")]


def test_a_banner_h1_naming_the_site_is_chrome_and_the_title_names_the_page():
    # Node.js's API pages: <title>Stream | Node.js v18.20.4 Documentation</title>, the site's name as the <h1> of the
    # <header> banner and the page's own name as the <h2> of the text; the banner h1 headed every passage of all 64
    # pages and was every page's title. The source link "[src]" beside the name was part of the heading.
    _, p = page("nodejs-stream.html")
    text = p.text.text.split("\n")
    assert p.title == "Stream"
    assert [line for line in text if line.strip()][:2] == ["Stream", "Stability: 2 - Stable"]
    assert [(text[n], level) for n, level in sorted(p.headings.items())] == [
        ("Stream", 2),
        ("Organization of this document", 3),
        ("Types of streams", 3),
        ("readable.pipe(destination[, options])", 6),
    ]
    assert "documentation" not in p.text.text and "[src]" not in p.text.text


@pytest.mark.parametrize(
    ("markup", "title", "lines"),
    [
        (  # a blog: the post's name, then the blog's
            "<title>Hello again | My Blog</title><header><h1>My Blog</h1></header><h2>Hello again</h2><p>Text.</p>",
            "Hello again",
            ["Hello again", "Text."],
        ),
        (  # the h1 names the page, the title adds the site's name after it (Python's reference)
            "<title>json — JSON encoder — Python 3.11</title><h1>json — JSON encoder</h1><h2>Basic usage</h2>",
            "json — JSON encoder",
            ["json — JSON encoder", "Basic usage"],
        ),
        (  # the title ends with the h1 but names no heading of the page: the h1 stays the page's name
            "<title>Intro | Node.js</title><header><h1>Node.js</h1></header><h2>About</h2><p>Text.</p>",
            "Node.js",
            ["Node.js", "About", "Text."],
        ),
    ],
)
def test_which_h1_names_the_page(markup, title, lines):
    p = extract(markup)
    assert p.title == title
    assert [line for line in p.text.text.split("\n") if line.strip()] == lines


def test_a_heading_linked_back_to_the_contents_keeps_its_text():
    # docutils' `.. contents::` makes every heading's text a link back to it (<a class="toc-backref">, 54 of CMake's
    # 196 command/manual/guide/release pages, 3 of Python's): read as a table of contents, every such heading was
    # lost, the title fell back to "find_package — CMake 3.25.1 Documentation", and the contents' own title
    # "Contents" (over its dropped link list) headed the page
    _, p = page("sphinx-cmake-find-package.html")
    text = p.text.text.split("\n")
    assert p.title == "find_package"
    assert [(text[n], level) for n, level in sorted(p.headings.items())] == [
        ("find_package", 1),
        ("Search Modes", 2),
        ("Module mode", 7),
    ]
    assert [line for line in text if line.strip()][:3] == [
        "find_package",
        "Note",
        "The Using Dependencies Guide provides a high-level introduction to this general topic. It provides a broader "
        "overview of where the find_package() command fits into the bigger picture, including its relationship to the "
        "FetchContent module. The guide is recommended pre-reading before moving on to the details below.",
    ]
    assert "Contents" not in text and "CMake 3.25.1" not in p.text.text


def test_a_sentence_around_its_example_is_one_passage(tmp_path):
    # The Apache manual's urlmapping.html (apache2-doc 2.4.71, trimmed to "Files Outside the DocumentRoot"): "<p>For
    # example, with</p><pre>Alias …</pre><p>the URL … will be served from …</p>" was cut after the code block, so the
    # sentence's second half opened the next passage
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "urlmapping.html").write_text((DATA / "apache-urlmapping.html").read_text(encoding="utf-8"), "utf-8")
    c = load_corpus(corpus)
    texts = [p.text for p in c.passages if p.section == "Files Outside the DocumentRoot"]
    assert texts[3] == (
        "Alternatively, the Alias directive will map any part of the filesystem into the web space. For example, with\n"
        'Alias "/docs" "/var/web"\n'
        "the URL http://www.example.com/docs/dir/file.html will be served from /var/web/dir/file.html."
    )
    assert texts[4].startswith("The ScriptAlias directive works the same way")
