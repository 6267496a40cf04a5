import json

import pytest
from click.testing import CliRunner

from qa.cli import main


@pytest.fixture()
def corpus_dir(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "calf.txt").write_text(
        "Calf Guide\n\nCalf pain is common. It usually heals.\n\n"
        "Mayo Clinic.Calf pain.\n\nNeutze D, Roque J.Bruising.Am Fam Physician.\n\n2016 Feb;93(4):279-285.\n",
        encoding="utf-8",
    )
    (corpus / "bad.txt").write_bytes(b"\xff")
    return corpus


def run(*args):
    result = CliRunner().invoke(main, list(args))
    return result


def test_documents_json(corpus_dir):
    result = run("documents", "--corpus", str(corpus_dir), "--json")
    assert result.exit_code == 0
    docs = json.loads(result.stdout)
    assert [(d["id"], d["path"], d["title"], d["format"]) for d in docs] == [
        ("calf", "corpus/calf.txt", "Calf Guide", "txt")
    ]
    assert sorted(docs[0]) == ["format", "id", "path", "sha256", "size", "title", "url"]


def test_documents_text_lists_skipped_files_on_stderr(corpus_dir):
    result = run("documents", "--corpus", str(corpus_dir))
    assert result.exit_code == 0
    assert result.stdout == "calf\tcorpus/calf.txt\tCalf Guide\n"
    assert result.stderr == (
        "skipped corpus/bad.txt: not valid UTF-8 (byte offset 0); if it is Latin-1/Windows-1252 text, convert it: "
        "iconv -f WINDOWS-1252 -t UTF-8 bad.txt > bad.txt.tmp && mv bad.txt.tmp bad.txt\n"
    )


def test_passages_json(corpus_dir):
    result = run("passages", "--corpus", str(corpus_dir), "--json")
    assert result.exit_code == 0
    passages = json.loads(result.stdout)
    assert [(p["passage_id"], p["kind"], p["section"], p["previous_id"], p["next_id"]) for p in passages] == [
        ("calf-p1", "passage", "Calf Guide", None, "calf-r1"),
        ("calf-r1", "reference", "References", "calf-p1", "calf-r2"),
        ("calf-r2", "reference", "References", "calf-r1", None),
    ]
    raw = (corpus_dir / "calf.txt").read_text(encoding="utf-8")
    first = passages[0]
    assert raw[first["source"]["start"] : first["source"]["end"]] == first["text"]
    assert first["sentences"][1] == {
        "text": "It usually heals.",
        "start": 21,
        "end": 38,
        "source": {"start": raw.index("It usually"), "end": raw.index("It usually") + 17},
    }


def test_references_json(corpus_dir):
    result = run("references", "--corpus", str(corpus_dir), "--json")
    assert result.exit_code == 0
    refs = json.loads(result.stdout)
    raw = (corpus_dir / "calf.txt").read_text(encoding="utf-8")
    assert refs[1] == {
        "id": "calf-r2",
        "document_id": "calf",
        "ordinal": 2,
        "authors": ["Neutze D", "Roque J"],
        "organization": None,
        "title": "Bruising",
        "venue": "Am Fam Physician",
        "year": 2016,
        "details": "93(4):279-285",
        "doi": None,
        "url": None,
        "text": "Neutze D, Roque J. Bruising. Am Fam Physician. 2016 Feb;93(4):279-285.",
        "source": {"start": raw.index("Neutze"), "end": raw.index("279-285.") + 8},
    }
    assert refs[0]["organization"] == "Mayo Clinic"


@pytest.mark.parametrize("command", ["documents", "passages", "references"])
def test_missing_corpus_is_a_one_line_error(tmp_path, command):
    result = run(command, "--corpus", str(tmp_path / "nope"), "--json")
    assert result.exit_code == 2
    assert result.stderr == f"error: corpus folder {tmp_path / 'nope'} does not exist or is not a folder\n"
