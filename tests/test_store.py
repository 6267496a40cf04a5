import numpy as np
import pytest

from qa.models import Document, Passage, Reference, Sentence, Span
from qa.storage.store import PassageStore, write_store


def _docs():
    return (
        Document("b-doc", "corpus/b-doc.txt", "B", None, "0" * 64, "txt", 10),
        Document("a-doc", "corpus/a-doc.md", "A", "https://example.org/a", "1" * 64, "md", 20),
    )


def _refs():
    return (
        Reference(
            id="a-doc-r1",
            document_id="a-doc",
            ordinal=1,
            authors=("Neutze D", "Roque J"),
            organization=None,
            title="Clinical evaluation of bleeding",
            venue="Am Fam Physician",
            year=2016,
            details="93(4):279-285",
            doi="10.1/x",
            url="https://doi.org/10.1/x",
            text="Neutze D, Roque J. Clinical evaluation of bleeding. Am Fam Physician. 2016.",
            source=Span(100, 180),
        ),
    )


def _passages():
    s1 = Sentence("Café ünïcode é.", 0, 15, Span(0, 15))
    s2 = Sentence("Two.", 16, 20, Span(17, 21))
    return (
        Passage("b-doc-p1", "b-doc", 1, "passage", "Intro", "Café ünïcode é. Two.", (s1, s2), Span(0, 21), None, None),
        Passage(
            "a-doc-p1",
            "a-doc",
            1,
            "passage",
            "Só",
            "Alpha.",
            (Sentence("Alpha.", 0, 6, Span(3, 9)),),
            Span(3, 9),
            None,
            "a-doc-r1",
            markers=("1",),
        ),
        Passage(
            "a-doc-r1",
            "a-doc",
            2,
            "reference",
            "References",
            _refs()[0].text,
            (Sentence(_refs()[0].text, 0, len(_refs()[0].text), Span(100, 180)),),
            Span(100, 180),
            "a-doc-p1",
            None,
            reference_id="a-doc-r1",
        ),
    )


@pytest.mark.parametrize("mmap", [True, False])
def test_round_trip_rebuilds_every_passage_exactly(tmp_path, mmap):
    files = write_store(tmp_path, _docs(), _passages(), _refs())
    assert "text.bin" in files and "documents.json" in files
    store = PassageStore(tmp_path, mmap=mmap)
    assert len(store) == 3
    assert [store.get(i) for i in range(3)] == list(_passages())
    assert store.documents == _docs()
    assert store.references == _refs()
    assert list(store.texts()) == [p.text for p in _passages()]


def test_index_of_finds_every_id_and_rejects_others(tmp_path):
    write_store(tmp_path, _docs(), _passages(), _refs())
    store = PassageStore(tmp_path)
    assert [store.index_of(p.passage_id) for p in _passages()] == [0, 1, 2]
    for missing in ["", "a-doc", "a-doc-p2", "zzz", "../etc/passwd"]:
        assert store.index_of(missing) is None
    assert store.document("a-doc").title == "A"
    assert store.document("nope") is None
    assert store.document_mask("a-doc").tolist() == [False, True, True]
    assert store.documents_of(np.array([2, 0, 1, 2])).tolist() == [1, 0, 1, 1]
    assert store.documents_of(np.array([], dtype=np.int32)).tolist() == []
    assert store.kind(2) == "reference" and store.section(1) == "Só"


def test_empty_store(tmp_path):
    write_store(tmp_path, (), (), ())
    store = PassageStore(tmp_path)
    assert len(store) == 0
    assert store.index_of("x") is None
