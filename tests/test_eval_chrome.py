"""The site-chrome detector of eval/chrome.py: element regions, text rules, passage shares, and the manual
audit of 100 sampled passages per documentation set (re-checked when the package is installed)."""

import json
from pathlib import Path

import pytest

from eval.chrome import CHROME_SHARE, RawMasks, passage_share, text_share
from eval.corpora import RECIPES, installed_version

HTML = (
    "<html><head><title>T</title></head><body>\n"
    '<div class="related" role="navigation"><ul><li>index<li>modules</ul></div>\n'
    '<div class="body"><h1>Title<a class="headerlink" href="#t">\u00b6</a></h1>\n'
    "<p>Real text here.<br>More text.</p>\n"
    '<div class="sphinxsidebar"><div><h3>This Page</h3></div><img src="x"></div>\n'
    "<div class=menu><ul><li>Home<li>About</ul></div>\n"
    "<p>Tail.</p></div></body></html>"
)


def _span(text):
    start = HTML.index(text)
    return start, start + len(text)


def test_element_regions_mark_chrome_and_leave_content():
    masks = RawMasks(HTML)
    assert masks.counts(*_span("Real text here.")) == (13, 0)
    assert masks.counts(*_span("index<li>modules")) == (12, 12)  # tags are not counted, only visible text
    assert masks.counts(*_span("This Page")) == (8, 8)
    assert masks.counts(*_span("Home<li>About")) == (9, 9)  # unquoted class, unclosed <li>
    assert masks.counts(*_span("Tail.")) == (5, 0)  # the region ends where the sidebar's own </div> is
    assert masks.counts(*_span("Title<a")) == (5, 0)
    assert masks.counts(*_span("\u00b6")) == (1, 1)


@pytest.mark.parametrize(
    "text, share",
    [
        ("Examples\u00b6", 1 / 9),
        ("See the docs. This page last modified on 2021-07-27 23:51:29 UTC", 43 / 54),
        ("Part of the git(1) suite Last updated 2024-05-31 00:35:55 UTC", 1.0),
        ("\u00a9 Copyright 2001-2026, Python Software Foundation.", 1.0),
        ("join-operator: show ordering-term: hide", 1.0),
        ("Skip to main content", 1.0),
        ("We accept all cookies here", 16 / 22),
        ("Copyright (c) 1994, The Regents", 1.0),
        ("The copyright holder wrote this in 1999.", 0.0),
        ("", 0.0),
    ],
)
def test_text_rules(text, share):
    assert text_share(text) == pytest.approx(share, abs=1e-9)


def test_passage_share_is_the_larger_of_region_and_text_shares():
    masks = RawMasks(HTML)
    assert passage_share("Real text here.", [_span("Real text here.")], masks) == 0.0
    assert passage_share("index modules", [_span("index<li>modules")], masks) == 1.0
    mixed = [_span("Real text here."), _span("This Page")]
    assert passage_share("Real text here. This Page", mixed, masks) == pytest.approx(8 / 21)
    assert passage_share("Examples\u00b6", [], None) == pytest.approx(1 / 9)


AUDITS = sorted(Path(__file__).resolve().parent.parent.glob("eval/*/chrome-audit.jsonl"))


def test_every_set_has_an_audit_of_100_passages():
    assert [p.parent.name for p in AUDITS] == ["git", "postgresql", "python", "sqlite"]
    for path in AUDITS:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert len(rows) == 100 and len({r["passage_id"] for r in rows}) == 100
        assert all(isinstance(r["chrome"], bool) and r["spans"] for r in rows)


@pytest.mark.parametrize("path", AUDITS, ids=lambda p: p.parent.name)
def test_the_detector_agrees_with_the_manual_audit(path):
    recipe = RECIPES[path.parent.name]
    if not Path(recipe.root).is_dir():
        pytest.skip(f"needs {recipe.package} (apt-get install -y {recipe.package})")
    have = installed_version(recipe.package)
    if have != recipe.version:  # the audited spans are offsets into that version's pages
        pytest.skip(f"{recipe.package} {have} is installed; the audit was made on {recipe.version}")
    masks: dict[str, RawMasks] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["page"] not in masks:
            masks[row["page"]] = RawMasks((Path(recipe.root) / row["page"]).read_bytes().decode("utf-8"))
        share = passage_share(row["text"], [tuple(s) for s in row["spans"]], masks[row["page"]])
        assert share == pytest.approx(row["detector"], abs=1e-3), row["passage_id"]
        assert (share >= CHROME_SHARE) is row["chrome"], row["passage_id"]
