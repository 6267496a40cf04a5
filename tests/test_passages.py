import dataclasses

import pytest

from qa.ingest.passages import build_passages, find_markers, group_sentences
from qa.ingest.structure import Line, Section
from qa.models import Reference, Sentence, Span


def sentences(*word_counts: int) -> list[Line]:
    """Sentences of the given word counts laid end to end ("w1 w2 ... wN." separated by spaces)."""
    out, pos = [], 0
    for i, n in enumerate(word_counts):
        text = " ".join(f"s{i}w{k}" for k in range(n)) + "."
        out.append(Line(text, Span(pos, pos + len(text))))
        pos += len(text) + 1
    return out


@pytest.mark.parametrize(
    ("counts", "sizes"),
    [
        ([10, 10, 10], [2, 1]),  # closes at 20 words; the 10-word tail stays (not < 10)
        ([10, 10, 4], [3]),  # a short tail joins the group before
        ([5, 5, 5, 5, 5], [4, 1]),  # at most four sentences
        ([90, 5], [1, 1]),  # a long sentence stands alone
        ([30, 60], [1, 1]),
        ([15, 60], [2]),  # 15 words is under 20 and 75 fits under 80
        ([], []),
    ],
)
def test_group_sentences(counts, sizes):
    groups = group_sentences(sentences(*counts))
    assert [len(g) for g in groups] == sizes


REF = Reference(
    id="doc-r1",
    document_id="doc",
    ordinal=1,
    authors=("Neutze D",),
    organization=None,
    title="T",
    venue=None,
    year=2016,
    details=None,
    doi=None,
    url=None,
    text="Neutze D. T. 2016.",
    source=Span(500, 520),
)


def test_build_passages_ids_sections_chain_and_offsets():
    s = sentences(12, 12, 5, 3)
    sections = [
        Section(None, ((s[0], s[1]),)),
        Section("Causes", ((s[2],), (s[3],))),
        Section("Empty", ()),
    ]
    passages = build_passages("doc", "Doc Title", sections, [REF])
    assert [(p.passage_id, p.ordinal, p.kind, p.section) for p in passages] == [
        ("doc-p1", 1, "passage", "Doc Title"),
        ("doc-p2", 2, "passage", "Causes"),
        ("doc-r1", 3, "reference", "References"),
    ]
    assert [(p.previous_id, p.next_id) for p in passages] == [
        (None, "doc-p2"),
        ("doc-p1", "doc-r1"),
        ("doc-p2", None),
    ]
    p1, p2, r1 = passages
    assert p1.text == f"{s[0].text} {s[1].text}"
    assert p1.sentences == (
        Sentence(s[0].text, 0, len(s[0].text), s[0].source),
        Sentence(s[1].text, len(s[0].text) + 1, len(p1.text), s[1].source),
    )
    assert p1.source == Span(s[0].source.start, s[1].source.end)
    assert p2.text == f"{s[2].text} {s[3].text}"  # across paragraphs, within the section
    assert (r1.text, r1.reference_id, r1.source) == ("Neutze D. T. 2016.", "doc-r1", Span(500, 520))
    assert r1.sentences == (Sentence("Neutze D. T. 2016.", 0, 18, Span(500, 520)),)


def test_a_lead_paragraph_that_only_repeats_the_title_is_no_passage():
    # SQLite's pages draw their title as a <div class="fancy_title"> over the first h1: a passage of the title alone
    title, body = Line("The SQLite Amalgamation", Span(0, 23)), sentences(5)[0]
    lead = Section(None, ((title,), (body,)))
    assert [p.text for p in build_passages("d", "The SQLite Amalgamation", [lead], [])] == [body.text]
    assert [p.text for p in build_passages("d", "Other Title", [lead], [])] == [f"{title.text} {body.text}"]
    headed = Section("The SQLite Amalgamation", ((title,),))  # under a heading it is text like any other
    assert [p.text for p in build_passages("d", "The SQLite Amalgamation", [headed], [])] == [title.text]


def test_passages_never_cross_a_heading():
    s = sentences(3, 3)
    passages = build_passages("d", "T", [Section("A", ((s[0],),)), Section("B", ((s[1],),))], [])
    assert [(p.section, p.text) for p in passages] == [("A", s[0].text), ("B", s[1].text)]


def test_markers_are_recorded_on_passages():
    line = Line("Cramps are common [1], [2,3].", Span(0, 29))
    (p,) = build_passages("d", "T", [Section(None, ((line,),))], [])
    assert p.markers == ("1", "2", "3")


@pytest.mark.parametrize(
    ("text", "markers"),
    [
        ("No markers here.", ()),
        ("One [1] and again [1].", ("1",)),
        ("List [2, 3] and range [4–6].", ("2", "3", "4", "5", "6")),
        ("Superscripts¹ and ²⁻³.", ("1", "2", "3")),
        ("Not markers: [a], [2020], [ 1 ].", ()),
    ],
)
def test_find_markers(text, markers):
    assert find_markers(text) == markers


CONDITIONS = {
    name.lower().replace(" ", "-") + ".md": f"""---
title: {name}
---
# {name}

## Description

{name} is {what}. {more}

## Inheritance

This condition is inherited in an {pattern} pattern, which means one copy of the altered gene in each cell is \
sufficient to cause the disorder.

## Treatment

Treatment depends on the signs and symptoms and is directed by a team of specialists.
"""
    for name, what, more, pattern in [
        (
            "Cleidocranial dysplasia",
            "a condition that primarily affects the development of the bones and teeth",
            "Cleidocranial dysplasia can cause underdeveloped or absent collarbones.",
            "autosomal dominant",
        ),
        (
            "Fanconi anemia",
            "a condition that affects many parts of the body",
            "People with Fanconi anemia have bone marrow failure.",
            "autosomal recessive",
        ),
        (
            "Fragile X syndrome",
            "a genetic condition that causes a range of developmental problems",
            "Fragile X syndrome is more common in males.",
            "X-linked dominant",
        ),
    ]
}


@pytest.fixture(scope="module")
def conditions_qa(tmp_path_factory):
    from conftest import write_corpus

    from qa.api import QA

    base = tmp_path_factory.mktemp("conditions")
    return QA.from_corpus(write_corpus(base / "corpus", CONDITIONS), base / "index", semantic=False)


def test_a_section_passage_is_matched_with_its_heading_path(conditions_qa):
    a = conditions_qa.ask("Is cleidocranial dysplasia inherited?", k=3)
    top = a.results[0]
    assert (top.passage_id, top.section) == ("cleidocranial-dysplasia-p2", "Inheritance")
    assert top.heading_path == ("Cleidocranial dysplasia", "Inheritance")
    assert top.to_dict()["heading_path"] == ["Cleidocranial dysplasia", "Inheritance"]
    assert "Cleidocranial" not in top.text  # the section never names the condition: its headings do


def test_indexed_text_is_the_heading_path_weighted_then_the_text():
    from qa.models import Passage, Sentence, Span
    from qa.storage.index import HEADING_WEIGHT, indexed_text

    p = Passage("d-p2", "d", 2, "passage", "Inheritance", "Inherited.", (Sentence("Inherited.", 0, 10, Span(0, 10)),),
                Span(0, 10), heading_path=("Dysplasia", "Inheritance"))  # fmt: skip
    assert HEADING_WEIGHT == 2
    assert indexed_text(p, "Dysplasia") == "Dysplasia\nInheritance\n" * 2 + "Inherited."
    lead = dataclasses.replace(p, section="Dysplasia", heading_path=())
    assert indexed_text(lead, "Dysplasia") == "Dysplasia\n" * 2 + "Inherited."
    ref = dataclasses.replace(p, kind="reference", section="References", heading_path=())
    assert indexed_text(ref, "Dysplasia") == "Inherited."


@pytest.mark.parametrize(
    ("path", "text", "indexed"),
    [
        (  # PostgreSQL's reference page opens with its own heading: "abort" counts twice, not three times
            ("ABORT",),
            "ABORT — abort the current transaction",
            "ABORT\nABORT — abort the current transaction",
        ),
        (
            ("sqlite3", "sqlite3.connect(database, timeout=5.0)"),
            "sqlite3.connect (database, timeout=5.0) opens a connection.",
            "sqlite3\nsqlite3.connect(database, timeout=5.0)\nsqlite3\nsqlite3.connect (database, timeout=5.0) opens a "
            "connection.",
        ),
        (("ABORT",), "Abortive attempts.", "ABORT\nABORT\nAbortive attempts."),  # a word's start is not the word
        (("Outer", "ABORT"), "Outer ABORT text.", "Outer\nABORT\n" * 2 + "Outer ABORT text."),  # only its own heading
    ],
)
def test_a_heading_the_text_begins_with_counts_heading_weight_times_in_all(path, text, indexed):
    from qa.models import Passage, Sentence, Span
    from qa.storage.index import indexed_text

    p = Passage("d-p1", "d", 1, "passage", path[-1], text, (Sentence(text, 0, len(text), Span(0, len(text))),),
                Span(0, len(text)), heading_path=path)  # fmt: skip
    assert indexed_text(p, "Title") == indexed


def lines(*texts: str) -> list[Line]:
    """Lines laid end to end; a text starting with "$ " is a code block."""
    out, pos = [], 0
    for text in texts:
        out.append(Line(text, Span(pos, pos + len(text)), code=text.startswith("$ ")))
        pos += len(text) + 1
    return out


LONG = " ".join(["word"] * 18) + "."  # 18 words: the next sentence closes a group at 20


@pytest.mark.parametrize(
    ("texts", "sizes"),
    [
        # a sentence written around its example is packed whole: "For example, with" / code / "the URL …"
        ([LONG, "For example, with", "$ Alias /docs /var/web", "the URL is served from /var/web.", "Next."], [4, 1]),
        ([LONG, "The syntax is", "$ query1 UNION query2", "where query1 and query2 are queries."], [4]),
        # a sentence that ended before the code, or text after it in upper case, is packed as before
        ([LONG, "Run it.", "$ httpd -k graceful", "httpd keeps its old log file.", "Next one."], [2, 3]),
        ([LONG, "It would be:", "$ SetEnv CACHE_MISS 1", "mod_cache will run before mod_env.", "Next."], [2, 3]),
        ([LONG, "For example, with", "$ Alias /docs /var/web", "The URL is served from /var/web."], [2, 2]),
        ([LONG, "For example, with", "$ Alias /docs /var/web", "$ Alias /img /var/img", "Next."], [2, 3]),  # code next
        (["For example, with", "$ a", "then", "$ b", "and so on.", "Next one."], [5, 1]),  # a chain is one unit
    ],
)
def test_a_sentence_around_a_code_block_stays_in_one_passage(texts, sizes):
    groups = group_sentences(lines(*texts))
    assert [len(g) for g in groups] == sizes
    assert [line for g in groups for line in g] == lines(*texts)
