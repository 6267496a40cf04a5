"""Issue 13 rows 8, 9, 11, 14: a live build damaged on disk, a stale corpus, a damaged manifest, a full disk."""

import errno
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SMALL_CORPUS, write_corpus

from qa import cli
from qa.api import QA
from qa.errors import IndexCorrupt, IndexUnavailable
from qa.storage.index import MANIFEST, build_index, content_version, read_manifest
from qa.web import create_app


@pytest.fixture
def built(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    build_index(corpus, index, semantic=False)
    return corpus, index


def _app(corpus: Path, index: Path):
    return create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(corpus), "RELOAD_INTERVAL": 0})


# --- row 8: an array file of the live build truncated in place ------------------------------------------

SCENARIO = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from qa.web import create_app
    corpus, index, victim = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    client = create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(corpus), "RELOAD_INTERVAL": 0}).test_client()
    out = [client.get("/v1/ask?q=knee+pain").status_code]
    path = sorted((index / "current").glob(victim))[0]
    open(path, "w").close()  # `: > file`: truncated in place, under the live memory map
    for url in ("/v1/ask?q=knee+pain", "/v1/ask?q=ankle", "/readyz"):
        r = client.get(url)
        out.append([r.status_code, (r.get_json(force=True) or {}).get("detail", "")])
    print(json.dumps(out))
    """
)


@pytest.mark.parametrize("victim", ["engine/*.npy", "store/*.npy"])
def test_a_live_array_truncated_in_place_fails_readiness_without_a_crash(built, victim):
    """Run in a child: before the fix the next question touched the truncated map and died of SIGBUS."""
    corpus, index = built
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    run = subprocess.run(
        [sys.executable, "-c", SCENARIO, str(corpus), str(index), victim],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, f"child died (signal {-run.returncode})" if run.returncode < 0 else run.stderr[-2000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out[0] == 200
    assert [status for status, _ in out[1:]] == [503, 503, 503]
    name = victim.split("/")[0]
    for _, detail in out[1:]:  # relative to the index folder: no server path (row 16)
        assert detail.startswith("index file builds/") and f"/{name}/" in detail
        assert detail.endswith("is missing or truncated: run `qa build`")


def test_a_damaged_new_build_is_not_hidden_behind_the_old_one(built):
    corpus, index = built
    client = _app(corpus, index).test_client()
    old = client.get("/readyz").get_json()["index"]["version"]
    (corpus / "extra.txt").write_text("Ankles swell after long flights.\n")
    new = build_index(corpus, index, semantic=False).path
    victim = sorted((new / "engine").glob("*.npy"))[0]
    victim.write_bytes(victim.read_bytes()[:-4])
    ready = client.get("/readyz")
    assert ready.status_code == 503
    detail = ready.get_json(force=True)["detail"]
    assert f"the current build {new.name} cannot be loaded" in detail
    assert f"engine/{victim.name} is missing or truncated" in detail
    assert f"still answering from build {old}" in detail
    answer = client.get("/v1/ask?q=knee").get_json()
    assert answer["index"]["version"] == old  # said in every answer, and by /readyz: never silent


# --- row 9: the corpus changed since the build ---------------------------------------------------------


def test_a_corpus_edit_while_serving_is_flagged_everywhere(built):
    corpus, index = built
    client = _app(corpus, index).test_client()
    assert client.get("/readyz").get_json()["stale"] is False
    (corpus / "knee.md").write_text(SMALL_CORPUS["knee.md"].replace("long runs", "long walks"))
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.get_json()
    assert body["status"] == "ready" and body["stale"] is True
    assert body["index"]["stale"] is True
    assert body["changes"] == ["changed knee.md"]
    assert client.get("/v1/ask?q=knee").get_json()["index"]["stale"] is True
    assert b"qa_index_stale 1.0" in client.get("/metrics").data
    page = client.get("/?q=knee").get_data(as_text=True)
    assert "The index is older than the documents (changed knee.md): run <code>qa build</code>." in page
    (corpus / "knee.md").write_text(SMALL_CORPUS["knee.md"])  # put back: fresh again
    assert client.get("/readyz").get_json()["stale"] is False


def test_after_a_restart_a_stale_index_is_served_and_flagged_not_503(built):
    corpus, index = built
    (corpus / "ankle.txt").unlink()
    (corpus / "new.txt").write_text("Shin splints hurt.\n")
    client = _app(corpus, index).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["changes"] == ["added new.txt", "removed ankle.txt"]
    assert client.get("/v1/ask?q=ankle+sprain").status_code == 200


def test_the_library_still_raises_index_stale_unless_asked_to_flag(built):
    corpus, index = built
    (corpus / "new.txt").write_text("Shin splints hurt.\n")
    with pytest.raises(IndexUnavailable, match="added new.txt"):
        QA.open(index, corpus)
    qa = QA.open(index, corpus, stale="flag")
    assert qa.info.stale is True and qa.stale_changes == ("added new.txt",)


# --- row 11: the manifest is covered by a checksum ------------------------------------------------------


def _passages(m):
    m["counts"]["passages"] = 99_999


def _built_at(m):
    m["built_at"] = "2001-01-01T00:00:00Z"  # outside the version (a content hash): the checksum covers it


def _version(m):
    m["version"] = "f00f00f00f00"


def _no_checksum(m):
    del m["checksum"]


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (_passages, "fails its checksum"),
        (_built_at, "fails its checksum"),
        (_version, "fails its checksum"),
        (_no_checksum, "has no checksum"),
    ],
)
def test_a_valid_but_edited_manifest_is_detected(built, edit, says):
    corpus, index = built
    path = index / "current" / MANIFEST
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True))
    with pytest.raises(IndexCorrupt, match=says):
        QA.open(index, corpus)


def test_the_checksum_covers_everything_but_itself_and_the_version_stays_a_content_hash(built):
    corpus, index = built
    manifest = json.loads((index / "current" / MANIFEST).read_text())
    content = {k: v for k, v in manifest.items() if k != "checksum"}
    assert manifest["checksum"] == hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    assert manifest["version"] == content_version(manifest) == (index / "current").resolve().name


def test_qa_build_if_needed_rebuilds_a_damaged_manifest(built):
    corpus, index = built
    path = index / "current" / MANIFEST
    manifest = json.loads(path.read_text())
    manifest["counts"] = []  # valid JSON, every key there: loading it used to crash with a TypeError
    path.write_text(json.dumps(manifest))
    result = CliRunner().invoke(cli.main, ["build", "--if-needed", "--corpus", str(corpus), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "building: index manifest" in result.output and "fails its checksum" in result.output
    assert QA.open(index, corpus).info.passages > 0


def test_every_single_bit_flip_of_the_manifest_is_detected(built):
    """300 random single-bit flips: each is refused as IndexUnavailable (no crash, nothing loads)."""
    corpus, index = built
    path = index / "current" / MANIFEST
    original = path.read_bytes()
    rng = random.Random(13)
    outcomes = set()
    for _ in range(300):
        data = bytearray(original)
        bit = rng.randrange(len(data) * 8)
        data[bit // 8] ^= 1 << (bit % 8)
        path.write_bytes(bytes(data))
        try:
            read_manifest(path.parent)
        except IndexUnavailable:
            outcomes.add("refused")
        else:
            outcomes.add(f"loaded after flipping bit {bit}")
    path.write_bytes(original)
    assert outcomes == {"refused"}


# --- row 14: a full filesystem --------------------------------------------------------------------------


def test_a_full_disk_is_one_line_saying_what_was_kept(built, monkeypatch):
    """Simulated: numpy's save raises ENOSPC as a full filesystem does (the real one is the next test)."""
    corpus, index = built
    before = os.readlink(index / "current")
    import numpy as np

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "save", full)
    result = CliRunner().invoke(cli.main, ["build", "--no-progress", "--corpus", str(corpus), "--index", str(index)])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"error: no space left in {index}: the build was abandoned and its partial files removed; "
        f"the index being served ({Path(before).name}) was kept"
    ]
    assert os.readlink(index / "current") == before
    assert [p.name for p in (index / "builds").iterdir()] == [Path(before).name]


def test_a_real_full_filesystem(built, tmp_path):
    """A 600 KiB tmpfs (needs root and mount): the first build fits, the second does not (its cache entries
    or its files, whichever comes first, meet the full disk)."""
    corpus, _ = built
    mount = tmp_path / "tiny"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root); the simulated test covers the message")
    try:
        index = mount / "index"
        build_index(corpus, index, semantic=False)
        kept = os.readlink(index / "current")
        filler = mount / "filler"
        with filler.open("wb") as f:  # fill what is left, so the next build runs out of room
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        (corpus / "more.txt").write_text("Calf cramps at night are common. " * 50)
        args = ["build", "--no-progress", "--corpus", str(corpus), "--index", str(index)]
        result = CliRunner().invoke(cli.main, args)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.strip().splitlines() == [
            f"error: no space left in {index}: the build was abandoned and its partial files removed; "
            f"the index being served ({Path(kept).name}) was kept"
        ]
        filler.unlink()
        assert QA.open(index).info.version == Path(kept).name
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=False)  # lazy: QA.open above still maps its files
        shutil.rmtree(mount, ignore_errors=True)
