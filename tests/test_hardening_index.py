"""Index faults: corruption caught at load and rebuilt, killed builds harmless, one build at a time,
a rebuilt index picked up by the running service without a failed request."""

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_corpus

from qa.api import QA
from qa.cli import main
from qa.errors import IndexCorrupt, IndexUnavailable
from qa.storage import index as ix

QA_BIN = str(Path(sys.executable).with_name("qa"))
# fmt: off
WORDS = (
    "pain", "muscle", "runner", "knee", "ankle", "calf", "heel", "rest", "ice", "injury", "tendon", "bone",
    "stretch", "sprain", "walking", "swelling", "doctor", "therapy", "strength", "healing", "weeks", "common",
    "cause", "treatment", "exercise", "blood", "vessel", "nerve",
)
# fmt: on


def generated_corpus(folder: Path, documents: int, paragraphs: int, seed: int = 0) -> Path:
    """Documents of plain sentences, big enough that a build takes a couple of seconds."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for d in range(documents):
        parts = [f"Topic {d}"]
        for _ in range(paragraphs):
            sentences = (" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))) for _ in range(4))
            parts.append(" ".join(s.capitalize() + "." for s in sentences))
        (folder / f"doc{d:03d}.txt").write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def built(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    report = ix.build_index(corpus, tmp_path / "index")
    return corpus, tmp_path / "index", report


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-1])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "damage,message",
    [
        (lambda b: _truncate(b / "store" / "text.bin"), "index file {b}/store/text.bin is missing or truncated"),
        (lambda b: _flip(b / "store" / "text.bin"), "index file {b}/store/text.bin fails its checksum (corrupted)"),
        (lambda b: (b / "store" / "text.bin").unlink(), "index file {b}/store/text.bin is missing or truncated"),
        (lambda b: _truncate(b / "manifest.json"), "index manifest {b}/manifest.json is missing or unreadable"),
        (lambda b: (b / "manifest.json").write_text("[]"), "index manifest {b}/manifest.json is missing or unreadable"),
    ],
    ids=["truncated", "flipped-byte", "deleted", "manifest-truncated", "manifest-not-an-object"],
)
def test_a_damaged_index_is_caught_at_load_and_build_if_needed_rebuilds_it(built, damage, message):
    corpus, index, report = built
    damage(report.path)
    with pytest.raises(IndexUnavailable) as err:
        QA.open(index, corpus)
    assert err.value.detail == message.format(b=report.path) + ": run `qa build`"
    result = CliRunner().invoke(main, ["build", "--if-needed", "--no-progress", "--corpus", corpus, "--index", index])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"building: {err.value.detail}\n"
    assert result.stdout.startswith("built index ")
    qa = QA.open(index, corpus)
    assert qa.ask("ankle sprain").results[0].document_id == "ankle"


def _wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.002)
    return False


def _leftovers(index: Path) -> list[str]:
    return sorted(p.name for p in (index / "builds").glob(".tmp-*"))


KILL_POINTS = {
    "at-start": lambda index, proc: _wait_for(lambda: proc.poll() is not None, 0.2) or True,
    "while-reading": lambda index, proc: _wait_for(lambda: proc.poll() is not None, 0.8) or True,
    "tmp-folder-created": lambda index, proc: _wait_for(lambda: bool(_leftovers(index))),
    "engine-being-written": lambda index, proc: _wait_for(
        lambda: any((index / "builds" / t / "engine").exists() for t in _leftovers(index))
    ),
}


def test_a_build_killed_at_any_point_leaves_the_previous_index_serving(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    old = ix.build_index(corpus, index).info.version
    generated_corpus(corpus / "more", documents=40, paragraphs=20)
    killed_with_leftovers = 0
    for point, wait in KILL_POINTS.items():
        proc = subprocess.Popen(
            [QA_BIN, "build", "--no-progress", "--corpus", str(corpus), "--index", str(index)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait(index, proc), f"{point}: never reached"
        assert proc.poll() is None, f"{point}: the build finished before it could be killed"
        killed_with_leftovers += bool(_leftovers(index))
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
        qa = QA.open(index)
        assert qa.info.version == old, point
        assert qa.ask("ankle sprain").results[0].document_id == "ankle"
    assert killed_with_leftovers >= 2  # the kills really landed inside the write
    report = ix.build_index(corpus, index)
    assert report.info.documents == 42
    assert QA.open(index, corpus).info.version == report.info.version != old
    assert _leftovers(index) == []
    assert list(index.glob(".current-*")) == []


def test_a_second_build_with_no_wait_says_so_and_exits_2(built):
    corpus, index, _ = built
    with ix.build_lock(index):
        result = subprocess.run(
            [QA_BIN, "build", "--no-wait", "--no-progress", "--corpus", str(corpus), "--index", str(index)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr == f"error: another build of {index} is running (pid {os.getpid()})\n"
    assert result.stdout == ""


def test_a_second_build_waits_for_the_first(built):
    corpus, index, report = built
    (corpus / "hip.txt").write_text("Hip Pain\n\nHip pain is common in older runners.\n", encoding="utf-8")
    with ix.build_lock(index):
        proc = subprocess.Popen(
            [QA_BIN, "build", "--no-progress", "--corpus", str(corpus), "--index", str(index)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert not _wait_for(lambda: proc.poll() is not None, 1.0)  # blocked on the lock, not failed
        assert QA.open(index).info.version == report.info.version
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert out.startswith("built index ")
    assert QA.open(index, corpus).info.documents == 3


def test_two_builds_started_together_both_succeed_one_after_the_other(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    command = [QA_BIN, "build", "--no-progress", "--corpus", str(corpus), "--index", str(index)]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    qa = QA.open(index, corpus)
    assert qa.info.documents == 2
    assert [d for d in (index / "builds").iterdir() if d.name.startswith(".")] == []


# --- the running service picks up a new build -----------------------------------------------------


@pytest.fixture
def served(tmp_path, monkeypatch):
    """An app over a real index in tmp_path (reload checked on every request)."""
    from qa import settings
    from qa.web import create_app

    for s in settings.SETTINGS:
        monkeypatch.delenv(s.env, raising=False)
    corpus = write_corpus(tmp_path / "corpus")
    index = tmp_path / "index"

    def make(**config):
        return create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(corpus), "RELOAD_INTERVAL": 0, **config})

    return corpus, index, make


def _hammer(app, stop: threading.Event, results: list) -> None:
    client = app.test_client()
    urls = ["/v1/ask?q=ankle+sprain", "/readyz", "/?q=knee+pain", "/v1/documents", "/v1/passages/ankle-p1"]
    while not stop.is_set():
        for url in urls:
            r = client.get(url)
            results.append((url, r.status_code, r.get_json(silent=True)))


def test_a_rebuild_is_served_without_a_restart_or_a_failed_request(served):
    corpus, index, make = served
    old = ix.build_index(corpus, index).info.version
    app = make()
    stop, results = threading.Event(), []
    clients = [threading.Thread(target=_hammer, args=(app, stop, results)) for _ in range(3)]
    for t in clients:
        t.start()
    try:
        assert _wait_for(lambda: len(results) > 30)
        (corpus / "hip.txt").write_text("Hip Pain\n\nHip pain is common in older runners.\n", encoding="utf-8")
        new = ix.build_index(corpus, index).info.version
        seen_before_swap = len(results)
        assert _wait_for(lambda: len(results) > seen_before_swap + 30)
    finally:
        stop.set()
        for t in clients:
            t.join(timeout=30)
    failures = [(url, status) for url, status, _ in results if status != 200]
    assert failures == []
    versions = [body["index"]["version"] for url, _, body in results if url == "/readyz"]
    assert versions[0] == old and versions[-1] == new != old
    ready = app.test_client().get("/readyz").get_json()
    assert (ready["index"]["version"], ready["index"]["documents"]) == (new, 3)
    hip = app.test_client().get("/v1/ask?q=hip+pain+older+runners").get_json()
    assert hip["results"][0]["document_id"] == "hip"


def test_a_service_started_without_an_index_serves_it_once_built(served):
    corpus, index, make = served
    client = make().test_client()
    assert client.get("/readyz").status_code == 503
    assert client.get("/v1/ask?q=ankle").status_code == 503
    version = ix.build_index(corpus, index).info.version
    assert client.get("/readyz").get_json()["index"]["version"] == version
    assert client.get("/v1/ask?q=ankle+sprain").get_json()["results"][0]["document_id"] == "ankle"


def test_a_corrupt_new_build_keeps_the_old_one_answering_but_not_ready(served):
    corpus, index, make = served
    old = ix.build_index(corpus, index).info.version
    client = make().test_client()
    assert client.get("/readyz").get_json()["index"]["version"] == old
    (corpus / "hip.txt").write_text("Hip Pain\n\nHip pain is common in older runners.\n", encoding="utf-8")
    new = ix.build_index(corpus, index)
    _flip(new.path / "store" / "text.bin")
    for _ in range(3):  # answers still come from the old build, each saying which; /readyz says why not ready
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert f"still answering from build {old}" in ready.get_json(force=True)["detail"]
        answer = client.get("/v1/ask?q=ankle+sprain")
        assert answer.status_code == 200 and answer.get_json()["index"]["version"] == old
    with pytest.raises(IndexCorrupt):
        QA.open(index)


def test_reload_checks_are_throttled_by_the_interval(served, monkeypatch):
    corpus, index, make = served
    ix.build_index(corpus, index)
    calls = []
    monkeypatch.setattr(QA, "reload_if_changed", lambda self: calls.append(1) or False)
    client = make(RELOAD_INTERVAL=3600).test_client()
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
    assert len(calls) == 1
    every = make(RELOAD_INTERVAL=0).test_client()
    for _ in range(5):
        every.get("/healthz")
    assert len(calls) == 6
