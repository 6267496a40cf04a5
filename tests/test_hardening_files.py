"""Issue 13 rows 6, 7, 17: symlinks out of the corpus, unreadable files and folders, stable readable ids.

Unreadable files are tested honestly as root too: the build runs in a forked child that has dropped to
uid/gid 65534 (nobody), for whom mode 000 does stop reads; as a non-root user the build runs in-process."""

import json
import os
import stat

import pytest
from click.testing import CliRunner
from conftest import SMALL_CORPUS, write_corpus

from bench.incremental import snapshot
from qa import cli
from qa.ingest.corpus import load_corpus
from qa.ingest.reader import assign_ids
from qa.storage.index import build_index, corpus_hashes
from qa.util.workers import Workers

NOBODY = 65534


# --- row 6: symbolic links ---------------------------------------------------------------------------


def test_a_symlink_out_of_the_corpus_is_skipped_with_a_reason(tmp_path):
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\nbin nologin\n")
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "passwd.txt").symlink_to(secret)
    (corpus / "inside.txt").symlink_to(corpus / "ankle.txt")  # inside the corpus: a duplicate, as a copy
    result = load_corpus(corpus)
    assert [d.id for d in result.documents] == ["ankle", "knee"]
    assert result.skipped == (
        ("corpus/inside.txt", "corpus/inside.txt: duplicate of corpus/ankle.txt"),
        (
            "corpus/passwd.txt",
            "corpus/passwd.txt: a symbolic link to a file outside the corpus folder, not followed "
            "(copy the file in to index it)",
        ),
    )
    assert "passwd.txt" not in corpus_hashes(corpus)
    assert all("root:x" not in p.text for p in result.passages)


def test_a_symlinked_folder_out_of_the_corpus_is_not_entered(tmp_path):
    outside = tmp_path / "etc"
    outside.mkdir()
    (outside / "shadow.txt").write_text("root secret hash\n")
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "etc").symlink_to(outside, target_is_directory=True)
    assert [d.id for d in load_corpus(corpus).documents] == ["ankle", "knee"]
    assert sorted(corpus_hashes(corpus)) == ["ankle.txt", "knee.md"]


def test_an_outside_link_is_never_cached_so_a_real_copy_of_its_target_is_indexed(tmp_path):
    """The cache keys a file's result by its bytes: a skipped link out must not leave a result that a real
    file with the same bytes would reuse."""
    outside = tmp_path / "outside.txt"
    outside.write_text("Shin splints ache along the tibia after long runs.\n")
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "shin.txt").symlink_to(outside)
    first = build_index(corpus, tmp_path / "index", semantic=False)
    assert [p for p, _ in first.skipped] == ["corpus/shin.txt"]
    (corpus / "shin.txt").unlink()
    (corpus / "shin.txt").write_bytes(outside.read_bytes())
    again = build_index(corpus, tmp_path / "index", semantic=False)
    assert again.skipped == () and again.info.documents == 3
    assert snapshot(again.path) == snapshot(build_index(corpus, tmp_path / "fresh", semantic=False, cache=False).path)


def test_a_sidecar_linked_out_of_the_corpus_is_not_read(tmp_path):
    secret = tmp_path / "meta.json"
    secret.write_text('{"title": "root:x:0:0"}')
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "knee.meta.json").symlink_to(secret)
    for cache in (False, True):
        report = build_index(corpus, tmp_path / f"index-{cache}", semantic=False, cache=cache)
        assert report.skipped == (
            (
                "corpus/knee.md",
                "corpus/knee.md: metadata file knee.meta.json is a symbolic link outside the corpus folder, "
                "not followed",
            ),
        )


# --- row 7: permissions --------------------------------------------------------------------------------


def _as_nobody(fn):
    """fn() run without read-anything privileges: as this user when not root, else in a forked child
    that drops to nobody; returns fn's JSON-able result (or raises what the child said)."""
    if os.geteuid() != 0:
        return fn()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            out = {"ok": fn()}
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            out = {"error": f"{type(exc).__name__}: {exc}"}
        os.write(write, json.dumps(out).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        data = f.read()
    os.waitpid(pid, 0)
    out = json.loads(data)
    if "error" in out:
        raise AssertionError(out["error"])
    return out["ok"]


@pytest.fixture
def open_tmp(tmp_path_factory):
    """A folder everyone may enter and write (nobody builds in it), removed as root afterwards."""
    base = tmp_path_factory.mktemp("perm")
    for folder in [base, *base.parents]:
        if str(folder) in ("/", "/tmp"):
            break
        folder.chmod(folder.stat().st_mode | stat.S_IXOTH | stat.S_IROTH)
    base.chmod(0o777)
    return base


def test_an_unreadable_file_and_folder_are_skipped_and_named(open_tmp, monkeypatch):
    # lexical only: what is under test is the corpus files, and the encoder may cache in root's home
    monkeypatch.setenv("QA_SEMANTIC", "off")
    corpus = write_corpus(open_tmp / "corpus", {**SMALL_CORPUS, "private.txt": "Secret notes.\n"})
    (corpus / "locked").mkdir()
    (corpus / "locked" / "inner.txt").write_text("Hidden by the folder.\n")
    for path in [corpus, *corpus.iterdir()]:
        path.chmod(0o777 if path.is_dir() else 0o666)
    (corpus / "private.txt").chmod(0o000)
    (corpus / "locked").chmod(0o000)
    index = open_tmp / "index"

    def build() -> dict:
        result = CliRunner().invoke(cli.main, ["build", "--corpus", str(corpus), "--index", str(index)])
        crash = [repr(result.exception)] if result.exit_code not in (0, 2) else []
        skips = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
        return {"code": result.exit_code, "lines": skips + result.stdout.strip().splitlines() + crash}

    # The same build once as ourselves first: the child cannot import anything more when the interpreter
    # lives in a folder only root may read (here, /root/.pyenv), so every lazy import happens now.
    warm = write_corpus(open_tmp / "warm", {**SMALL_CORPUS, "private.txt": "Secret notes.\n"})
    CliRunner().invoke(cli.main, ["build", "--corpus", str(warm), "--index", str(open_tmp / "warm-index")])
    try:
        out = _as_nobody(build)
    finally:
        (corpus / "locked").chmod(0o755)
        (corpus / "private.txt").chmod(0o644)
    assert out["code"] == 0, out["lines"]
    assert out["lines"][:2] == [
        "skipped corpus/locked/: permission denied (folder not read)",
        "skipped corpus/private.txt: permission denied",
    ]
    assert out["lines"][-1].endswith("; skipped 2 file(s)")
    # readable again: the next (cached) build reads them; no "permission denied" was kept for their bytes
    again = build()
    assert again["code"] == 0 and not any(line.startswith("skipped") for line in again["lines"]), again["lines"]
    assert ": 4 documents, " in again["lines"][-1], again["lines"]  # ankle, knee, private, locked/inner


def test_a_file_that_raises_permission_error_is_skipped(tmp_path, monkeypatch):
    """The same through a patched read (as another user would see it), for machines without fork/setuid."""
    corpus = write_corpus(tmp_path / "corpus")
    real = type(corpus).read_bytes

    def guarded(self):
        if self.name == "knee.md":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(type(corpus), "read_bytes", guarded)
    result = load_corpus(corpus)
    assert [d.id for d in result.documents] == ["ankle"]
    assert result.skipped == (("corpus/knee.md", "corpus/knee.md: permission denied"),)


def test_unreadable_files_in_a_parallel_cached_build_are_skipped_then_read_once_readable(tmp_path, monkeypatch):
    """Two worker processes (forked after the patch, so they see it too) and the cache: the skip is
    named, never cached, and the file is indexed by the next build once it can be read."""
    corpus = write_corpus(tmp_path / "corpus", {**SMALL_CORPUS, "calf.txt": "Calf strains need rest.\n"})
    real_open, real_read = type(corpus).open, type(corpus).read_bytes

    def denied(real):
        def guarded(self, *args, **kwargs):
            if self.name == "knee.md":
                raise PermissionError(13, "Permission denied", str(self))
            return real(self, *args, **kwargs)

        return guarded

    with monkeypatch.context() as patch:
        patch.setattr(type(corpus), "open", denied(real_open))
        patch.setattr(type(corpus), "read_bytes", denied(real_read))
        with Workers(2) as workers:
            first = build_index(corpus, tmp_path / "index", workers=workers, semantic=False)
    assert first.skipped == (("corpus/knee.md", "corpus/knee.md: permission denied"),)
    assert "knee.md" not in json.loads((first.path / "manifest.json").read_text())["corpus"]["files"]
    with Workers(2) as workers:
        again = build_index(corpus, tmp_path / "index", workers=workers, semantic=False)
    assert again.skipped == () and again.info.documents == 3
    assert snapshot(again.path) == snapshot(build_index(corpus, tmp_path / "fresh", semantic=False, cache=False).path)


# --- row 17: ids ----------------------------------------------------------------------------------------


def test_adding_a_file_never_renames_an_unrelated_one():
    before = assign_ids(["calf.txt", "calf.md"])
    after = assign_ids(["calf.txt", "calf.md", "calf-md.txt"])
    assert before == {"calf.txt": "calf-txt", "calf.md": "calf-md"}
    assert after == {"calf.txt": "calf-txt", "calf.md": "calf-md", "calf-md.txt": "calf-md-txt"}
    assert assign_ids(["calf.md", "calf-md.txt"]) == {"calf.md": "calf", "calf-md.txt": "calf-md"}


def test_ids_still_shared_get_a_hash_of_their_own_path_not_a_position():
    ids = assign_ids(["a-b.txt", "a_b.txt"])
    assert ids == {"a-b.txt": "a-b-txt-427978", "a_b.txt": "a-b-txt-bd3722"}
    assert assign_ids(["a_b.txt", "a-b.txt", "zzz.txt"])["a_b.txt"] == "a-b-txt-bd3722"


@pytest.mark.parametrize(
    "paths,ids",
    [
        (["日本語.txt", "中文.txt"], ["日本語", "中文"]),
        (["資料/痛み.md", "資料/痛み.txt"], ["資料-痛み-md", "資料-痛み-txt"]),
        (["Ünïcode_ß.txt", "Ελληνικά.md", "русский.html"], ["unicode-ss", "ελληνικά", "русский"]),
    ],
)
def test_non_latin_names_keep_readable_distinct_ids(paths, ids):
    assert assign_ids(paths) == dict(zip(paths, ids, strict=True))


class Files:
    """A progress reporter that keeps the first "files" report: (results reused from the cache, files)."""

    def __init__(self) -> None:
        self.first: tuple[int, int] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "files" and self.first is None:
            self.first = (done, total)


def test_cached_results_follow_ids_that_stay_and_ids_that_change(tmp_path):
    """The cache key holds the document id: a file whose id stays is reused, one whose id changes is read
    again (its passage ids change with it), and the build equals one from nothing."""
    corpus = write_corpus(tmp_path / "corpus", {**SMALL_CORPUS, "calf.md": "# Calf\n\nCalf strains need rest.\n"})
    index = tmp_path / "index"
    build_index(corpus, index, semantic=False)
    (corpus / "calf-md.txt").write_text("Calf cramps come at night.\n")
    files = Files()
    report = build_index(corpus, index, semantic=False, progress=files)
    assert files.first == (3, 4)  # calf.md kept its id "calf": its cached result is reused
    (corpus / "calf.txt").write_text("Calf raises strengthen the soleus.\n")
    files = Files()
    report = build_index(corpus, index, semantic=False, progress=files)
    assert files.first == (2, 5)  # calf.md is now "calf-md" and calf-md.txt "calf-md-txt": read again
    store = json.loads((report.path / "manifest.json").read_text())
    assert store["counts"]["documents"] == 5
    from qa.api import QA

    qa = QA.open(index, corpus)
    assert [d.id for d in qa.documents()] == ["ankle", "calf-md-txt", "calf-md", "calf-txt", "knee"]  # path order
    assert qa.passage("calf-md-p1").document_id == "calf-md"
    assert snapshot(report.path) == snapshot(build_index(corpus, tmp_path / "fresh", semantic=False, cache=False).path)


def test_a_cjk_document_is_served_under_its_readable_id(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "膝.txt").write_text("Knee pain after long runs.\n")
    (corpus / "足首.txt").write_text("Ankle sprains heal in weeks.\n")
    from qa.api import QA

    qa = QA.from_corpus(corpus, tmp_path / "index", semantic=False)
    assert [d.id for d in qa.documents()] == ["膝", "足首"]
    assert qa.passage("膝-p1").document_id == "膝"
