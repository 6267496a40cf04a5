"""Incremental and parallel builds: reused work, the cache's safety, local processes and a Dask cluster all
give the same bytes as one build from nothing in one process."""

import json
import logging
from pathlib import Path

import numpy as np
import pytest
from conftest import SMALL_CORPUS, write_corpus

from bench.incremental import snapshot
from qa import settings
from qa.ingest import corpus as corpus_module
from qa.ingest.corpus import FileJob, FileResult, count_words, load_corpus, read_file
from qa.storage import index as ix
from qa.util import buildcache
from qa.util.workers import Workers, WorkersUnavailable
from qa.vectors import encoding

HIP = "Hip Pain\n\nHip pain is common in older runners. Stretching the hip flexors helps.\n"
KNEE_EDITED = SMALL_CORPUS["knee.md"].replace(
    "The patella can rub against the femur.", "The patella can rub against the femur. Ice helps after a run."
)


class Recorder:
    """A progress reporter that keeps every report."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.calls.append((stage, done, total))

    def first(self, stage: str) -> tuple[int, int]:
        return next((d, t) for s, d, t in self.calls if s == stage)

    def last(self, stage: str) -> tuple[int, int]:
        return [(d, t) for s, d, t in self.calls if s == stage][-1]


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "corpus", {**SMALL_CORPUS, "hip.txt": HIP})


def fresh(corpus: Path, where: Path, **options) -> ix.BuildReport:
    """A build from nothing: a new index folder, no cache, this process."""
    return ix.build_index(corpus, where, cache=False, workers=Workers(1), **options)


def test_a_rebuild_reuses_unchanged_files_and_vectors_and_equals_a_build_from_nothing(corpus, tmp_path):
    index = tmp_path / "index"
    first = Recorder()
    ix.build_index(corpus, index, progress=first, semantic=True)
    assert first.first("files") == (0, 3) and first.first("vectors") == (0, 12)  # 9 passages, 3 heading paths
    (corpus / "knee.md").write_text(KNEE_EDITED, encoding="utf-8")
    again = Recorder()
    report = ix.build_index(corpus, index, progress=again, semantic=True)
    assert again.first("files") == (2, 3)  # ankle.txt and hip.txt were not read again
    assert again.first("cleaning") == (2, 3)  # nor cleaned: their repair asked nothing knee.md's words changed
    assert again.first("vectors") == (11, 12)  # only the edited passage of knee.md is encoded
    assert again.first("passages") == (0, 9) and again.last("passages") == (9, 9)  # the index is made anew
    scratch = fresh(corpus, tmp_path / "fresh", semantic=True)
    assert report.info.version == scratch.info.version == report.path.name
    assert snapshot(report.path) == snapshot(scratch.path)
    assert "Ice helps after a run." in (report.path / "store" / "text.bin").read_text(encoding="utf-8")


def test_an_unchanged_corpus_reuses_everything_and_keeps_its_build(corpus, tmp_path):
    index = tmp_path / "index"
    report = ix.build_index(corpus, index, semantic=True)
    again = Recorder()
    second = ix.build_index(corpus, index, progress=again, semantic=True)
    assert (again.first("files"), again.first("vectors")) == ((3, 3), (12, 12))
    assert second.path == report.path and second.info.built_at == report.info.built_at


GLUED = "Trial Notes\n\nThe trial performedusing drugs went on.\n"
TRIAL = "Trial Design\n\nPatients were treated using drugs. The trial performed well.\n"


def test_a_file_whose_repair_asked_about_words_another_file_changed_is_cleaned_again(tmp_path):
    """glued.txt's repair splits `performedusing` because trial.txt has `performed` intact; when trial.txt
    loses that word, glued.txt (same bytes) must not keep its cached split."""
    corpus = write_corpus(tmp_path / "corpus", {"glued.txt": GLUED, "trial.txt": TRIAL, "hip.txt": HIP})
    index = tmp_path / "index"
    first = ix.build_index(corpus, index, semantic=False)
    assert "performed using drugs" in (first.path / "store" / "text.bin").read_text(encoding="utf-8")
    (corpus / "trial.txt").write_text(TRIAL.replace("performed well", "went well"), encoding="utf-8")
    again = Recorder()
    report = ix.build_index(corpus, index, progress=again, semantic=False)
    assert again.first("files") == (2, 3)  # glued.txt and hip.txt were not read again...
    assert again.first("cleaning") == (1, 3)  # ...but glued.txt was cleaned again (hip.txt asked nothing changed)
    assert "performedusing drugs" in (report.path / "store" / "text.bin").read_text(encoding="utf-8")
    assert snapshot(report.path) == snapshot(fresh(corpus, tmp_path / "fresh", semantic=False).path)
    (corpus / "trial.txt").write_text(TRIAL, encoding="utf-8")  # back: the split comes back too
    back = ix.build_index(corpus, index, semantic=False)
    assert snapshot(back.path) == snapshot(first.path)


def test_a_file_whose_repair_asked_about_words_an_edit_keeps_in_range_is_not_cleaned_again(tmp_path):
    """glued.txt's split of `performedusing` needs `performed` somewhere intact, however often: a second
    `performed` in trial.txt changes no answer glued.txt's repair got, so its cached result is reused."""
    corpus = write_corpus(tmp_path / "corpus", {"glued.txt": GLUED, "trial.txt": TRIAL, "hip.txt": HIP})
    index = tmp_path / "index"
    ix.build_index(corpus, index, semantic=False)
    (corpus / "trial.txt").write_text(TRIAL + "The trial performed better than planned.\n", encoding="utf-8")
    again = Recorder()
    report = ix.build_index(corpus, index, progress=again, semantic=False)
    assert again.first("files") == (2, 3) and again.first("cleaning") == (2, 3)  # only trial.txt cleaned
    assert "performed using drugs" in (report.path / "store" / "text.bin").read_text(encoding="utf-8")
    assert snapshot(report.path) == snapshot(fresh(corpus, tmp_path / "fresh", semantic=False).path)


def test_a_rebuild_analyses_only_the_passages_whose_text_changed(corpus, tmp_path, monkeypatch):
    from qa.search.analyzer import Analyzer

    index = tmp_path / "index"
    ix.build_index(corpus, index, semantic=False)
    analysed: list[str] = []
    word_list = Analyzer.word_list
    monkeypatch.setattr(Analyzer, "word_list", lambda self, text: analysed.append(text) or word_list(self, text))
    (corpus / "knee.md").write_text(KNEE_EDITED, encoding="utf-8")
    report = ix.build_index(corpus, index, semantic=False)
    assert len(analysed) == 1 and analysed[0].endswith("Ice helps after a run.")
    assert snapshot(report.path) == snapshot(fresh(corpus, tmp_path / "fresh", semantic=False).path)
    assert len(list((index / "cache" / "analysis").glob("*.words"))) == 1


def test_lexical_rebuilds_equal_a_build_from_nothing_too(corpus, tmp_path):
    index = tmp_path / "index"
    ix.build_index(corpus, index, semantic=False)
    (corpus / "hip.txt").unlink()
    (corpus / "shin.txt").write_text("Shin Splints\n\nShin splints hurt on hard ground.\n", encoding="utf-8")
    report = ix.build_index(corpus, index, semantic=False)
    assert snapshot(report.path) == snapshot(fresh(corpus, tmp_path / "fresh", semantic=False).path)
    assert [d.id for d in report_documents(report)] == ["ankle", "knee", "shin"]


def report_documents(report: ix.BuildReport):
    from qa.storage.store import PassageStore

    return PassageStore(report.path / "store").documents


def _entries(index: Path) -> list[Path]:
    return sorted((index / "cache" / "files").glob("*/*.json"))


def _packs(index: Path) -> list[Path]:
    return sorted((index / "cache" / "vectors").glob("*/*.vec"))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-7])


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x40
    path.write_bytes(bytes(data))


def _reseal(path: Path) -> None:
    """A well-formed entry (right checksum, right key) whose content is not a file's result."""
    entry = json.loads(buildcache._unsealed(buildcache.ENTRY_MAGIC, path.read_bytes()))
    entry["value"]["passages"] = [{"text": 3}]
    payload = json.dumps(entry).encode()
    path.write_bytes(buildcache._sealed(buildcache.ENTRY_MAGIC, payload))


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00" * 100)


@pytest.mark.parametrize("damage", [_truncate, _flip_last_byte, _reseal, _garbage])
def test_a_damaged_cache_entry_is_redone_and_never_changes_the_build(corpus, tmp_path, damage, caplog):
    index = tmp_path / "index"
    ix.build_index(corpus, index, semantic=True)
    entries, packs = _entries(index), _packs(index)
    assert len(entries) == 3 and len(packs) == 1
    damaged = entries[0]
    damage(damaged)
    if damage is not _reseal:  # a pack with any damage loses all its vectors
        damage(packs[0])
    again = Recorder()
    with caplog.at_level(logging.WARNING, logger="qa.util.buildcache"):
        report = ix.build_index(corpus, index, progress=again, semantic=True)
    assert (again.first("files"), again.first("cleaning")) == ((3, 3), (2, 3))
    assert again.first("vectors") == ((12, 12) if damage is _reseal else (0, 12))
    assert f"cache entry {damaged} is damaged" in caplog.text
    assert snapshot(report.path) == snapshot(fresh(corpus, tmp_path / "fresh", semantic=True).path)
    assert damaged in _entries(index)  # written again, whole
    assert buildcache.FileCache(index / "cache").get(damaged.stem, FileResult) is not None


def test_leftovers_of_a_killed_build_are_removed_from_the_cache(corpus, tmp_path):
    index = tmp_path / "index"
    ix.build_index(corpus, index, semantic=True)
    left = [_entries(index)[0].parent / ".tmp-0123456789ab", _packs(index)[0].parent / ".tmp-ba9876543210"]
    for path in left:
        path.write_bytes(b"half an entry")
    ix.build_index(corpus, index, semantic=True)
    assert [p.exists() for p in left] == [False, False]


def test_the_cache_keeps_what_the_last_build_used_and_at_most_as_much_again(corpus, tmp_path):
    index = tmp_path / "index"
    long_hip = HIP + "".join(f"Hip fact {i} is about the joint and its muscles.\n" for i in range(60))
    for n in range(6):  # each version of hip.txt is about as big as the other two files together
        (corpus / "hip.txt").write_text(long_hip + f"\nHip story number {n} ends here.\n", encoding="utf-8")
        report = ix.build_index(corpus, index, semantic=True)
    limit = settings.get("MAX_FILE_BYTES")
    keys = {corpus_module._job(corpus, rel, rel.split(".")[0], limit, True, None).key() for rel in HASHED}
    sizes = {p.stem: p.stat().st_size for p in _entries(index)}
    assert keys <= sizes.keys()  # what the last build used is all there
    assert len(sizes) <= 3 + 2 and sum(sizes.values()) <= 2 * sum(sizes[k] for k in keys)  # old hips evicted
    assert len(_packs(index)) <= buildcache.MAX_PACKS
    vectors = buildcache.VectorCache(index / "cache", encoding.identity(), 384)
    assert report.info.passages <= len(vectors.rows) <= 2 * report.info.passages


class _Encoder:
    """What identity() reads of an encoder: its model folder and precision."""

    def __init__(self, directory: Path, precision: str = "bf16") -> None:
        self.directory, self.precision = directory, precision


@pytest.fixture
def model(tmp_path):
    """A model folder holding copies of the encoder's config and tokenizer (identity reads only those)."""
    from qa.vectors import encoder

    folder = tmp_path / "model"
    folder.mkdir()
    for name in encoder.MODEL_FILES:
        (folder / name).write_bytes((encoder.model_dir() / name).read_bytes())
    encoding._default_identity.cache_clear()
    yield folder
    encoding._default_identity.cache_clear()


def test_the_vector_cache_identity_changes_with_what_changes_vectors(model, monkeypatch):
    from qa.vectors import encoder

    base = encoding.identity(_Encoder(model))
    assert encoding.identity(_Encoder(model)) == base
    assert encoding.identity(_Encoder(model, "f32")) != base  # precision
    (model / "tokenizer.json").write_bytes((model / "tokenizer.json").read_bytes() + b" ")
    encoding._default_identity.cache_clear()
    assert encoding.identity(_Encoder(model)) != base  # another tokenizer file
    (model / "tokenizer.json").write_bytes((model / "tokenizer.json").read_bytes()[:-1])
    encoding._default_identity.cache_clear()
    assert encoding.identity(_Encoder(model)) == base
    for library in ("openvino", "tokenizers"):
        monkeypatch.setattr(encoding, "version", lambda name, lib=library: "0.0" if name == lib else "1.0")
        encoding._default_identity.cache_clear()
        assert encoding.identity(_Encoder(model)) != base, library
    monkeypatch.undo()
    monkeypatch.setattr(encoder, "BUCKET", encoder.BUCKET * 2)  # another padding
    encoding._default_identity.cache_clear()
    assert encoding.identity(_Encoder(model)) != base


def test_the_vector_cache_identity_ignores_libraries_and_code_that_do_not_touch_vectors(model, monkeypatch):
    from qa.vectors import encoder

    base = encoding.identity(_Encoder(model))
    real = encoding.version
    monkeypatch.setattr(buildcache, "dependency_versions", lambda: [("flask", "99.0"), ("numpy", "99.0")])
    monkeypatch.setattr(encoding, "version", lambda name: real(name))  # openvino and tokenizers as installed
    monkeypatch.setattr(encoder, "BATCH", encoder.BATCH + 1)  # batching does not change a vector's bytes
    encoding._default_identity.cache_clear()
    assert encoding.identity(_Encoder(model)) == base
    assert encoding.identity(type("Declared", (), {"identity": "mine"})()) == "mine"


HASHED = ("ankle.txt", "hip.txt", "knee.md")


def test_a_new_sidecar_title_is_read_not_taken_from_the_cache(corpus, tmp_path):
    index = tmp_path / "index"
    (corpus / "hip.meta.json").write_text('{"title": "Old hip title"}', encoding="utf-8")
    ix.build_index(corpus, index, semantic=False)
    (corpus / "hip.meta.json").write_text('{"title": "New hip title"}', encoding="utf-8")
    again = Recorder()
    report = ix.build_index(corpus, index, progress=again, semantic=False)
    assert again.first("files") == (2, 3)
    assert [d.title for d in report_documents(report)] == ["Ankle Sprains", "New hip title", "Knee care"]


def test_skipped_files_and_copies_are_skipped_the_same_way_from_the_cache(corpus, tmp_path):
    (corpus / "copy.txt").write_text(HIP, encoding="utf-8")
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    cache = buildcache.FileCache(tmp_path / "cache")
    plain = load_corpus(corpus)
    first = load_corpus(corpus, cache=cache)
    again = Recorder()
    second = load_corpus(corpus, cache=buildcache.FileCache(tmp_path / "cache"), progress=again)
    assert plain == first == second
    assert [s[0] for s in second.skipped] == ["corpus/hip.txt", "corpus/image.txt"]
    assert again.first("files") == (5, 5)  # a skip is reused too: the same bytes fail the same way


def test_a_file_changed_while_it_was_read_is_not_cached(corpus):
    job = FileJob(str(corpus), "hip.txt", "hip", None)
    good = FileJob(str(corpus), "hip.txt", "hip", None, corpus_module.hashlib.sha256(HIP.encode()).hexdigest(),
                   corpus_module.sidecar_hashes(corpus / "hip.txt", corpus))  # fmt: skip
    assert read_file(good).reusable is True
    assert read_file(job).reusable is False  # the hashes it was given are not the bytes it read
    assert read_file(FileJob(str(corpus), "ankle.txt", "ankle", 10)).skipped.endswith(
        "over the 10-byte limit (QA_MAX_FILE_BYTES); split the file or raise the limit"
    )


@pytest.mark.parametrize(
    "change",
    [
        {"doc_id": "hip-2"},
        {"rel": "other.txt"},
        {"max_bytes": 10},
        {"sha256": "f" * 64},
        {"sidecars": ("a" * 64, None)},
    ],
)
def test_a_file_results_key_changes_with_everything_it_depends_on(corpus, change):
    base = dict(corpus_dir=str(corpus), rel="hip.txt", doc_id="hip", max_bytes=None, sha256="e" * 64,
                sidecars=(None, None))  # fmt: skip
    assert FileJob(**base).key() == FileJob(**base).key() != FileJob(**(base | change)).key()


def test_the_code_fingerprint_covers_the_modules_that_parse_files_and_changes_with_them(monkeypatch, tmp_path):
    modules = buildcache._qa_modules("qa.ingest.corpus")
    assert {
        "qa.ingest.reader",
        "qa.ingest.repair",
        "qa.ingest.structure",
        "qa.ingest.passages",
        "qa.ingest.references",
        "qa.models",
    } <= modules
    assert not {"qa.search.engine", "qa.answering.answer", "qa.web", "qa.api"} & modules
    before = buildcache.code_fingerprint.__wrapped__()
    real = buildcache._origin
    edited = tmp_path / "passages.py"
    edited.write_bytes(Path(real("qa.ingest.passages")).read_bytes() + b"\n# an edit\n")
    monkeypatch.setattr(buildcache, "_origin", lambda name: str(edited) if name == "qa.ingest.passages" else real(name))
    assert buildcache.code_fingerprint.__wrapped__() != before


@pytest.mark.parametrize(
    ("kind", "value"),
    [(FileResult, []), (FileResult, {"document": 3}), (FileResult, {"nope": 1}), (FileResult, {"passages": [{}]})],
)
def test_json_that_does_not_fit_the_type_is_refused(kind, value):
    with pytest.raises((ValueError, TypeError)):
        buildcache.from_json(kind, value)


def test_results_round_trip_through_json(corpus):
    result = read_file(FileJob(str(corpus), "knee.md", "knee", None))
    assert buildcache.from_json(FileResult, json.loads(json.dumps(buildcache.to_json(result)))) == result


# ----- parallel builds -------------------------------------------------------------------------------


def test_two_local_processes_build_the_same_bytes_as_one(corpus, tmp_path):
    with Workers(2) as workers:
        report = ix.build_index(corpus, tmp_path / "index", workers=workers, semantic=True)
        assert workers.where == "2 local processes"
    assert snapshot(report.path) == snapshot(fresh(corpus, tmp_path / "fresh", semantic=True).path)


def other_code(jobs, keep):
    return "another fingerprint", [count_words(job, k) for job, k in zip(jobs, keep, strict=True)]


def test_files_read_again_in_pass_two_and_on_two_processes_give_the_same_bytes(tmp_path, monkeypatch):
    """Pass 2 cleans the file pass 1 kept, or reads it again (over KEEP_BYTES); here or on workers: same bytes."""
    corpus = write_corpus(tmp_path / "corpus", {"glued.txt": GLUED, "trial.txt": TRIAL, "hip.txt": HIP})
    kept = fresh(corpus, tmp_path / "kept", semantic=False)
    monkeypatch.setattr(corpus_module, "KEEP_BYTES", len(GLUED))  # only the first file is kept
    again = fresh(corpus, tmp_path / "again", semantic=False)
    with Workers(2) as workers:
        parallel = ix.build_index(corpus, tmp_path / "parallel", workers=workers, semantic=False)
    assert snapshot(kept.path) == snapshot(again.path) == snapshot(parallel.path)
    assert "performed using drugs" in (kept.path / "store" / "text.bin").read_text(encoding="utf-8")


def test_a_worker_running_other_code_stops_the_build(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "count_batch", other_code)
    with Workers(2) as workers, pytest.raises(WorkersUnavailable, match=r"runs other qa code"):
        ix.build_index(corpus, tmp_path / "index", workers=workers, semantic=False)
    assert not (tmp_path / "index" / "current").exists()


def fails(x):
    raise ValueError(f"task {x} failed")


def test_a_failing_task_raises_its_error():
    with Workers(2) as workers, pytest.raises(ValueError, match=r"task \d failed"):
        list(workers.map(fails, [(1,), (2,)]))


@pytest.mark.parametrize(
    ("processes", "tasks", "seconds", "parallel"),
    [(1, 100, 100.0, False), (2, 1, 100.0, False), (2, 10, 0.5, False), (2, 10, 5.0, True)],
)
def test_small_jobs_stay_in_this_process(processes, tasks, seconds, parallel, monkeypatch):
    monkeypatch.setattr("qa.util.workers.local_cores", lambda: processes)
    assert Workers().parallel(tasks, seconds) is parallel
    assert Workers(2).parallel(10, 0.01) is True  # a count asked for is used


def test_an_unreachable_scheduler_is_named(corpus, tmp_path):
    with Workers(scheduler="tcp://127.0.0.1:9", timeout=1) as workers, pytest.raises(WorkersUnavailable) as caught:
        ix.build_index(corpus, tmp_path / "index", workers=workers, semantic=False)
    assert caught.value.detail.startswith("cannot reach the Dask scheduler at tcp://127.0.0.1:9: ")


@pytest.fixture(scope="module")
def dask_cluster():
    """Two Dask worker processes and their scheduler on 127.0.0.1 (stopped after this module's tests)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # None still serves the dashboard on the fixed :8787 another cluster may hold
        worker_dashboard_address=None,
    ) as cluster:
        yield cluster


def test_a_build_through_a_two_worker_dask_cluster_equals_a_local_build(corpus, tmp_path, dask_cluster):
    progress = Recorder()
    with Workers(scheduler=dask_cluster.scheduler_address) as workers:
        report = ix.build_index(corpus, tmp_path / "index", workers=workers, progress=progress, semantic=True)
        assert workers.where == f"dask {dask_cluster.scheduler_address}"
    assert snapshot(report.path) == snapshot(fresh(corpus, tmp_path / "fresh", semantic=True).path)
    assert progress.last("files") == (3, 3) and progress.last("vectors") == (12, 12)
    vectors = np.load(report.path / "semantic" / "vectors.npy")
    assert vectors.shape == (9, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
