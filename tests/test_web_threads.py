"""gunicorn's threads (THREADS): 1 runs sync workers, more run gthread workers whose concurrent new questions
share the sentence encoder's calls (qa.vectors.encoder.Encoder.encode_together); answers are the same as one
question at a time, and a bad value stops gunicorn with a message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from bench import http

ROOT = Path(__file__).resolve().parent.parent
READ_CONFIG = (
    "import sys\n"
    "from gunicorn.app.wsgiapp import WSGIApplication\n"
    "sys.argv = ['gunicorn', '--config', 'python:qa.web.gunicorn_conf', 'wsgi:app']\n"
    "cfg = WSGIApplication('%(prog)s [OPTIONS] [APP_MODULE]').cfg\n"
    "print(cfg.worker_class_str, cfg.threads)\n"
)


def _read_config(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("THREADS", "WORKERS") and not k.startswith("PROMETHEUS")}
    env |= {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), **settings}
    return subprocess.run(
        [sys.executable, "-c", READ_CONFIG], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(("settings", "expected"), [({}, "sync 1"), ({"THREADS": "1"}, "sync 1"),
                                                    ({"THREADS": "4"}, "gthread 4")])  # fmt: skip
def test_threads_choose_the_worker_class(tmp_path, settings, expected):
    out = _read_config(tmp_path, **settings)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "THREADS must be a whole number ≥ 1 (1: sync workers), not 0"),
        ("-2", "THREADS must be a whole number ≥ 1 (1: sync workers), not -2"),
        ("two", "setting THREADS='two' is not a valid int"),
    ],
)
def test_bad_threads_stop_gunicorn_with_a_message(tmp_path, value, message):
    out = _read_config(tmp_path, THREADS=value)
    assert out.returncode != 0
    assert message in out.stderr


def _timeless(body: dict) -> dict:
    """The body without `took_ms`, the one field that is not a function of the index and the question."""
    assert isinstance(body.pop("took_ms"), float)
    return body


def _ask(base: str, question: str) -> tuple[int, dict]:
    with urllib.request.urlopen(base + http.ask_paths((question,))[0], timeout=60) as r:
        return r.status, _timeless(json.loads(r.read()))


def test_concurrent_new_questions_get_the_answers_of_serial_ones(tmp_path):
    """One gthread worker, four client threads, 48 questions never asked before: every answer equals the one the
    same index gives a question at a time in this process."""
    from qa.api import QA
    from qa.web import create_app

    index = http.seed_index(tmp_path)
    questions = http.new_questions(48, seed=7)
    got: dict[str, tuple[int, dict]] = {}
    with http.gunicorn(index, ROOT / "corpus", 1, {"THREADS": "4"}) as (base, _):

        def client(part: list[str]) -> None:
            for q in part:
                got[q] = _ask(base, q)

        clients = [threading.Thread(target=client, args=(questions[i::4],), daemon=True) for i in range(4)]
        for c in clients:
            c.start()
        for c in clients:
            c.join(120)
        assert not any(c.is_alive() for c in clients)
    serial = create_app({"QA": QA.open(index)}).test_client()
    for q in questions:
        response = serial.get(http.ask_paths((q,))[0])
        assert response.status_code == 200 and got[q] == (200, _timeless(response.get_json())), q
