"""Dense retrieval: the passages nearest in meaning join the lexical candidates (exact search on small
indexes, a usearch graph built with the index on large ones), and `bm25`/`tfidf` never see them."""

from __future__ import annotations

import numpy as np
import pytest

from qa.api import QA
from qa.search.engine import Engine
from qa.storage.index import build_index, read_manifest, verify_files
from qa.vectors import ann, semantic
from tests.conftest import write_corpus


class Fixed:
    """An encoder whose question vector is given: the tests choose the geometry."""

    def __init__(self, vector: list[float]) -> None:
        self.dim = len(vector)
        self.v = np.array([vector], dtype=np.float32)

    def encode(self, texts):  # noqa: ANN001, ANN201
        return np.repeat(self.v, len(texts), axis=0)

    encode_together = encode  # what the reranker calls at query time for sentences

    def encode_question(self, text):  # noqa: ANN001, ANN201 - and for the question
        return self.encode([text])[0]


def _unit(rows: list[list[float]]) -> np.ndarray:
    a = np.array(rows, dtype=np.float32)
    return a / np.linalg.norm(a, axis=1, keepdims=True)


VECTORS = _unit([[1, 0, 0], [0.8, 0.6, 0], [0, 1, 0], [0.8, 0.6, 0], [0, 0, 1], [0.6, 0, 0.8]])


def test_nearest_is_exact_closest_first_ties_by_passage_order():
    r = semantic.Reranker(Fixed([1, 0, 0]), VECTORS)  # type: ignore[arg-type]
    # cosines: 1.0, 0.8, 0.0, 0.8, 0.0, 0.6 -> passages 1 and 3 tie, 2 and 4 tie
    assert r.nearest("q", k=4) == [0, 1, 3, 5]
    assert r.nearest("q", k=6) == [0, 1, 3, 5, 2, 4]
    assert r.nearest("q", k=10) == [0, 1, 3, 5, 2, 4]
    assert r.nearest("q", k=0) == []


def test_nearest_respects_a_document_filter():
    r = semantic.Reranker(Fixed([1, 0, 0]), VECTORS)  # type: ignore[arg-type]
    allowed = np.array([False, False, True, True, True, False])
    assert r.nearest("q", k=2, allowed=allowed) == [3, 2]
    assert r.nearest("q", k=5, allowed=np.zeros(6, dtype=bool)) == []


def test_the_graph_finds_what_exact_search_finds_on_a_small_set(tmp_path):
    rng = np.random.default_rng(3)
    vectors = _unit(rng.standard_normal((300, 16)).tolist())
    meta = ann.build(vectors, tmp_path)
    assert meta == {"library": "usearch", "version": meta["version"], "file": "ann.usearch", "metric": "ip",
                    "connectivity": 16, "expansion_add": ann.EXPANSION_ADD, "expansion_search": ann.EXPANSION_SEARCH,
                    "size": 300}  # fmt: skip
    graph = ann.open_graph(tmp_path, meta)
    exact = semantic.Reranker(Fixed(vectors[7].tolist()), vectors)  # type: ignore[arg-type]
    approximate = semantic.Reranker(Fixed(vectors[7].tolist()), vectors, graph=graph)  # type: ignore[arg-type]
    assert approximate.nearest("q", k=10) == exact.nearest("q", k=10)
    assert approximate.nearest("q", k=10)[0] == 7
    # under a document filter the search is exact over the allowed rows
    allowed = np.zeros(300, dtype=bool)
    allowed[100:120] = True
    assert approximate.nearest("q", k=3, allowed=allowed) == exact.nearest("q", k=3, allowed=allowed)


def test_the_same_vectors_give_the_same_graph_file(tmp_path):
    vectors = _unit(np.random.default_rng(5).standard_normal((200, 8)).tolist())
    ann.build(vectors, tmp_path / "a")
    ann.build(vectors, tmp_path / "b")
    assert (tmp_path / "a" / ann.FILE).read_bytes() == (tmp_path / "b" / ann.FILE).read_bytes()


def test_a_graph_of_the_same_vectors_is_copied_from_the_cache_not_built_again(tmp_path, monkeypatch):
    vectors = _unit(np.random.default_rng(5).standard_normal((200, 8)).tolist())
    seen = []
    first = ann.build(vectors, tmp_path / "a", cache=tmp_path / "cache")
    built = (tmp_path / "a" / ann.FILE).read_bytes()
    monkeypatch.setattr(ann, "_link", lambda *a: pytest.fail("the graph was built again"))
    again = ann.build(vectors, tmp_path / "b", lambda done, total: seen.append((done, total)), cache=tmp_path / "cache")
    assert again == first
    assert (tmp_path / "b" / ann.FILE).read_bytes() == built
    assert seen == [(0, 200), (200, 200)]
    assert len(list((tmp_path / "cache" / "graphs").iterdir())) == 1


def test_other_vectors_or_a_damaged_cached_graph_are_built_again(tmp_path, caplog):
    vectors = _unit(np.random.default_rng(5).standard_normal((200, 8)).tolist())
    ann.build(vectors, tmp_path / "a", cache=tmp_path / "cache")
    (entry,) = (tmp_path / "cache" / "graphs").iterdir()
    other = vectors.copy()
    other[0, 0] = np.nextafter(other[0, 0], np.float32(2))  # one bit of one vector
    ann.build(other, tmp_path / "b", cache=tmp_path / "cache")
    (second,) = (tmp_path / "cache" / "graphs").iterdir()  # only the newest graph is kept
    assert second != entry
    second.write_bytes(second.read_bytes()[:-1] + b"x")
    ann.build(other, tmp_path / "c", cache=tmp_path / "cache")
    assert f"cached graph {second} is damaged" in caplog.text
    assert (tmp_path / "c" / ann.FILE).read_bytes() == (tmp_path / "b" / ann.FILE).read_bytes()
    assert [p.name for p in (tmp_path / "cache" / "graphs").iterdir()] == [second.name]  # written again, whole


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({"library": "faiss", "metric": "ip", "size": 3}, "unknown nearest-neighbour index 'faiss'"),
        ({"library": "usearch", "metric": "ip", "size": 99}, r"does not hold 99 vectors"),
    ],
)
def test_a_graph_that_does_not_fit_is_refused(tmp_path, meta, message):
    ann.build(VECTORS, tmp_path)
    with pytest.raises(ValueError, match=message):
        ann.open_graph(tmp_path, meta)


def test_search_appends_documents_found_another_way_with_their_own_scores():
    engine = Engine.build(["calf pain and cramps", "ankle sprain", "knee pain", "calf muscle"])
    top = engine.search("calf pain", k=2)
    assert [h.doc for h in top] == [0, 2]
    out = engine.search("calf pain", k=2, also=[1, 0, 3, 1])
    assert [h.doc for h in out] == [0, 2, 1, 3]  # no duplicates, in the order given after the top k
    assert out[2].score == 0.0 and out[2].scores["bm25"].score == 0.0 and out[2].scores["bm25"].rank is None
    muscle = engine.search("calf pain", k=4)[2]
    assert muscle.doc == 3
    assert (out[3].score, out[3].scores) == (muscle.score, muscle.scores)
    assert engine.search("calf pain", k=2, also=[]) == top


def test_a_paraphrase_sharing_no_word_reaches_the_results(seed_qa):
    a = seed_qa.ask("how long does a charley horse last", k=3)
    found = {r.passage_id: r for r in a.results}
    # "Around 30-37% of all people experience calf cramps. The cramps can last between a few seconds
    # and 10 minutes": no word of the question, found by meaning alone
    assert "calf-pain-p18" in found
    assert found["calf-pain-p18"].scores["bm25"].rank is None
    assert found["calf-pain-p18"].scores["semantic"].score > 0.5


def test_lexical_modes_see_no_dense_candidates(seed_qa):
    for mode in ("bm25", "tfidf"):
        ids = [r.passage_id for r in seed_qa.ask("how long does a charley horse last", k=10, mode=mode).results]
        assert "calf-pain-p18" not in ids


def test_a_large_index_stores_its_graph_in_the_manifest(tmp_path, monkeypatch):
    monkeypatch.setattr(semantic, "ANN_MIN", 2)  # every index counts as large
    corpus = write_corpus(tmp_path / "corpus")
    report = build_index(corpus, tmp_path / "index", semantic=True)
    manifest = read_manifest(report.path)
    meta = manifest["semantic"]
    assert meta["files"] == ["vectors.npy", "headings.npy", "heading_rows.npy", "ann.usearch"]
    assert meta["ann"]["size"] == report.info.passages  # references included
    assert "semantic/ann.usearch" in manifest["files"]
    verify_files(report.path, manifest)  # sizes and checksums hold
    qa = QA.open(tmp_path / "index")
    assert qa._loaded.answerer.reranker.graph is not None
    monkeypatch.setattr(semantic, "ANN_MIN", 10**9)
    exact = QA.open(tmp_path / "index")  # an index without a graph: exact search
    exact._loaded.answerer.reranker.graph = None
    for q in ("ankle sprain", "what helps a twisted ankle heal"):
        assert [r.passage_id for r in qa.ask(q).results] == [r.passage_id for r in exact.ask(q).results]


def test_small_indexes_have_no_graph(seed_qa):
    manifest = seed_qa.manifest
    assert "ann" not in manifest["semantic"]
    assert seed_qa._loaded.answerer.reranker.graph is None
