"""`qa build`, `qa ask` and `qa eval` through click's runner: output, JSON and error exits."""

import json

import pytest
from click.testing import CliRunner
from conftest import write_corpus

from qa.cli import main


@pytest.fixture
def paths(tmp_path):
    return write_corpus(tmp_path / "corpus"), tmp_path / "index"


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_build_then_if_needed_then_ask(paths):
    corpus, index = paths
    first = _run("build", "--corpus", corpus, "--index", index)
    assert first.exit_code == 0
    assert "2 documents, 8 passages, 3 references" in first.output
    again = _run("build", "--corpus", corpus, "--index", index, "--if-needed")
    assert again.exit_code == 0 and "is up to date (8 passages" in again.output
    (corpus / "hip.txt").write_text("Hip Pain\n\nHip pain is common.\n")
    rebuilt = _run("build", "--corpus", corpus, "--index", index, "--if-needed")
    assert "3 documents" in rebuilt.output
    answer = _run("ask", "meniscus tear surgery", "--index", index, "--k", "1")
    assert answer.exit_code == 0
    assert "Small meniscus tears often heal without surgery." in answer.output
    assert "cites: Jones K. Meniscus tears in runners." in answer.output


def test_ask_names_a_section_once_when_it_is_its_document(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "hip.txt").write_text("Hip Pain\n\nHip pain is common in runners.\n")
    (corpus / "knee.txt").write_text("Knee Pain\n\nCauses\n\nKnee pain comes from the meniscus.\n")
    _run("build", "--corpus", corpus, "--index", tmp_path / "index")
    out = _run("ask", "hip pain runners", "--index", tmp_path / "index", "--k", "2").output
    assert "\n[1] Hip Pain  (hip-p1, score " in out  # not "Hip Pain › Hip Pain": the page's rule too
    assert "\n[2] Knee Pain › Causes  (knee-p1, score " in out


def test_ask_json_and_abstention(paths):
    corpus, index = paths
    _run("build", "--corpus", corpus, "--index", index)
    data = json.loads(_run("ask", "Who wrote Pride and Prejudice?", "--index", index, "--json").output)
    assert data["answered"] is False
    assert data["reasons"] == ["the documents do not mention pride or prejudice"]
    text = _run("ask", "Who wrote Pride and Prejudice?", "--index", index).output
    assert text.startswith("The documents do not answer this question.")


@pytest.mark.parametrize(
    "args, message",
    [
        (["ask", "knee", "--k", "0"], "error: k must be an integer from 1 to 50, not 0"),
        (["ask", "knee", "--mode", "dense"], "error: mode must be one of hybrid, bm25, tfidf"),
        (["ask", "   "], "error: question must not be empty or blank"),
        (["ask", "knee", "--document", "hip"], "error: no document with id 'hip'"),
        (["eval"], "error: give one of a question FILE, --beir DIR or --medquad DIR"),
        (["eval", "--beir", "b", "--medquad", "m"], "error: give one of a question FILE, --beir DIR or --medquad DIR"),
        (["eval", "--beir", "b", "--work", "w"], "error: --work goes with --medquad"),
        (["eval", "--medquad", "m", "--k", "0"], "error: k must be an integer from 1 to 50, not 0"),
    ],
)
def test_bad_input_exits_2_with_one_line(paths, args, message):
    corpus, index = paths
    _run("build", "--corpus", corpus, "--index", index)
    result = _run(*args, "--index", index)
    assert result.exit_code == 2
    assert result.output.strip() == message


def test_ask_without_an_index(tmp_path):
    result = _run("ask", "knee", "--index", tmp_path / "none")
    assert result.exit_code == 2
    assert "no index in" in result.output and "run `qa build`" in result.output


def test_build_of_a_missing_corpus(tmp_path):
    result = _run("build", "--corpus", tmp_path / "none", "--index", tmp_path / "index")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_eval_table_and_json(paths, tmp_path):
    corpus, index = paths
    _run("build", "--corpus", corpus, "--index", index)
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(
        json.dumps({"id": "a", "question": "meniscus tear", "kind": "lexical", "answerable": True,
                    "gold": ["A meniscus tear is a rip"]}) + "\n"
    )  # fmt: skip
    table = _run("eval", qfile, "--index", index)
    assert table.exit_code == 0
    assert table.output.splitlines()[1].split() == ["all", "1", "1.00", "1.00", "1.00", "-", "0.00"]
    data = json.loads(_run("eval", qfile, "--index", index, "--json").output)
    assert data["hit@3"] == 1.0 and data["items"][0]["top"] == "knee-p2"
