"""Semantic reranking: paraphrases reach the top, the words still decide abstention, and every way of
turning it off (setting, build option, missing encoder) leaves a working lexical service."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from qa.api import QA
from qa.storage.index import build_index, current_build, read_manifest
from qa.vectors import encoder, semantic
from tests.conftest import write_corpus


def _ids(answer) -> list[str]:  # noqa: ANN001
    return [r.passage_id for r in answer.results]


@pytest.fixture
def seed_lexical(seed_qa, monkeypatch):
    """The same seed index opened with QA_SEMANTIC=off."""
    monkeypatch.setenv("QA_SEMANTIC", "off")
    return QA.open(seed_qa.index_dir)


def test_the_seed_index_stores_a_unit_vector_per_passage(seed_qa):
    build = current_build(seed_qa.index_dir)
    meta = read_manifest(build)["semantic"]
    assert meta == {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "sha256": encoder.WEIGHTS_SHA256,
        "dim": 384,
        "precision": encoder.shared().precision,  # bf16 on this machine kind (AMX), else f32
        "files": ["vectors.npy"],
    }
    assert "semantic/vectors.npy" in read_manifest(build)["files"]
    vectors = np.load(build / "semantic" / "vectors.npy")
    assert vectors.shape == (55, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert seed_qa.semantic is True


def test_a_misspelled_paraphrase_reaches_the_top_three(seed_qa, seed_lexical):
    question = "wat usualy causes calf pian"  # gold: "Calf pain is often brought on by muscle strain or cramps."
    assert _ids(seed_lexical.ask(question)) == ["calf-pain-p14", "calf-pain-p1", "calf-pain-p16"]
    assert _ids(seed_qa.ask(question)) == ["calf-pain-p4", "calf-pain-p1", "calf-pain-p16"]  # the gold first


def test_reranked_results_carry_the_cosine_and_a_fused_score(seed_qa):
    a = seed_qa.ask("What usually causes calf pain?", k=3)
    assert _ids(a) == ["calf-pain-p4", "calf-pain-p1", "calf-pain-p16"]
    semantic_scores = [r.scores["semantic"] for r in a.results]
    assert [s.rank for s in semantic_scores] == [1, 2, 3]  # rank among the lexical and dense candidates
    vector = encoder.shared().encode_question("What usually causes calf pain?")
    vectors = np.load(current_build(seed_qa.index_dir) / "semantic" / "vectors.npy")
    for r, s in zip(a.results, semantic_scores, strict=True):
        i = seed_qa._loaded.store.index_of(r.passage_id)
        assert s.score == pytest.approx(float(vectors[i] @ vector), abs=1e-6)
    assert [r.score for r in a.results] == sorted((r.score for r in a.results), reverse=True)


def test_a_passage_that_opens_its_section_gains_the_lead_bonus(seed_qa):
    answerer, store = seed_qa._loaded.answerer, seed_qa._loaded.store
    opening = [store.passage_id(i) for i in range(12) if answerer._opens_section(i)]
    assert opening == ["calf-pain-p1", "calf-pain-p3", "calf-pain-p4", "calf-pain-p5", "calf-pain-p12"]
    question = "What usually causes calf pain?"
    hits = answerer.engine.search(question, k=20, mode="hybrid")
    plain = answerer.reranker.rerank(question, hits)
    assert [store.passage_id(h.doc) for h in plain[:3]] == ["calf-pain-p4", "calf-pain-p1", "calf-pain-p16"]
    led = answerer.reranker.rerank(question, hits, [store.passage_id(h.doc) == "calf-pain-p16" for h in hits])
    assert [store.passage_id(h.doc) for h in led[:3]] == ["calf-pain-p4", "calf-pain-p16", "calf-pain-p1"]
    assert led[1].score == pytest.approx(plain[2].score + semantic.LEAD_BONUS, abs=1e-12)
    assert led[0].score == plain[0].score and led[2].score == plain[1].score


def test_bm25_and_tfidf_modes_are_never_reranked(seed_qa, seed_lexical):
    for mode in ("bm25", "tfidf"):
        reranked, plain = (
            seed_qa.ask("wat usualy causes calf pian", mode=mode),
            seed_lexical.ask("wat usualy causes calf pian", mode=mode),
        )
        assert _ids(reranked) == _ids(plain)
        assert all("semantic" not in r.scores for r in reranked.results)


def test_abstention_still_rests_on_the_words(seed_qa):
    a = seed_qa.ask("Who wrote Pride and Prejudice?")
    assert a.answered is False
    trap = seed_qa.ask("how long do calf strains last?")
    assert trap.answered is False
    assert "cramps can last between a few seconds" not in trap.results[0].text


def test_warm_up_encodes_every_answer_sentence_of_a_small_index_as_a_first_question_would(seed_qa, monkeypatch):
    reranker = seed_qa._loaded.answerer.reranker
    store = seed_qa._loaded.answerer.store
    reranker._sentences.cache_clear()
    seed_qa.warm_up()
    several = [i for i in range(len(store)) if len(store.get(i).sentences) > 1]
    assert (len(store), len(several)) == (55, 27)
    assert len(reranker._sentences.cache) == 27
    for i in several:  # the bytes the answer step would have made for the passage's first question
        texts = tuple(s.text for s in store.get(i).sentences)
        warmed = reranker._sentences.cache.get((i, texts))
        assert warmed.tobytes() == encoder.shared().encode_together(list(texts)).tobytes()

    def encoded(texts):  # noqa: ANN001, ANN202
        raise AssertionError(f"encoded again: {texts}")

    monkeypatch.setattr(reranker.encoder, "encode_together", encoded)
    assert seed_qa.ask("how long do calf cramps last?").results  # its sentences come from the warmed cache


def test_warm_encodes_nothing_when_the_sentences_are_over_the_limit(seed_qa):
    reranker = seed_qa._loaded.answerer.reranker
    store = seed_qa._loaded.answerer.store
    passages = [(i, store.get(i)) for i in range(len(store))]
    reranker._sentences.cache_clear()
    assert reranker.warm(passages, limit=57) == 0
    assert len(reranker._sentences.cache) == 0
    assert reranker.warm(passages, limit=58) == 58
    assert len(reranker._sentences.cache) == 27
    assert reranker.warm([], limit=58) == 0
    assert semantic.WARM_SENTENCES == 1_000


def test_qa_semantic_off_at_build_stores_no_vectors(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_SEMANTIC", "off")
    corpus = write_corpus(tmp_path / "corpus")
    report = build_index(corpus, tmp_path / "index")
    assert read_manifest(report.path)["semantic"] is None
    assert not (report.path / "semantic").exists()
    monkeypatch.delenv("QA_SEMANTIC")
    assert QA.open(tmp_path / "index").semantic is False  # nothing to rerank with


def test_a_bad_semantic_setting_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_SEMANTIC", "maybe")
    corpus = write_corpus(tmp_path / "corpus")
    with pytest.raises(ValueError, match=r"QA_SEMANTIC must be one of auto, off, not 'maybe'"):
        build_index(corpus, tmp_path / "index")
    assert not (tmp_path / "index" / "current").exists()


def test_without_the_encoder_the_build_is_lexical_and_says_why(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("QA_ENCODER_DIR", str(tmp_path / "nowhere"))
    corpus = write_corpus(tmp_path / "corpus")
    with caplog.at_level(logging.WARNING, logger="qa.storage.index"):
        report = build_index(corpus, tmp_path / "index")
    assert read_manifest(report.path)["semantic"] is None
    assert "building without semantic reranking: the sentence encoder is incomplete" in caplog.text
    a = QA.open(tmp_path / "index").ask("ankle sprain")
    assert a.results[0].passage_id == "ankle-p1"


def test_asking_for_vectors_without_the_encoder_fails_and_keeps_the_old_index(tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "corpus")
    old = build_index(corpus, tmp_path / "index", semantic=False).info.version
    monkeypatch.setenv("QA_ENCODER_DIR", str(tmp_path / "nowhere"))
    (corpus / "more.txt").write_text("Shin splints hurt runners on hard ground for weeks at a time.\n")
    with pytest.raises(encoder.EncoderUnavailable):
        build_index(corpus, tmp_path / "index", semantic=True)
    assert QA.open(tmp_path / "index").info.version == old


def test_an_index_with_vectors_serves_lexically_when_the_encoder_is_gone(tmp_path, monkeypatch, caplog):
    corpus = write_corpus(tmp_path / "corpus")
    build_index(corpus, tmp_path / "index", semantic=True)
    assert QA.open(tmp_path / "index").semantic is True
    monkeypatch.setenv("QA_ENCODER_DIR", str(tmp_path / "nowhere"))
    with caplog.at_level(logging.WARNING, logger="qa.api"):
        qa = QA.open(tmp_path / "index")
    assert qa.semantic is False
    assert "semantic reranking is off for index" in caplog.text
    assert qa.ask("ankle sprain").results[0].passage_id == "ankle-p1"


def test_vectors_of_another_encoder_are_not_used(tmp_path):
    with pytest.raises(ValueError, match=r"made by another encoder \(other/model\)"):
        semantic.Reranker.load(tmp_path, {"model": "other/model", "sha256": "0" * 64}, 2.0)


def test_vectors_that_do_not_fit_the_encoder_are_refused():
    with pytest.raises(ValueError, match=r"shape \(3, 10\) do not fit a 384-d encoder"):
        semantic.Reranker(encoder.shared(), np.zeros((3, 10), dtype=np.float32))


class TwoD:
    """A two-dimensional encoder whose every question is the unit vector (1, 0)."""

    dim = 2

    def encode(self, texts):  # noqa: ANN001, ANN202
        return np.array([[1.0, 0.0]], dtype=np.float32)

    encode_together = encode  # what the reranker calls at query time for sentences

    def encode_question(self, text):  # noqa: ANN001, ANN201 - and for the question
        return self.encode([text])[0]


def test_rerank_orders_by_fused_score_and_keeps_ranker_scores():
    from qa.models import RankerScore
    from qa.search.engine import Hit

    vectors = np.array([[0.0, 1.0], [1.0, 0.0], [0.6, 0.8]], dtype=np.float32)
    reranker = semantic.Reranker(TwoD(), vectors, weight=2.0)  # type: ignore[arg-type]
    hits = [Hit(0, 10.0, {"bm25": RankerScore(10.0, 1)}), Hit(1, 4.0, {"bm25": RankerScore(4.0, 2)}),
            Hit(2, 5.0, {"bm25": RankerScore(5.0, 3)})]  # fmt: skip
    out = reranker.rerank("q", hits)
    # fused: doc0 1.0 + 0 = 1.0, doc1 0.4 + 2.0 = 2.4, doc2 0.5 + 1.2 = 1.7
    assert [h.doc for h in out] == [1, 2, 0]
    assert [h.score for h in out] == pytest.approx([2.4, 1.7, 1.0])
    assert [h.scores["semantic"].rank for h in out] == [1, 2, 3]
    assert out[0].scores["bm25"] == RankerScore(4.0, 2)
    assert reranker.rerank("q", []) == []


def test_a_page_description_takes_its_name_lines_place():
    from qa.models import RankerScore
    from qa.search.engine import Hit

    # doc 0: a NAME line near the question; doc 1: its page's description; doc 2 another page
    vectors = np.array([[0.9, 0.436], [0.5, 0.866], [0.7, 0.714]], dtype=np.float32)
    reranker = semantic.Reranker(TwoD(), vectors, weight=2.0)  # type: ignore[arg-type]
    hits = [Hit(0, 10.0, {"bm25": RankerScore(10.0, 1)}), Hit(1, 5.0, {"bm25": RankerScore(5.0, 3)}),
            Hit(2, 6.0, {"bm25": RankerScore(6.0, 2)})]  # fmt: skip
    plain = reranker.rerank("q", hits)
    # fused: doc0 1.0 + 1.8 = 2.8, doc1 0.5 + 1.0 = 1.5, doc2 0.6 + 1.4 = 2.0
    assert [h.doc for h in plain] == [0, 2, 1]
    out = reranker.rerank("q", hits, stand_ins={0: 1})
    assert [h.doc for h in out] == [1, 0, 2]
    assert [h.score for h in out] == pytest.approx([2.8, 2.8 - semantic.STAND_IN_GAP, 2.0])
    # the description is judged by the closer meaning score of the two; its words stay its own
    assert out[0].scores["semantic"] == plain[0].scores["semantic"] == RankerScore(pytest.approx(0.9), 1)
    assert out[0].scores["bm25"] == RankerScore(5.0, 3)
    assert out[1].scores == plain[0].scores
    # a description already above its NAME line, a description or a line not among the hits: no change
    assert [(h.doc, h.score) for h in reranker.rerank("q", hits, stand_ins={2: 0})] == [(h.doc, h.score) for h in plain]
    assert [(h.doc, h.score) for h in reranker.rerank("q", hits, stand_ins={0: 7, 9: 1})] == [
        (h.doc, h.score) for h in plain
    ]
    assert [h.doc for h in reranker.rerank("q", hits, [False, False, True], stand_ins={0: 1})] == [1, 0, 2]


MANUAL_PAGES = {
    "git-stash.md": "# git-stash(1)\n\n## NAME\n\ngit-stash - Stash the changes in a dirty working directory away\n\n"
    "## SYNOPSIS\n\n    git stash list [<log-options>]\n    git stash pop [--index] [<stash>]\n\n## DESCRIPTION\n\n"
    "Use git stash when you want to record the current state of the working directory and the index, but want to go "
    "back to a clean working directory.\n\n## OPTIONS\n\nThe --index option tries to reinstate not only the working "
    "tree's changes, but also the index's ones.\n",
    "git-clean.md": "# git-clean(1)\n\n## NAME\n\ngit-clean - Remove untracked files from the working tree\n\n"
    "## SYNOPSIS\n\n    git clean [-d] [-f] [-i] [-n] [-q]\n\n## DESCRIPTION\n\nCleans the working tree by "
    "recursively removing files that are not under version control, starting from the current directory.\n",
}


def test_a_manual_pages_description_comes_before_its_name_line(tmp_path):
    qa = QA.from_corpus(write_corpus(tmp_path / "corpus", MANUAL_PAGES), tmp_path / "index")
    answerer, store = qa._loaded.answerer, qa._loaded.store
    every = answerer.engine.search("git", k=10, mode="hybrid", also=range(len(store)))
    names = {store.passage_id(i): store.passage_id(j) for i, j in answerer._stand_ins(every).items()}
    assert names == {"git-clean-p1": "git-clean-p3", "git-stash-p1": "git-stash-p3"}  # past each SYNOPSIS
    question = "how do I remove untracked files from my working tree?"
    hits = answerer.engine.search(question, k=20, mode="hybrid")
    plain = answerer.reranker.rerank(question, hits, [answerer._opens_section(h.doc) for h in hits])
    assert [store.passage_id(h.doc) for h in plain[:2]] == ["git-clean-p1", "git-clean-p3"]
    a = qa.ask(question)
    assert a.answered is True
    assert _ids(a) == ["git-clean-p3", "git-clean-p1", "git-stash-p4"]
    assert a.results[0].score == pytest.approx(plain[0].score, abs=1e-6)
    assert a.results[1].score == pytest.approx(plain[0].score - semantic.STAND_IN_GAP, abs=1e-6)


EXPLAIN_PAGES = {
    "sql-explain.md": "# EXPLAIN\n\n## Name\n\nEXPLAIN — show the execution plan of a statement\n\n## Synopsis\n\n"
    "    EXPLAIN [ ANALYZE ] [ VERBOSE ] statement\n\n## Description\n\nThis command displays the plan that the "
    "planner generates for the supplied query.\n\n## Parameters\n\nThe ANALYZE option carries out the command and "
    "shows actual run times.\n",
    "sql-prepare.md": "# PREPARE\n\n## Name\n\nPREPARE — prepare a statement for execution\n\n## Synopsis\n\n"
    "    PREPARE name AS statement\n\n## Description\n\nPREPARE creates a prepared statement, a server-side object "
    "that can be used to optimize performance.\n\n## Notes\n\nTo examine the execution plan used for a prepared "
    "statement, use EXPLAIN.\n",
}


def test_a_manual_pages_description_is_found_by_its_name_lines_words_too(tmp_path):
    qa = QA.from_corpus(write_corpus(tmp_path / "corpus", EXPLAIN_PAGES), tmp_path / "index")
    answerer, store = qa._loaded.answerer, qa._loaded.store
    assert [store.passage_id(i) for i in range(len(store))] == [
        "sql-explain-p1", "sql-explain-p2", "sql-explain-p3", "sql-explain-p4",
        "sql-prepare-p1", "sql-prepare-p2", "sql-prepare-p3", "sql-prepare-p4",
    ]  # fmt: skip
    assert answerer._named == {2: 0, 6: 4}  # each description -> its NAME line
    assert [a.tolist() for a in answerer._lent] == [[0, 4], [2, 6]]
    question = "which command shows the execution plan"
    words = [(store.passage_id(h.doc), round(h.score, 4)) for h in answerer.engine.search(question, k=3, mode="hybrid")]
    assert words == [("sql-explain-p4", 4.8127), ("sql-explain-p1", 4.2718), ("sql-explain-p3", 3.3268)]
    lent = answerer.engine.search(question, k=3, mode="hybrid", lend=answerer._lent)
    # the description holds "plan" and "command"; its NAME line lends "execution" (each word counted once)
    assert [(store.passage_id(h.doc), round(h.score, 4)) for h in lent] == [
        ("sql-explain-p3", 6.3158), ("sql-explain-p4", 4.8127), ("sql-explain-p1", 4.2718)
    ]  # fmt: skip
    a = qa.ask(question)
    assert a.answered is True
    assert _ids(a) == ["sql-explain-p3", "sql-explain-p4", "sql-explain-p1"]  # was p4 (ANALYZE), p3, p1
    assert a.results[0].answer == "This command displays the plan that the planner generates for the supplied query."
    # the abstention rules read a description with its NAME line's words (with reranking: the words that found it)
    assert answerer._body((2, True)) - answerer._body((2, False)) == {"execut", "statement"}
    assert answerer._body((3, True)) == answerer._body((3, False))  # not a description
    assert qa.ask(question, mode="bm25").results[0].passage_id == "sql-explain-p4"  # the lexical modes lend nothing


ENTRY_PAGES = {
    "pathlib.md": "# pathlib\n\n## Path.mkdir(mode=0o777, parents=False, exist_ok=False)\n\n"
    "Create a new directory at this given path. If mode is given, it is combined with the process umask value to "
    "determine the file mode and access flags.\n\nIf the path already exists, FileExistsError is raised. If "
    "parents is true, any missing parents of this path are created as needed; they are created with the default "
    "permissions.\n\nIf parents is false (the default), a missing parent raises FileNotFoundError.\n\n"
    "## Path.rmdir()\n\nRemove this directory. The directory must be empty.\n",
    "walking.md": "# Walking\n\n## Hills\n\nWalking uphill works the calves and the heart much harder than walking "
    "on the flat does, so a hill walk of one hour counts as a long one.\n\nA missing warm-up before a steep path "
    "makes calf strain more likely, and the parents of young walkers often forget it when the family sets out in "
    "the morning.\n",
}


def test_an_entrys_first_passage_comes_before_the_rest_of_its_entry(tmp_path):
    qa = QA.from_corpus(write_corpus(tmp_path / "corpus", ENTRY_PAGES), tmp_path / "index")
    answerer, store = qa._loaded.answerer, qa._loaded.store
    assert [store.passage_id(i) for i in range(len(store))] == [
        "pathlib-p1", "pathlib-p2", "pathlib-p3", "pathlib-p4", "walking-p1", "walking-p2"
    ]  # fmt: skip
    # Path.mkdir's later passages stand under its first; an article's section ("Hills") has no stand-in
    assert [answerer._section_start(i) for i in range(len(store))] == [None, 0, 0, None, None, None]
    question = "how do I create a directory and its missing parents"
    hits = answerer.engine.search(question, k=20, mode="hybrid")
    plain = answerer.reranker.rerank(question, hits, [answerer._opens_section(h.doc) for h in hits])
    assert [store.passage_id(h.doc) for h in plain[:2]] == ["pathlib-p2", "pathlib-p1"]
    a = qa.ask(question)
    assert _ids(a)[:2] == ["pathlib-p1", "pathlib-p2"]
    assert a.results[0].score == pytest.approx(plain[0].score, abs=1e-6)
    assert a.results[1].score == pytest.approx(plain[0].score - semantic.STAND_IN_GAP, abs=1e-6)
    assert _ids(qa.ask("what do parents forget when the warm-up is missing before a steep path"))[:2] == [
        "walking-p2", "walking-p1"
    ]  # fmt: skip


def test_readyz_says_whether_reranking_is_on(seed_qa, make_app):
    client = make_app(QA=seed_qa).test_client()
    body = client.get("/readyz").get_json()
    assert body["semantic"] is True
    assert body["index"]["passages"] == 55


def test_build_if_needed_adds_vectors_to_an_index_without_them(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from qa.cli import main

    corpus = write_corpus(tmp_path / "corpus")
    build_index(corpus, tmp_path / "index", semantic=False)  # as built before the reranker existed
    args = ["build", "--if-needed", "--no-progress", "--corpus", str(corpus), "--index", str(tmp_path / "index")]
    monkeypatch.setenv("QA_SEMANTIC", "off")
    assert "is up to date" in CliRunner().invoke(main, args).output  # reranking off: nothing to add
    monkeypatch.delenv("QA_SEMANTIC")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0
    assert "has no passage vectors for semantic reranking" in result.output
    assert "built index" in result.output
    assert read_manifest(current_build(tmp_path / "index"))["semantic"]["dim"] == 384
    assert "is up to date" in CliRunner().invoke(main, args).output


def _passage(pid: str, doc: str, text: str, heading_path: tuple[str, ...] = (), kind: str = "passage"):  # noqa: ANN202
    from qa.models import Passage, Sentence, Span

    sentence = Sentence(text, 0, len(text), Span(0, len(text)))
    return Passage(pid, doc, 1, kind, "S", text, (sentence,), Span(0, len(text)), heading_path=heading_path)


def test_a_vector_text_carries_the_title_and_headings_when_the_corpus_has_several_documents():
    titles = {"cd": "Cleidocranial dysplasia", "pg": "ALTER ROUTINE"}
    passages = [
        _passage("cd-p2", "cd", "Inherited.", ("Cleidocranial dysplasia", "Inheritance")),  # the h1 is the title
        _passage("pg-p1", "pg", "Changes a routine.", ("Description",)),  # a page whose title is no heading
        _passage("pg-p2", "pg", "Lead.", ()),
        _passage("pg-r1", "pg", "Doe J. Routines. 2001.", (), kind="reference"),
    ]
    assert semantic.vector_texts(passages, titles) == [
        "Cleidocranial dysplasia › Inheritance › Inherited.",
        "ALTER ROUTINE › Description › Changes a routine.",
        "ALTER ROUTINE › Lead.",
        "Doe J. Routines. 2001.",
    ]


def test_in_a_one_document_corpus_a_vector_text_is_the_passage_text():
    passages = [_passage("cp-p1", "cp", "Rest helps.", ("Treatment",)), _passage("cp-p2", "cp", "Calf pain.")]
    assert semantic.vector_texts(passages, {"cp": "Calf Pain"}) == ["Rest helps.", "Calf pain."]


def test_the_stored_vector_is_the_encoding_of_the_vector_text(tmp_path):
    from tests.test_passages import CONDITIONS

    qa = QA.from_corpus(write_corpus(tmp_path / "corpus", CONDITIONS), tmp_path / "index", semantic=True)
    vectors = np.load(current_build(qa.index_dir) / "semantic" / "vectors.npy")
    i = qa._loaded.store.index_of("cleidocranial-dysplasia-p2")
    text = qa._loaded.store.text(i)
    assert text.startswith("This condition is inherited in an autosomal dominant pattern")
    expected = encoder.shared().encode([f"Cleidocranial dysplasia › Inheritance › {text}"])[0]
    np.testing.assert_allclose(vectors[i], expected, atol=1e-6)
    a = qa.ask("Is cleidocranial dysplasia inherited?", k=3)
    assert a.results[0].passage_id == "cleidocranial-dysplasia-p2"
    assert a.results[0].scores["semantic"].rank == 1  # nearest in meaning too, though its text never names it


def test_an_entrys_first_passage_stands_for_every_later_passage_of_a_long_entry(tmp_path):
    words = "the cache keeps the most recent calls of the wrapped function and drops the oldest ones when full"
    body = "\n\n".join(f"Paragraph {n}: {words}, as part {n} of the notes on this decorator." for n in range(1, 8))
    pages = {"functools.md": f"# functools\n\n## @functools.lru_cache(maxsize=128)\n\n{body}\n"}
    qa = QA.from_corpus(write_corpus(tmp_path / "corpus", pages), tmp_path / "index")
    answerer, store = qa._loaded.answerer, qa._loaded.store
    assert len(store) == 7  # one passage a paragraph, all under the entry's heading
    assert [answerer._section_start(i) for i in range(len(store))] == [None, 0, 0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("text", "term", "expected"),
    [
        ("Helgrind is a Valgrind tool for detecting synchronisation errors.", "helgrind", True),
        ("To use this tool, specify --tool=helgrind. Helgrind is a thread error detector.", "helgrind", True),
        ("A partial index is an index over a subset of the rows of a table.", "partial index", True),
        ("Partial indexes are a specialized feature.", "partial index", True),  # the plural
        ("BRIN indexes (a shorthand for Block Range INdexes) are summaries.", "brin index", True),  # a bracket
        ("Partitioning refers to splitting a large table into smaller ones.", "partitioning", True),
        ("DHAT is primarily a tool for examining heap allocations.", "dhat", True),  # an adverb between
        ("Helgrind is aware of standard heap memory allocation.", "helgrind", False),  # no copula of a definition
        ("The helgrind thread nr is incremented for each thread.", "helgrind", False),  # the term does not begin it
        ("Use Helgrind is a bad idea.", "helgrind", False),
        ("Helgrinder is a tool.", "helgrind", False),  # another word
        ("", "helgrind", False),
        ("A PARTIAL  INDEX is an index.", "Partial index", True),  # any case, any spaces (the ASCII fast path)
        ("Naïve Bayes is a family of classifiers.", "naïve bayes", True),  # not ASCII: the pattern alone decides
        ("Na\u00efve Bayes is a family of classifiers.", "naive bayes", False),
        ("The \u017fet is a collection.", "set", True),  # IGNORECASE's long s: not ASCII, so not ruled out early
    ],
)
def test_a_passage_defines_a_term_when_a_sentence_of_it_begins_by_defining_it(text, term, expected):
    assert semantic.defines(text, term) is expected


def test_the_passages_defining_a_term_are_read_among_those_holding_its_words(monkeypatch):
    texts = ["Helgrind is a thread error detector.", "Run helgrind.", "A partial index is an index.", "Helgrind is."]
    holding = {"helgrind": np.array([0, 1, 3]), "partial": np.array([2]), "index": np.array([2])}.__getitem__
    assert semantic.defining("helgrind", ["helgrind"], holding, texts.__getitem__) == (0,)
    assert semantic.defining("partial index", ["partial", "index"], holding, texts.__getitem__) == (2,)
    assert semantic.defining("partial", [], holding, texts.__getitem__) == ()  # no word to look up
    monkeypatch.setattr(semantic, "DEFINITION_SCAN", 2)  # more passages hold it than are read at question time
    assert semantic.defining("helgrind", ["helgrind"], holding, texts.__getitem__) == ()


def test_a_passage_that_defines_the_asked_term_gains_the_definition_bonus():
    from qa.models import RankerScore
    from qa.search.engine import Hit

    vectors = np.array([[0.9, 0.436], [0.875, 0.484], [0.85, 0.527]], dtype=np.float32)
    reranker = semantic.Reranker(TwoD(), vectors, weight=2.0)  # type: ignore[arg-type]
    hits = [Hit(i, 10.0, {"bm25": RankerScore(10.0, i + 1)}) for i in range(3)]
    plain = reranker.rerank("q", hits)
    assert [h.doc for h in plain] == [0, 1, 2]
    assert [h.score for h in plain] == pytest.approx([2.8, 2.75, 2.7])
    defined = reranker.rerank("q", hits, definitions=[False, False, True])
    assert [(h.doc, h.score) for h in defined] == [
        (2, pytest.approx(2.7 + semantic.DEFINITION_BONUS)), (0, pytest.approx(2.8)), (1, pytest.approx(2.75))
    ]  # fmt: skip
    both = reranker.rerank("q", hits, [False, True, False], definitions=[False, True, False])
    assert both[0].doc == 1 and both[0].score == pytest.approx(2.75 + semantic.LEAD_BONUS + semantic.DEFINITION_BONUS)
    with pytest.raises(ValueError):
        reranker.rerank("q", hits, definitions=[True])  # one flag per hit


@pytest.mark.parametrize(
    ("text", "question", "expected"),
    [
        ("Run the smbpasswd -a user command.", "how do I add a user to Samba?", True),  # a command English lacks
        ("Extract all members; see namelist().", "how do I extract every file from a zip?", True),
        ("Run the smbpasswd -a user command.", "how do I use SMBPASSWD?", False),  # the question names it
        ("Each user needs an account on the server.", "how do I add a user?", False),  # English words only
        ("Run Smbpasswd to add one.", "how do I add a user?", False),  # capitalised: not how a command is written
        ("Run xq to add one.", "how do I add a user?", False),  # under three letters
        ("", "how do I add a user?", False),
    ],
)
def test_a_passage_names_what_the_question_does_not_with_a_word_english_lacks(text, question, expected):
    from qa.search.wordstats import specificity

    assert semantic.naming(question, [text].__getitem__, specificity)(0) is expected


def test_a_how_to_candidate_that_names_something_gains_the_naming_bonus_within_reach_of_the_first():
    from qa.models import RankerScore
    from qa.search.engine import Hit

    vectors = np.array([[0.9, 0.436], [0.875, 0.484], [0.825, 0.565]], dtype=np.float32)
    reranker = semantic.Reranker(TwoD(), vectors, weight=2.0)  # type: ignore[arg-type]
    hits = [Hit(i, 10.0, {"bm25": RankerScore(10.0, i + 1)}) for i in range(3)]
    assert [h.score for h in reranker.rerank("q", hits)] == pytest.approx([2.8, 2.75, 2.65])
    read = []
    names = lambda i: read.append(i) or i > 0  # noqa: E731 - passages 1 and 2 name something
    out = reranker.rerank("q", hits, names=names)
    assert [(h.doc, h.score) for h in out] == [
        (1, pytest.approx(2.75 + semantic.NAMING_BONUS)), (0, pytest.approx(2.8)), (2, pytest.approx(2.65))
    ]  # fmt: skip
    assert read == [0, 1]  # passage 2 is more than NAMING_BONUS behind the first: it cannot overtake it, unread


SAMBA_PAGES = {
    "samba.md": "# Samba file server\n\n## Adding users\n\nEach Samba user needs an account on the server; the Unix "
    "accounts must be created first, then the user needs to be registered in Samba's database.\n\nThe Unix step is "
    "done quite normally. Adding an existing user to the Samba database is a matter of running the smbpasswd -a user "
    "command.\n\n## Sharing printers\n\nSamba can also share the printers of the server with Windows clients.\n",
    "nfs.md": "# NFS file server\n\n## Exports\n\nEach NFS share is listed with the machines allowed to mount it.\n",
}


def test_a_how_to_question_gets_the_passage_that_names_what_to_use_over_the_one_restating_it(tmp_path, monkeypatch):
    qa = QA.from_corpus(write_corpus(tmp_path / "corpus", SAMBA_PAGES), tmp_path / "index")
    a = qa.ask("how do I add a user to Samba?")
    assert a.answered is True
    assert _ids(a)[:2] == ["samba-p2", "samba-p1"]
    assert "smbpasswd -a user" in a.results[0].answer
    monkeypatch.setattr(semantic, "NAMING_BONUS", 0.0)
    assert _ids(qa.ask("how do I add a user to Samba ?"))[:2] == ["samba-p1", "samba-p2"]  # the restating lead first


TOOL_PAGES = {
    "helgrind.md": "# Helgrind: a thread error detector\n\nTo use this tool, you must specify --tool=helgrind on the "
    "Valgrind command line.\n\n## Overview\n\nHelgrind is a Valgrind tool for detecting synchronisation errors in C "
    "programs that use the POSIX pthreads threading primitives.\n\n## Client requests\n\nThe following client "
    "requests are defined in helgrind.h for the threads Helgrind watches.\n\n## Monitor commands\n\nThe helgrind "
    "thread number is incremented for each started thread.\n",
    "memcheck.md": "# Memcheck: a memory error detector\n\nTo use this tool, you may specify --tool=memcheck.\n\n"
    "## Overview\n\nMemcheck is a memory error detector. It can detect reads of freed memory.\n",
}


def test_a_definition_question_gets_the_passage_that_defines_its_term(tmp_path):
    qa = QA.from_corpus(write_corpus(tmp_path / "corpus", TOOL_PAGES), tmp_path / "index")
    answerer, store = qa._loaded.answerer, qa._loaded.store
    assert [store.passage_id(i) for i in answerer._definitions("helgrind")] == ["helgrind-p2"]
    question = "what is helgrind?"
    hits = answerer.engine.search(question, k=20, mode="hybrid", also=answerer.reranker.nearest(question))
    plain = answerer.reranker.rerank(question, hits, [answerer._opens_section(h.doc) for h in hits])
    # by words and meaning the page's first passage, a monitor command and the client requests come first
    assert [store.passage_id(h.doc) for h in plain[:4]] == ["helgrind-p1", "helgrind-p4", "helgrind-p3", "helgrind-p2"]
    a = qa.ask(question)
    assert a.answered is True
    assert _ids(a) == ["helgrind-p2", "helgrind-p1", "helgrind-p4"]
    assert a.results[0].answer.startswith("Helgrind is a Valgrind tool for detecting synchronisation errors")
    assert _ids(qa.ask("which thread number does helgrind increment?"))[0] == "helgrind-p4"  # not a definition question


def test_heading_paths_are_the_distinct_title_and_headings_of_a_several_document_corpus(tmp_path):
    from qa.ingest.corpus import load_corpus
    from tests.conftest import SMALL_CORPUS

    corpus = load_corpus(write_corpus(tmp_path / "corpus", SMALL_CORPUS))
    titles = {d.id: d.title for d in corpus.documents}
    texts, rows = semantic.heading_texts(corpus.passages, titles)
    # ankle's first section is headed by its title (a lead: none), the references have none
    assert texts == ["Ankle Sprains › Shin Splints", "Knee care › Knee Pain", "Knee care › Meniscus Tears"]
    assert rows.dtype == np.int32 and rows.tolist() == [-1, -1, 0, -1, -1, 1, 2, -1]
    knee = [p for p in corpus.passages if p.document_id == "knee"]
    assert semantic.heading_texts(knee, {"knee": "Knee care"}) is None  # one document: one title for every passage


def _heading_hits():
    from qa.models import RankerScore
    from qa.search.engine import Hit

    return [Hit(0, 10.0, {"bm25": RankerScore(10.0, 1)}), Hit(1, 5.0, {"bm25": RankerScore(5.0, 3)}),
            Hit(2, 6.0, {"bm25": RankerScore(6.0, 2)})]  # fmt: skip


HEADED = np.array([[0.0, 1.0], [0.6, 0.8], [0.5, 0.866025]], dtype=np.float32)  # cosines 0, 0.6, 0.5


def test_a_heading_path_close_to_the_question_lifts_its_passages():
    plain = semantic.Reranker(TwoD(), HEADED, weight=2.0).rerank("q", _heading_hits())  # type: ignore[arg-type]
    # fused: doc0 1.0 + 0 = 1.0, doc1 0.5 + 1.2 = 1.7, doc2 0.6 + 1.0 = 1.6
    assert [(h.doc, h.score) for h in plain] == [(1, pytest.approx(1.7)), (2, pytest.approx(1.6)), (0, 1.0)]
    headings = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)  # cosines 1 and 0
    reranker = semantic.Reranker(TwoD(), HEADED, weight=2.0, headings=headings,  # type: ignore[arg-type]
                                 heading_rows=np.array([-1, 1, 0], dtype=np.int32))  # fmt: skip
    out = reranker.rerank("q", _heading_hits())
    # + 2 * 0.25 * heading cosine (doc0 its own, 0): doc0 1.0, doc1 1.7 + 0, doc2 1.6 + 0.5 = 2.1
    assert [(h.doc, h.score) for h in out] == [(2, pytest.approx(2.1)), (1, pytest.approx(1.7)), (0, 1.0)]
    # the `semantic` score is the passage's own cosine, as without headings
    assert [(h.doc, h.scores["semantic"].score, h.scores["semantic"].rank) for h in out] == [
        (2, 0.5, 2),
        (1, 0.6, 1),
        (0, 0.0, 3),
    ]


def test_a_passage_without_a_heading_path_counts_its_own_cosine():
    reranker = semantic.Reranker(TwoD(), HEADED, weight=2.0, headings=np.zeros((0, 2), dtype=np.float32),  # type: ignore[arg-type]
                                 heading_rows=np.array([-1, -1, -1], dtype=np.int32))  # fmt: skip
    out = reranker.rerank("q", _heading_hits())
    # 2 * 1.25 * cosine: doc0 1.0, doc1 0.5 + 1.5 = 2.0, doc2 0.6 + 1.25 = 1.85: the order without headings
    assert [(h.doc, h.score) for h in out] == [(1, pytest.approx(2.0)), (2, pytest.approx(1.85)), (0, 1.0)]


@pytest.mark.parametrize(
    ("headings", "rows", "message"),
    [
        (np.zeros((1, 2), dtype=np.float32), None, "come together"),
        (None, np.array([-1, -1, -1], dtype=np.int32), "come together"),
        (np.zeros((1, 2), dtype=np.float32), np.array([-1, 0], dtype=np.int32), r"shape \(1, 2\) with 2 rows"),
        (np.zeros((1, 3), dtype=np.float32), np.array([-1, 0, 0], dtype=np.int32), r"shape \(1, 3\) with 3 rows"),
    ],
)
def test_heading_vectors_that_do_not_fit_are_refused(headings, rows, message):
    with pytest.raises(ValueError, match=message):
        semantic.Reranker(TwoD(), HEADED, headings=headings, heading_rows=rows)  # type: ignore[arg-type]


def test_a_several_document_build_stores_its_heading_vectors_and_a_one_document_build_none(tmp_path):
    from tests.conftest import SMALL_CORPUS

    qa = QA.from_corpus(write_corpus(tmp_path / "corpus", SMALL_CORPUS), tmp_path / "index")
    build, meta = qa._loaded.build, qa._loaded.manifest["semantic"]
    assert meta["files"] == ["vectors.npy", "headings.npy", "heading_rows.npy"] and meta["headings"] == 3
    assert {"semantic/headings.npy", "semantic/heading_rows.npy"} <= qa._loaded.manifest["files"].keys()
    texts = ["Ankle Sprains › Shin Splints", "Knee care › Knee Pain", "Knee care › Meniscus Tears"]
    assert np.array_equal(np.load(build / "semantic" / "headings.npy"), encoder.shared().encode(texts))
    assert np.load(build / "semantic" / "heading_rows.npy").tolist() == [-1, -1, 0, -1, -1, 1, 2, -1]
    assert qa._loaded.answerer.reranker.heading_rows.tolist() == [-1, -1, 0, -1, -1, 1, 2, -1]
    older = semantic.Reranker.load(build / "semantic", {**meta, "files": ["vectors.npy"]}, 2.0)
    assert older.headings is None and older.heading_rows is None  # an index built before them: no heading term
    one = QA.from_corpus(write_corpus(tmp_path / "one", {"knee.md": SMALL_CORPUS["knee.md"]}), tmp_path / "one-index")
    assert one._loaded.manifest["semantic"]["files"] == ["vectors.npy"]
    assert "headings" not in one._loaded.manifest["semantic"]
    assert one._loaded.answerer.reranker.heading_rows is None
