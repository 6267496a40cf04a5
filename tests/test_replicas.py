"""Serving replicas: two gunicorn servers on loopback share one index folder (read-only, without the corpus)
and both move to a new build, without a restart or a failed request, when it is built."""

import json
import threading
import time
import urllib.error
import urllib.request
from contextlib import ExitStack

import pytest
from conftest import write_corpus

from bench.http import gunicorn
from qa.storage import index as ix

PATHS = ("/readyz", "/v1/ask?q=ankle+sprain&k=1", "/v1/ask?q=hip+pain+older+runners&k=1")


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def _hammer(base: str, stop: threading.Event, seen: list) -> None:
    while not stop.is_set():
        for path in PATHS:
            status, body = _get(base + path)
            seen.append((time.monotonic(), path, status, body))


def _versions(seen: list) -> list[str]:
    return [body["index"]["version"] for _, path, status, body in seen if path == "/readyz" and status == 200]


def _wait(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_two_servers_over_one_index_folder_both_switch_to_a_rebuild_with_no_failed_request(tmp_path):
    corpus, index = write_corpus(tmp_path / "corpus"), tmp_path / "index"
    old = ix.build_index(corpus, index, semantic=False).info.version
    replica = {"QA_RELOAD_INTERVAL": "0.2", "QA_SEMANTIC": "off"}
    with ExitStack() as stack:  # the replicas see the index only: no corpus, so no staleness check
        bases = [stack.enter_context(gunicorn(index, tmp_path / "no-corpus", 1, replica))[0] for _ in range(2)]
        stop, seen = threading.Event(), {base: [] for base in bases}
        clients = [threading.Thread(target=_hammer, args=(base, stop, seen[base])) for base in bases]
        for client in clients:
            client.start()
        try:
            assert _wait(lambda: all(len(_versions(s)) >= 5 for s in seen.values()))
            (corpus / "hip.txt").write_text("Hip Pain\n\nHip pain is common in older runners.\n", encoding="utf-8")
            new = ix.build_index(corpus, index, semantic=False).info.version
            assert _wait(lambda: all(_versions(s)[-3:] == [new] * 3 for s in seen.values()))
            hips = [_get(base + PATHS[2]) for base in bases]
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=30)
    assert new != old
    for base, requests in seen.items():
        assert [(path, status) for _, path, status, _ in requests if status != 200] == [], base
        versions = _versions(requests)
        switch = versions.index(new)
        assert set(versions[:switch]) == {old} and set(versions[switch:]) == {new}, base  # never back
    assert [(status, body["results"][0]["document_id"]) for status, body in hips] == [(200, "hip")] * 2
