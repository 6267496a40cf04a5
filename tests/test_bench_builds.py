"""Smoke tests of the build benchmarks on tiny synthetic corpora (no timings checked)."""

from bench import incremental, parallel


def test_incremental_rebuild_of_a_tiny_corpus_matches_a_build_from_nothing(tmp_path):
    corpus = incremental.synthetic_corpus(tmp_path / "src", files=4, paragraphs=2)
    result = incremental.run(corpus, tmp_path / "work", semantic=False, verify=True)
    assert (result["files"], result["changed"], result["identical"]) == (4, "doc0002.txt", True)
    assert result["rebuild_s"] > 0 and result["full_s"] > 0
    assert incremental.SENTENCE in (tmp_path / "work" / "corpus" / "doc0002.txt").read_text()
    assert incremental.SENTENCE not in (corpus / "doc0002.txt").read_text()  # the original is not touched


def test_serial_local_and_dask_builds_of_a_tiny_corpus_are_identical(tmp_path):
    corpus = incremental.synthetic_corpus(tmp_path / "src", files=3, paragraphs=2)
    result = parallel.run(corpus, tmp_path / "work", semantic=False)
    assert (result["local_identical"], result["dask_identical"]) == (True, True)
    assert min(result["serial_s"], result["local_s"], result["dask_s"]) > 0
