"""The documentation sets under eval/: corpus recipes, question-set checks, the end-to-end command, and the
real sets checked against their installed Debian packages (skipped, saying why, when one is missing)."""

import json
import re
from pathlib import Path

import pytest

from eval import corpora, docsets, questions
from eval.corpora import RECIPES, CorpusMissing, Recipe, materialize
from eval.pagetext import page_text
from qa.evaluation.evaluate import load_questions

PAGES = {
    "alpha.html": "<html><head><title>Alpha</title><style>p{}</style></head><body><h1>Alpha</h1>"
    "<p>The alpha command   removes\nold files.</p><script>var x = 'hidden';</script></body></html>",
    "beta.html": "<html><body><h1>Beta</h1><p>Beta pages list every backup.</p></body></html>",
    "genindex.html": "<html><body><p>Index of all pages.</p></body></html>",
    "sub/gamma.html": "<html><body><p>Gamma.</p></body></html>",
    "notes.txt": "not a page",
}


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A fake installed documentation package and its recipe (`fake`)."""
    root = tmp_path / "pkg"
    for rel, text in PAGES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    recipe = Recipe("fake", "fake-doc", "1.0", str(root), ("*.html", "sub/*.html"), ("genindex.html",))
    monkeypatch.setitem(RECIPES, "fake", recipe)
    return root


def test_a_recipe_chooses_its_pages_sorted(site):
    assert RECIPES["fake"].pages() == ["alpha.html", "beta.html", "sub/gamma.html"]


def test_materialize_copies_bytes_and_removes_what_the_recipe_does_not_choose(site, tmp_path):
    dest = tmp_path / "corpus"
    (dest / "old").mkdir(parents=True)
    (dest / "old" / "stale.html").write_text("stale")
    assert materialize("fake", dest) == ["alpha.html", "beta.html", "sub/gamma.html"]
    assert (dest / "alpha.html").read_bytes() == (site / "alpha.html").read_bytes()
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*")) == [
        "alpha.html", "beta.html", "sub", "sub/gamma.html"]  # fmt: skip


def test_a_missing_package_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(RECIPES, "gone", Recipe("gone", "gone-doc", "1", str(tmp_path / "no"), ("*.html",)))
    with pytest.raises(CorpusMissing, match=r"is missing: install it with `apt-get install -y gone-doc`"):
        RECIPES["gone"].pages()
    assert corpora.main(["gone", str(tmp_path / "dest")]) == 2
    assert "error:" in capsys.readouterr().err


def test_page_text_is_what_a_reader_sees(site):
    assert page_text(site / "alpha.html") == "Alpha The alpha command removes old files."


def _q(id, answerable=True, gold=(), docs=(), absent=()):
    return {"id": id, "question": "q?", "kind": "howto" if answerable else "unanswerable", "answerable": answerable,
            "gold": list(gold), "docs": list(docs), "absent": list(absent)}  # fmt: skip


def test_question_checks_report_each_problem(site):
    items = [
        _q("ok", gold=["the ALPHA command removes old files"], docs=["alpha.html"]),
        _q("elsewhere", gold=["Beta pages list every backup."], docs=["alpha.html"]),
        _q("second-page", gold=["Beta pages list every backup."], docs=["alpha.html", "beta.html"]),
        _q("nopage", gold=["x"], docs=["missing.html"]),
        _q("nogold", docs=["alpha.html"]),
        _q("absent-ok", answerable=False, absent=["materialized view"]),
        _q("present", answerable=False, absent=["backup", "alpha command"]),
        _q("inword", answerable=False, absent=["back"]),
        _q("noterm", answerable=False),
        _q("ok", gold=["Gamma."], docs=["sub/gamma.html"]),
    ]
    assert questions.problems(items, site, RECIPES["fake"].pages()) == [
        "duplicate id ok",
        "elsewhere: gold 'Beta pages list every backup.' is not in alpha.html",
        "nopage: gold pages ['missing.html'] are not in the corpus",
        "nogold: answerable but no gold snippet",
        "present: absent term 'backup' occurs in beta.html",
        "present: absent term 'alpha command' occurs in alpha.html",
        "noterm: unanswerable but names no absent term",
    ]


def test_docsets_end_to_end_builds_once_then_reuses(site, tmp_path, monkeypatch):
    monkeypatch.setenv("QA_SEMANTIC", "off")
    qfile = tmp_path / "questions.jsonl"
    rows = [
        _q("a", gold=["removes old files"], docs=["alpha.html"]) | {"question": "what removes old files?"},
        _q("u", answerable=False, absent=["kubernetes"]) | {"question": "how do I deploy on kubernetes?"},
    ]
    qfile.write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setattr(docsets, "questions_path", lambda name: qfile)
    first = docsets.run("fake", tmp_path / "work", k=3, mode="bm25")
    assert (first["set"], first["index"]["reused"], first["index"]["semantic"]) == ("fake", False, False)
    assert (first["questions"], first["answerable"], first["unanswerable"]) == (2, 1, 1)
    assert (first["hit@1"], first["answer@1"], first["abstention"], first["false_abstention"]) == (1.0, 1.0, 1.0, 0.0)
    again = docsets.run("fake", tmp_path / "work", k=3, mode="bm25")
    assert again["index"]["reused"] is True and again["index"]["version"] == first["index"]["version"]
    lines = docsets.table(again, 3)
    assert lines[0].split() == ["kind", "n", "hit@1", "hit@3", "answer@1", "abstain", "false-abst"]
    assert lines[1].split() == ["all", "2", "1.00", "1.00", "1.00", "1.00", "0.00"]


@pytest.mark.parametrize("name", ["sqlite", "postgresql", "git", "python", "handbook", "apache"])
def test_the_real_question_sets_hold_against_their_pages(name):
    items = load_questions(questions.questions_path(name))
    answerable = [q for q in items if q["answerable"]]
    assert len(answerable) >= 40 and len(items) - len(answerable) >= 15
    assert all(q["kind"] in ("howto", "fact", "concept", "number", "unanswerable") for q in items)
    try:
        found = questions.set_problems(name)
    except CorpusMissing as exc:
        pytest.skip(str(exc))
    recipe = RECIPES[name]
    have = corpora.installed_version(recipe.package)
    if found and have != recipe.version:  # Debian updated the pages: report it, do not block everyone's CI
        pytest.skip(f"{recipe.package} {have} is installed, the set was written against {recipe.version}: "
                    f"{len(found)} problem(s), first {found[0]!r}; update the set")  # fmt: skip
    assert found == []


def _lang(path: Path) -> str:
    return re.search(r'<html[^>]*\blang="([^"]+)"', path.read_text(encoding="utf-8")).group(1)


def test_the_apache_recipe_takes_the_english_pages_only():
    """Debian's manual/en holds six pages in Brazilian Portuguese (the pt-br build written over the English one);
    the recipe leaves them out with the front page, the site map and the generated listings."""
    recipe = RECIPES["apache"]
    try:
        pages = recipe.pages()
    except CorpusMissing as exc:
        pytest.skip(str(exc))
    root, have = Path(recipe.root), corpora.installed_version(recipe.package)
    foreign = [p for p in pages if _lang(root / p) != "en"]
    if have != recipe.version:  # Debian updated the pages: report it, do not block everyone's CI
        pytest.skip(f"{recipe.package} {have} is installed, not {recipe.version}; pages not in English: {foreign}")
    assert foreign == []
    assert "faq/index.html" in pages and "mod/core.html" in pages and "mod/quickreference.html" not in pages
    assert [_lang(root / p) for p in corpora.APACHE_PORTUGUESE] == ["pt-br"] * 6
    assert len(pages) == 232
