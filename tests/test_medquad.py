"""The MedQuAD set: corpus recipe, span-overlap scoring, summaries by group, bad files, the real set's slice."""

import json
import re

import pytest

from qa.errors import InvalidInput
from qa.evaluation import medquad
from qa.evaluation.evaluate import prepared_index
from qa.models import Answer, Passage, Result, Sentence, Span

DOCS = [
    {"doc": "foot-drop", "title": "Foot Drop", "source": "NINDS", "url": "http://x/foot",
     "sections": [{"heading": "Description", "text": "Foot drop is a weakness.", "qid": "1-1"},
                  {"heading": "Outlook", "text": "The outlook is good.\n\n- one\n- two", "qid": "1-2"}]},
    {"doc": "loiasis", "title": "Parasites - Loiasis", "source": "CDC", "url": "http://x/loa",
     "sections": [{"heading": "Treatment", "text": "Surgery may be needed.", "qid": "2-1"}]},
]  # fmt: skip

QUESTIONS = [
    {"id": "q1", "question": "What is the outlook for Foot Drop ?", "kind": "answerable", "doc": "foot-drop",
     "qids": ["1-2"], "qtype": "outlook", "source": "NINDS"},
    {"id": "q2", "question": "How to treat Loiasis ?", "kind": "answerable", "doc": "loiasis", "qids": ["2-1"],
     "qtype": "treatment", "source": "CDC"},
    {"id": "q3", "question": "How to diagnose Penile Cancer ?", "kind": "absent-topic", "doc": None, "qids": [],
     "qtype": "exams and tests", "source": "CancerGov"},
]  # fmt: skip


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_corpus_files_and_gold_spans_follow_the_recipe(tmp_path):
    spans = medquad.write_corpus(_jsonl(tmp_path / "docs.jsonl", DOCS), tmp_path / "corpus")
    raw = (tmp_path / "corpus" / "foot-drop.md").read_text(encoding="utf-8")
    assert raw == (
        "---\ntitle: Foot Drop\nurl: http://x/foot\n---\n# Foot Drop\n\n## Description\n\nFoot drop is a weakness.\n"
        "\n## Outlook\n\nThe outlook is good.\n\n- one\n- two\n"
    )
    gold = spans["foot-drop"]["1-2"]
    assert (gold.start, gold.end) == (111, 144)
    assert raw[gold.start : gold.end] == "The outlook is good.\n\n- one\n- two"
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == ["foot-drop.md", "loiasis.md"]


def test_a_subset_of_documents(tmp_path):
    spans = medquad.write_corpus(_jsonl(tmp_path / "docs.jsonl", DOCS), tmp_path / "corpus", docs={"loiasis"})
    assert list(spans) == ["loiasis"]
    assert [p.name for p in (tmp_path / "corpus").iterdir()] == ["loiasis.md"]


def _result(rank, doc, start, end, answer="x", span=None):
    return Result(rank=rank, passage_id=f"{doc}-p{rank}", document_id=doc, document_title=doc, section="s",
                  kind="passage", text=answer, answer=answer, answer_span=span or Span(0, len(answer)), highlights=(),
                  score=1.0, scores={}, source=Span(start, end), citations=())  # fmt: skip


def _answer(results, answered=True):
    return Answer(question="q", answered=answered, confidence=0.5, reasons=(), suggestions=(),
                  results=tuple(results), index_version="v", index_built_at="t", took_ms=0.0)  # fmt: skip


GOLD = {"foot-drop": {"1-1": medquad.Gold(73, 97, "Foot drop is a weakness."),
                      "1-2": medquad.Gold(111, 144, "The outlook is good.\n\n- one\n- two")}}  # fmt: skip


@pytest.mark.parametrize(
    "start, end, hit",
    [(143, 200, True), (144, 200, False), (90, 112, True), (90, 111, False), (73, 97, False), (100, 150, True)],
)
def test_hit_is_a_half_open_span_overlap(start, end, hit):
    row = medquad.score_answer(QUESTIONS[0], _answer([_result(1, "foot-drop", start, end)]), GOLD, k=3)
    assert (row["hit@1"], row["hit@k"], row["topic@1"]) == (hit, hit, True)


def test_a_span_of_another_document_is_no_hit():
    row = medquad.score_answer(QUESTIONS[0], _answer([_result(1, "other", 111, 144)]), GOLD, k=3)
    assert (row["hit@1"], row["hit@k"], row["topic@1"]) == (False, False, False)


def test_hit_at_k_answer_sentence_and_abstention_rows():
    answer = _answer(
        [_result(1, "foot-drop", 73, 97, "Foot drop is a weakness."), _result(2, "foot-drop", 111, 130),
         _result(3, "foot-drop", 135, 144)], answered=False)  # fmt: skip
    row = medquad.score_answer(QUESTIONS[0], answer, GOLD, k=2)
    assert row == {"id": "q1", "kind": "answerable", "qtype": "outlook", "source": "NINDS", "answerable": True,
                   "answered": False, "hit@1": False, "hit@k": True, "topic@1": True, "answer@1": False,
                   "top": "foot-drop-p1"}  # fmt: skip
    said = _answer([_result(1, "foot-drop", 73, 130)])  # a passage over two sections
    assert medquad.score_answer(QUESTIONS[0], said, GOLD, k=3)["answer@1"] is True
    assert medquad.score_answer(QUESTIONS[0], said, GOLD, k=3, shown=Span(73, 97))["answer@1"] is False
    assert medquad.score_answer(QUESTIONS[0], said, GOLD, k=3, shown=Span(111, 131))["answer@1"] is True
    absent = medquad.score_answer(QUESTIONS[2], _answer([_result(1, "foot-drop", 111, 130)]), GOLD, k=3)
    assert (absent["answerable"], absent["hit@1"], absent["answered"]) == (False, False, True)


class _Scripted:
    """Answers each question with a prepared answer (the QA.ask contract, no index)."""

    def __init__(self, answers):
        self.answers = answers

    def ask(self, question, k, mode):
        return self.answers[question]

    def passage(self, passage_id):
        """Every passage has two sentences; the first starts at raw offset 73, the second at 111."""
        return Passage(passage_id=passage_id, document_id="d", ordinal=1, kind="passage", section="s", text="",
                       sentences=(Sentence("a", 0, 5, Span(73, 97)), Sentence("b", 6, 30, Span(111, 131))),
                       source=Span(73, 131))  # fmt: skip


def test_evaluate_summarises_overall_by_qtype_and_by_source():
    answers = {
        QUESTIONS[0]["question"]: _answer([_result(1, "foot-drop", 73, 130, "The outlook is good.", Span(6, 26))]),
        QUESTIONS[1]["question"]: _answer([_result(1, "foot-drop", 73, 97)], answered=False),
        QUESTIONS[2]["question"]: _answer([_result(1, "foot-drop", 73, 97)], answered=False),
    }
    seen = []
    report = medquad.evaluate(_Scripted(answers), QUESTIONS, GOLD, progress=lambda *a: seen.append(a))
    summary = {key: report[key] for key in ("questions", "answerable", "absent", "hit@1", "hit@3", "topic@1",
                                            "answer@1", "abstention", "false_abstention")}  # fmt: skip
    assert summary == {"questions": 3, "answerable": 2, "absent": 1, "hit@1": 0.5, "hit@3": 0.5, "topic@1": 0.5,
                       "answer@1": 0.5, "abstention": 1.0, "false_abstention": 0.5}  # fmt: skip
    assert list(report["by_source"]) == ["CDC", "CancerGov", "NINDS"]
    assert report["by_qtype"]["treatment"]["hit@1"] == 0.0 and report["by_qtype"]["treatment"]["abstention"] is None
    assert report["by_source"]["CancerGov"]["abstention"] == 1.0
    first_sentence = {QUESTIONS[0]["question"]: _answer([_result(1, "foot-drop", 73, 130, "Foot", Span(0, 4))])}
    assert medquad.evaluate(_Scripted(first_sentence), QUESTIONS[:1], GOLD)["answer@1"] == 0.0
    assert seen == [("questions", 1, 3), ("questions", 2, 3), ("questions", 3, 3)]


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "holds nothing"),
        ("{oops\n", ":1: not valid JSON"),
        ("[1]\n", ":1: each line must be a JSON object"),
        ('{"id": "a", "question": "q", "kind": "maybe", "qids": []}\n', ":1: kind must be one of answerable"),
        ('{"id": "a", "question": "q", "kind": "answerable"}\n', ":1: field 'qids' must be a list"),
        ('{"id": 3, "question": "q", "kind": "answerable", "qids": []}\n', ":1: field 'id' must be a string"),
    ],
)
def test_bad_question_files(tmp_path, content, message):
    path = tmp_path / "questions.jsonl"
    path.write_text(content)
    with pytest.raises(InvalidInput, match=message):
        medquad.load_questions(path)


def test_bad_docs_files(tmp_path):
    with pytest.raises(InvalidInput, match=":1: missing field 'url'"):
        medquad.write_corpus(_jsonl(tmp_path / "d.jsonl", [{"doc": "a", "title": "A", "sections": []}]), tmp_path)
    with pytest.raises(InvalidInput, match="cannot read"):
        medquad.write_corpus(tmp_path / "absent.jsonl", tmp_path)


def test_prepared_index_is_reused_until_the_corpus_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_SEMANTIC", "off")
    medquad.write_corpus(_jsonl(tmp_path / "docs.jsonl", DOCS), tmp_path / "corpus")
    first, reused = prepared_index(tmp_path / "corpus", tmp_path / "index")
    assert reused is False and first.info.documents == 2
    again, reused = prepared_index(tmp_path / "corpus", tmp_path / "index")
    assert reused is True and again.info.version == first.info.version
    (tmp_path / "corpus" / "loiasis.md").write_text("# Loiasis\n\nEye worm.\n", encoding="utf-8")
    changed, reused = prepared_index(tmp_path / "corpus", tmp_path / "index")
    assert reused is False and changed.info.version != first.info.version
    monkeypatch.setenv("QA_SEMANTIC", "auto")  # another setting is another key: built again
    assert (tmp_path / "index" / "eval-key.txt").read_text() != ""


@pytest.mark.shared
def test_the_real_set_matches_the_readme_recipe_and_scores_a_slice(shared, tmp_path, monkeypatch):
    folder = shared / "eval" / "medquad-dev"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    recipe = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    opened = []
    namespace: dict = {"open": lambda *a, **kw: opened.append(open(*a, **kw)) or opened[-1]}  # noqa: SIM115 (closed below)
    exec(recipe, namespace)  # the README's own write_corpus, as published (its files closed here)
    docs = {"ninds-foot-drop", "cdc-parasites-loiasis", "cancergov-hairy-cell-leukemia"}
    expected = namespace["write_corpus"](str(folder / "docs.jsonl"), str(tmp_path / "readme"))
    for f in opened:
        f.close()
    spans = medquad.write_corpus(folder / "docs.jsonl", tmp_path / "corpus")
    assert {d: {q: (g.start, g.end) for q, g in s.items()} for d, s in spans.items()} == expected
    for doc in docs:
        assert (tmp_path / "corpus" / f"{doc}.md").read_bytes() == (tmp_path / "readme" / f"{doc}.md").read_bytes()
    questions = medquad.load_questions(folder / "questions.jsonl")
    assert (len(questions), sum(q["kind"] == "absent-topic" for q in questions)) == (344, 40)
    monkeypatch.setenv("QA_SEMANTIC", "off")
    medquad.write_corpus(folder / "docs.jsonl", tmp_path / "slice", docs=docs)
    qa, _ = prepared_index(tmp_path / "slice", tmp_path / "index")
    picked = [q for q in questions if q["doc"] in docs]
    report = medquad.evaluate(qa, picked, spans, k=3, mode="bm25")
    assert (report["questions"], report["answerable"], report["absent"]) == (len(picked), len(picked), 0)
    assert report["topic@1"] == 1.0
    assert sorted(report["by_source"]) == ["CDC", "CancerGov", "NINDS"]
