"""Question-set scoring: normalisation, hits, summaries by kind, bad files."""

import json

import pytest

from qa.errors import InvalidInput
from qa.evaluation.evaluate import evaluate_questions, load_questions, normalize


def test_normalize_keeps_lowercase_letters_and_digits():
    assert normalize("Around 3037% of ALL people!") == "around3037ofallpeople"
    assert normalize("A calf muscle cramp is") == normalize("Acalf muscle crampis")


def _write(tmp_path, rows):
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_scores_hits_and_abstention_by_kind(small_qa, tmp_path):
    rows = [
        {"id": "a", "question": "meniscus tear surgery", "kind": "lexical", "answerable": True,
         "gold": ["Smallmeniscus tears often heal"]},
        {"id": "b", "question": "anklle sprian", "kind": "typo", "answerable": True,
         "gold": ["Severe sprains may need a brace"]},
        {"id": "c", "question": "Who wrote Pride and Prejudice?", "kind": "unanswerable", "answerable": False,
         "gold": []},
    ]  # fmt: skip
    report = evaluate_questions(small_qa, load_questions(_write(tmp_path, rows)), k=2)
    assert (report["hit@1"], report["hit@2"], report["abstention"], report["false_abstention"]) == (0.5, 1.0, 1.0, 0.0)
    assert report["by_kind"]["typo"]["hit@1"] == 0.0
    assert report["by_kind"]["unanswerable"]["abstention"] == 1.0
    assert [i["top"] for i in report["items"]] == ["knee-p2", "ankle-p1", None]


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "holds no questions"),
        ("{oops\n", ":1: not valid JSON"),
        ("[1, 2]\n", ":1: each line must be a JSON object"),
        ('{"id": "x", "question": "q", "answerable": "yes", "gold": []}\n', ":1: field 'answerable' must be a bool"),
        ('{"question": "q", "answerable": true, "gold": []}\n', ":1: field 'id' must be a str"),
    ],
)
def test_bad_question_files(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(InvalidInput, match=message):
        load_questions(path)


def test_missing_file(tmp_path):
    with pytest.raises(InvalidInput, match="cannot read question file"):
        load_questions(tmp_path / "absent.jsonl")


def test_the_evaluation_key_follows_the_build_code_not_the_answer_layer(monkeypatch, tmp_path):
    from pathlib import Path

    from qa.evaluation import evaluate
    from qa.util import buildcache

    modules = buildcache._qa_modules("qa.storage.index")
    assert {"qa.ingest.corpus", "qa.search.engine", "qa.vectors.semantic", "qa.storage.store"} <= modules
    assert not {"qa.answering.answer", "qa.answering.abstention", "qa.api", "qa.web", "qa.cli"} & modules
    monkeypatch.setenv("QA_SEMANTIC", "off")
    buildcache.code_fingerprint.cache_clear()
    before = evaluate.code_fingerprint()
    real = buildcache._origin
    for module, changes in (("qa.answering.answer", False), ("qa.search.engine", True)):
        edited = tmp_path / f"{module}.py"
        edited.write_bytes(Path(real(module)).read_bytes() + b"\n# an edit\n")
        monkeypatch.setattr(buildcache, "_origin", lambda name, m=module, e=edited: str(e) if name == m else real(name))
        buildcache.code_fingerprint.cache_clear()
        assert (evaluate.code_fingerprint() != before) is changes, module
    monkeypatch.setattr(buildcache, "_origin", real)
    buildcache.code_fingerprint.cache_clear()
    monkeypatch.setenv("QA_SEMANTIC", "auto")  # the semantic switch is part of the key
    assert evaluate.code_fingerprint() != before
    buildcache.code_fingerprint.cache_clear()
