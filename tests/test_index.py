"""The index on disk: atomic builds, manifest, checksums, staleness, the build lock, hot reload."""

import json
import os

import pytest
from conftest import SMALL_CORPUS, write_corpus

from qa.api import QA
from qa.errors import CorpusError, IndexCorrupt, IndexMissing, IndexStale, IndexUnavailable
from qa.storage import index as ix


@pytest.fixture
def built(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    report = ix.build_index(corpus, tmp_path / "index")
    return corpus, tmp_path / "index", report


def test_build_writes_a_manifest_and_points_current_at_it(built):
    corpus, index, report = built
    assert (index / "current").is_symlink()
    assert (index / "current").resolve() == report.path
    manifest = json.loads((report.path / "manifest.json").read_text())
    assert manifest["format_version"] == ix.FORMAT_VERSION
    assert manifest["counts"] == {"documents": 2, "passages": 8, "references": 3, "terms": report.info.terms}
    assert sorted(manifest["corpus"]["files"]) == ["ankle.txt", "knee.md"]
    assert set(manifest["libraries"]) == {"numpy", "scipy", "scikit-learn", "nltk", "wordfreq"}
    assert manifest["engine"]["settings"]["k1"] == 1.5
    for name, meta in manifest["files"].items():
        assert (report.path / name).stat().st_size == meta["bytes"]
        assert not name.endswith(".pkl")
    assert report.info.version == manifest["version"] == report.path.name
    assert report.skipped == ()


def test_the_version_is_a_hash_of_the_content_so_the_same_corpus_builds_the_same_version(built, tmp_path):
    corpus, index, report = built
    again = ix.build_index(corpus, tmp_path / "elsewhere")
    first, second = (json.loads((r.path / "manifest.json").read_text()) for r in (report, again))
    assert again.info.version == report.info.version == ix.content_version(second) == again.path.name
    when = ("built_at", "checksum")  # the checksum covers built_at: the two builds ran at different times
    assert {k: v for k, v in first.items() if k not in when} == {k: v for k, v in second.items() if k not in when}
    (corpus / "knee.md").write_text("# Knee\n\nChanged text here.\n", encoding="utf-8")
    changed = ix.build_index(corpus, index)
    assert changed.info.version != report.info.version
    (corpus / "knee.md").write_text(SMALL_CORPUS["knee.md"], encoding="utf-8")
    back = ix.build_index(corpus, index)  # the earlier build is still there: it is served again as it was
    assert back.path == report.path and (index / "current").resolve() == report.path
    assert back.info.built_at == report.info.built_at


def test_open_reports_counts(built):
    corpus, index, report = built
    info = QA.open(index, corpus).info
    assert (info.documents, info.passages, info.references) == (2, 8, 3)
    assert info.size_bytes == sum(m["bytes"] for m in QA.open(index).manifest["files"].values())


def test_missing_index_says_what_to_run(tmp_path):
    with pytest.raises(IndexMissing, match=r"run `qa build`"):
        QA.open(tmp_path / "nothing")


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda c: (c / "knee.md").write_text("# Knee\n\nChanged text here.\n"), "changed knee.md"),
        (lambda c: (c / "ankle.txt").unlink(), "removed ankle.txt"),
        (lambda c: (c / "hip.txt").write_text("Hip pain is common.\n"), "added hip.txt"),
    ],
)
def test_stale_corpus_is_detected_and_named(built, change, expected):
    corpus, index, _ = built
    change(corpus)
    with pytest.raises(IndexStale, match=f"{expected}.*run `qa build`"):
        QA.open(index, corpus)
    QA.open(index)  # without a corpus to compare, the index still serves


def test_open_or_build_rebuilds_a_stale_index(built):
    corpus, index, report = built
    (corpus / "hip.txt").write_text("Hip Pain\n\nHip pain is common in runners.\n")
    qa = QA.open_or_build(corpus, index)
    assert qa.info.documents == 3 and qa.info.version != report.info.version


def test_truncated_file_is_detected(built):
    _, index, report = built
    target = report.path / "store" / "text.bin"
    target.write_bytes(target.read_bytes()[:-5])
    with pytest.raises(IndexCorrupt, match="text.bin is missing or truncated"):
        QA.open(index)


def test_flipped_byte_fails_the_checksum(built):
    _, index, report = built
    target = report.path / "store" / "text.bin"
    data = bytearray(target.read_bytes())
    data[3] ^= 0x20
    target.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="fails its checksum"):
        QA.open(index)


@pytest.mark.parametrize("content", ["", "{not json", '{"format_version": 999}'])
def test_bad_manifest_is_rejected(built, content):
    _, index, report = built
    (report.path / "manifest.json").write_text(content)
    with pytest.raises(IndexUnavailable, match="qa build"):
        QA.open(index)


def test_failed_build_leaves_the_previous_index_serving(built, monkeypatch):
    corpus, index, report = built
    (corpus / "hip.txt").write_text("Hip pain is common.\n")

    def explode(*args, **kwargs):
        raise RuntimeError("killed mid-build")

    monkeypatch.setattr("qa.search.engine.Engine.build", explode)
    with pytest.raises(RuntimeError):
        ix.build_index(corpus, index)
    assert QA.open(index).info.version == report.info.version
    assert [p.name for p in (index / "builds").iterdir()] == [report.path.name]  # no temporary left over


def test_second_build_does_not_interleave(built):
    corpus, index, _ = built
    with ix.build_lock(index), pytest.raises(ix.BuildLocked, match=f"pid {os.getpid()}"):
        ix.build_index(corpus, index, wait=False)


def test_empty_corpus_is_an_error_naming_what_was_skipped(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"empty.txt": "", "bad.txt": "caf\xe9"})
    (corpus / "bad.txt").write_bytes(b"caf\xe9 latin-1")
    with pytest.raises(CorpusError, match=r"nothing to index.*bad.txt.*empty.txt"):
        ix.build_index(corpus, tmp_path / "index")


def test_skipped_files_are_reported(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"ok.txt": "Hip pain is common.\n", "empty.txt": ""})
    report = ix.build_index(corpus, tmp_path / "index")
    assert [path for path, _ in report.skipped] == ["corpus/empty.txt"]


def test_reload_picks_up_a_new_build(built):
    corpus, index, report = built
    qa = QA.open(index)
    assert qa.reload_if_changed() is False
    (corpus / "hip.txt").write_text("Hip Pain\n\nHip pain is common in runners.\n")
    ix.build_index(corpus, index)
    assert qa.reload_if_changed() is True
    assert qa.info.documents == 3
    assert qa.ask("hip pain runners", k=1).results[0].document_id == "hip"


def test_old_builds_are_pruned(built):
    corpus, index, _ = built
    for i in range(3):
        (corpus / "extra.txt").write_text(f"Extra text number {i} about hips.\n")
        ix.build_index(corpus, index)
    assert len(list((index / "builds").iterdir())) == ix.KEEP_BUILDS
