"""Markdown extraction: MyST directives (tests/data/markdown: excerpts of pip's documentation as Debian's python3-pip
ships it, /usr/share/doc/python3-pip/html, markup as published)."""

from pathlib import Path

import pytest

from qa.ingest.corpus import load_corpus
from qa.ingest.mdtext import extract_markdown
from qa.ingest.reader import split_front_matter
from qa.ingest.textmap import MappedText

DATA = Path(__file__).parent / "data" / "markdown"


def extracted(name: str):
    raw = (DATA / name).read_text(encoding="utf-8")
    return raw, extract_markdown(split_front_matter(raw)[1])


def test_an_admonition_directive_is_prose_and_a_console_directive_code():
    # "```{caution}" over two lines of prose was a code block: never sentence-split, its words not repaired
    raw, md = extracted("myst-pip-caching.md")
    lines = md.text.text.split("\n")
    assert lines[10:12] == [  # under "```{versionchanged} 20.0", whose version goes with its fence line
        "pip now caches wheels when building from an immutable Git reference",
        "(i.e. a commit hash).",
    ]
    assert lines[17:19] == [
        "The exact filesystem structure of pip's cache's contents is considered to be",
        "an implementation detail and may change between any two versions of pip.",
    ]
    # a tab's label is a line of its own; the "```" inside a "````{tab}" is a code block, not the tab's end
    assert lines[31:37] == ["Linux", "", "~/.cache/pip", "", "", "pip will also respect XDG_CACHE_HOME."]
    assert [raw[a:b] for a, b in md.code_blocks] == [
        "~/.cache/pip",
        "~/Library/Caches/pip",
        "%LocalAppData%\\pip\\Cache",
        "$ pip download sampleproject==1.0.0 --no-binary :all:\n$ pip install sampleproject-1.0.0.tar.gz",  # {pip-cli}
    ]
    assert "{" not in md.text.text and "```" not in md.text.text and "20.0" not in md.text.text
    # a role before a code span goes with the backticks: {ref}`pip cache`
    assert lines[-2] == "pip cache command." and [raw[a:b] for a, b in md.inline_code][-1] == "pip cache"
    assert {lines[n]: level for n, level in md.headings.items()} == {
        "Caching": 1,
        "Where is the cache stored": 2,
        "pip cache dir": 3,
        "Default paths": 3,
        "Avoiding caching": 2,
    }


def test_a_toctree_is_no_text():
    _, md = extracted("myst-pip-index.md")
    assert [line for line in md.text.text.split("\n") if line.strip()] == [
        "pip",
        "pip is the package installer for Python. You can use it to",
        "install packages from the Python Package Index and other indexes.",
    ]


@pytest.mark.parametrize(
    ("markdown", "lines", "code"),
    [
        ("```{code-block} python\nx = 1\n```", ["", "x = 1", ""], ["x = 1"]),  # a code directive stays code
        ("```{note}\n:class: dropdown\nSome text.\n```", ["", "", "Some text.", ""], []),  # options dropped
        ("```{admonition} Good to know\nSome text.\n```", ["Good to know", "Some text.", ""], []),  # its title
        ("````\n```\nstill code\n````", ["", "```", "still code", ""], ["```\nstill code"]),  # a shorter fence in code
        ("```{unknown}\n$ run it\n```", ["", "$ run it", ""], ["$ run it"]),  # a project's own directive: code
    ],
)
def test_which_fences_are_code(markdown, lines, code):
    md = extract_markdown(MappedText.identity(markdown))
    assert md.text.text.split("\n") == lines
    assert [markdown[a:b] for a, b in md.code_blocks] == code


def test_a_caution_in_a_myst_page_is_read_as_sentences(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "caching.md").write_text((DATA / "myst-pip-caching.md").read_text(encoding="utf-8"), encoding="utf-8")
    passages = load_corpus(corpus).passages
    where = next(p for p in passages if "filesystem structure" in p.text)
    assert where.heading_path == ("Caching", "Where is the cache stored")
    assert where.text == (
        "The exact filesystem structure of pip's cache's contents is considered to be an implementation detail and "
        "may change between any two versions of pip."
    )


@pytest.mark.parametrize(
    ("markdown", "lines", "code"),
    [  # lines of pip's topics/caching.md, topics/secure-installs.md and topics/configuration.md
        ("(wheel-caching)=\n\n### Locally built wheels", ["", "", "Locally built wheels"], []),
        (
            "see {ref}`Controlling setup_requires <controlling-setup_requires>`.",
            ["see Controlling setup_requires."],
            ["Controlling setup_requires"],
        ),
        ("the underlying use of {pypi}`requests`, which", ["the underlying use of requests, which"], ["requests"]),
    ],
)
def test_a_myst_role_reads_as_its_text_and_a_target_as_nothing(markdown, lines, code):
    md = extract_markdown(MappedText.identity(markdown))
    assert md.text.text.split("\n") == lines
    assert [markdown[a:b] for a, b in md.inline_code] == code
