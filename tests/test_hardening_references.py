"""Issue 13 row 13: a section after the reference list ("Related Articles" and a sentence) used to hide the
list (the seed's 25 references became 0 and every citation was lost); the list is kept and the trailing
section stays in the body."""

import pytest
from conftest import ROOT

from qa.ingest.corpus import load_corpus

TRAILING = "\n\nRelated Articles\n\nRead more about leg cramps and how to stretch your calves at night.\n"


@pytest.fixture(scope="module")
def seed_with_trailing_section(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("trailing") / "corpus"
    corpus.mkdir()
    text = (ROOT / "corpus" / "calf-pain.txt").read_text(encoding="utf-8")
    (corpus / "calf-pain.txt").write_text(text.rstrip("\n") + TRAILING, encoding="utf-8")
    return load_corpus(corpus), load_corpus(ROOT / "corpus")


def test_the_reference_list_is_kept(seed_with_trailing_section):
    changed, seed = seed_with_trailing_section
    assert len(seed.references) == 25
    assert [r.text for r in changed.references] == [r.text for r in seed.references]


def test_the_citations_are_kept(seed_with_trailing_section):
    changed, seed = seed_with_trailing_section
    cited = [p.passage_id for p in seed.passages if p.kind == "reference"]
    assert len(cited) == 25
    assert [p.passage_id for p in changed.passages if p.kind == "reference"] == cited


def test_the_trailing_section_is_body_text(seed_with_trailing_section):
    changed, _ = seed_with_trailing_section
    last = [p for p in changed.passages if p.kind != "reference"][-1]
    assert last.section == "Related Articles"
    assert last.text == "Read more about leg cramps and how to stretch your calves at night."
