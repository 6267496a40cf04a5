"""eval/linkdamage.py (synthetic link-stripping damage) and eval/abstention.py (SciFact with documents
removed): the damage and split recipes exactly, scoring with stand-in repairers and answerers, and a small
end-to-end run of each."""

import json
import random

import pytest

from eval import abstention, linkdamage
from eval.linkdamage import Case
from qa.ingest.repair import normalize
from qa.ingest.textmap import MappedText
from qa.models import Answer, Result, Span


def test_damage_glues_a_span_to_both_neighbours():
    rng = random.Random(3)
    glued, span = linkdamage.damage("the causes of calf pain are many", rng)
    assert (glued, span) == ("the causes of calfpainare many", (4, 5))  # "pain" glued to "calf" and "are"
    assert linkdamage.damage("one two", rng) is None  # no span with a neighbour on each side


def test_only_word_to_word_glue_points_are_used():
    words = ["pain,", "calf", "cramps", "(rarely)", "hurt"]
    assert linkdamage.glueable(words, 1, 2) is False  # "pain,|calf"
    assert linkdamage.glueable(words, 2, 3) is False  # "cramps|(rarely)"
    assert linkdamage.glueable(["a", "b", "c", "d"], 1, 3) is True


POOL = [(f"d{i}.0", f"sentence number {i} has quite a few words in it") for i in range(10)] + [("short", "too short")]


def test_draw_is_deterministic_and_keeps_the_groups_apart():
    first, again = linkdamage.draw(POOL, 3, seed=7), linkdamage.draw(POOL, 3, seed=7)
    assert first == again
    assert [c.span is None for c in first] == [False, False, False, True, True, True]
    assert len({c.id for c in first}) == 6 and "short" not in {c.id for c in first}
    assert all(c.given.count(" ") == c.original.count(" ") - 2 for c in first if c.span)
    assert linkdamage.draw(POOL, 3, seed=8) != first


def test_score_counts_exact_restorations_and_untouched_intact_sentences():
    cases = [Case("a", "of calf pain are", "ofcalf painare", (1, 3)), Case("b", "x y z", "xy z", (1, 2)),
             Case("c", "left “alone” here", "left “alone” here", None)]  # fmt: skip
    oracle = {"ofcalf painare": "of calf pain are", "xy z": "xy z"}
    unicode_only = lambda text: normalize(MappedText.identity(text)).text  # noqa: E731 (curly quotes -> straight)
    report = linkdamage.score(cases, lambda text: oracle.get(text, unicode_only(text)), examples=5)
    assert (report["damaged"], report["restored"], report["intact"], report["unchanged"]) == (2, 0.5, 1, 1.0)
    assert report["restored_by_span"] == {"1": 0.0, "2": 1.0, "3": None}
    assert report["failures"]["damaged"] == [{"id": "b", "given": "xy z", "repaired": "xy z", "original": "x y z"}]


def test_corpus_vocabulary_counts_the_damaged_forms():
    pool = [("a", "Calf pain here"), ("b", "calf cramps")]
    counts = linkdamage.corpus_vocabulary(pool, [Case("a", "Calf pain here", "Calfpain here", (1, 2))])
    assert counts == {"calfpain": 1, "here": 1, "calf": 1, "cramps": 1}


@pytest.mark.shared
def test_the_scifact_bench_runs_and_is_deterministic(shared, tmp_path):
    lines = (shared / "beir" / "scifact" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[:300]
    (tmp_path / "corpus.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")  # SciFact's first 300
    first = linkdamage.run(tmp_path, n=40, seed=1, examples=2)
    again = linkdamage.run(tmp_path, n=40, seed=1, examples=2)
    assert (first["damaged"], first["intact"]) == (40, 40)
    assert (first["restored"], first["unchanged"]) == (again["restored"], again["unchanged"])
    assert 0.0 <= first["restored"] <= 1.0 and first["unchanged"] >= 0.9


def _beir(folder):
    (folder / "qrels").mkdir(parents=True)
    docs = [("1", "Calf pain", "Calf pain has many causes."), ("2", "Knee", "Knee injuries are common in runners."),
            ("3", "Shin", "Shin splints hurt runners."), ("4", "Ankle", "Ankle sprains heal with rest.")]  # fmt: skip
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, t, x in docs)
    )
    queries = [("10", "Calf pain has many causes"), ("11", "Knee injuries are common in runners"),
               ("12", "Shin splints hurt runners"), ("13", "ankle sprains heal")]  # fmt: skip
    (folder / "queries.jsonl").write_text("".join(json.dumps({"_id": i, "text": t}) + "\n" for i, t in queries))
    rows = ["query-id\tcorpus-id\tscore", "10\t1\t1", "11\t2\t1", "12\t3\t1", "12\t2\t1", "13\t4\t1"]
    (folder / "qrels" / "test.tsv").write_text("\n".join(rows) + "\n")
    return folder


def test_split_holds_out_a_seeded_share_and_removes_all_their_documents(tmp_path):
    _, queries, gold = abstention.load(_beir(tmp_path / "beir"), "test")
    held, removed = abstention.split(queries, gold, 0.5, seed=0)
    assert (held, removed) == abstention.split(queries, gold, 0.5, seed=0)
    assert len(held) == 2 and removed == set().union(*(gold[q] for q in held))


def test_write_corpus_keeps_exactly_the_remaining_abstracts(tmp_path):
    docs, _, _ = abstention.load(_beir(tmp_path / "beir"), "test")
    dest = tmp_path / "corpus"
    dest.mkdir()
    (dest / "stale.md").write_text("old")
    assert abstention.write_corpus(docs, {"2", "3"}, dest) == 2
    assert sorted(p.name for p in dest.iterdir()) == ["1.md", "4.md"]
    assert (dest / "1.md").read_text() == "# Calf pain\n\nCalf pain has many causes.\n"


def _result(doc):
    return Result(rank=1, passage_id=f"{doc}-p1", document_id=doc, document_title=doc, section="s", kind="passage",
                  text="t", answer="t", answer_span=Span(0, 1), highlights=(), score=2.5, scores={}, source=Span(0, 1),
                  citations=())  # fmt: skip


class _Scripted:
    def __init__(self, answers):
        self.answers = answers

    def ask(self, question, k):
        doc, answered = self.answers[question]
        return Answer(question=question, answered=answered, confidence=0.4, reasons=("r",), suggestions=(),
                      results=(_result(doc),), index_version="v", index_built_at="t", took_ms=0.0)  # fmt: skip


def test_rows_and_summary_label_queries_by_what_is_left():
    queries = {"10": "calf", "12": "shin", "13": "ankle"}
    gold = {"10": {"1"}, "12": {"3", "2"}, "13": {"4"}}
    qa = _Scripted({"calf": ("1", True), "shin": ("2", True), "ankle": ("1", False)})
    rows = abstention.ask_all(qa, queries, gold, removed={"3", "4"})
    assert [(r["id"], r["answerable"], r["answered"], r["hit@3"]) for r in rows] == [
        ("10", True, True, True), ("12", True, True, True), ("13", False, False, False)]  # fmt: skip
    assert rows[0]["scores"] == [{"score": 2.5}] and rows[0]["reasons"] == ["r"]
    assert abstention.summary(rows) == {"queries": 3, "answerable": 2, "unanswerable": 1, "hit@3": 1.0,
                                        "abstention": 1.0, "false_abstention": 0.0}  # fmt: skip


def test_the_recipe_end_to_end_on_a_tiny_set(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_SEMANTIC", "off")
    report = abstention.run(_beir(tmp_path / "beir"), "test", 0.5, 0, work=tmp_path / "work")
    assert (report["held_out"], report["index"]["documents"], report["index"]["reused"]) == (
        2,
        4 - report["removed_documents"],
        False,
    )
    assert report["queries"] == 4 and report["answerable"] + report["unanswerable"] == 4
    again = abstention.run(_beir(tmp_path / "beir2"), "test", 0.5, 0, work=tmp_path / "work")
    assert again["index"]["reused"] is True and again["rows"] == report["rows"]
