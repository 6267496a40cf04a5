"""gunicorn with qa's config opens no control socket: gunicorn 25.1+ gives every server of a user the same
~/.gunicorn/gunicorn.ctl (the last started takes it over, the first to stop deletes it), so two servers on
one host (replicas, a test run beside `make run`) would steer each other through `gunicornc`."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = (
    "def app(environ, start_response):\n"
    '    start_response("200 OK", [("Content-Type", "text/plain")])\n'
    '    return [b"ok"]\n'
)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No QA_*/PROMETHEUS_* of the caller; a home of its own, where gunicorn would put its control socket."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "PROMETHEUS", "XDG_RUNTIME"))}
    (tmp_path / "home").mkdir(exist_ok=True)
    (tmp_path / "metrics").mkdir(exist_ok=True)
    env |= {"HOME": str(tmp_path / "home"), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT)])
    return env | extra


def test_gunicorn_reads_the_control_socket_as_disabled_from_qas_config(tmp_path):
    code = (
        "import sys\n"
        "from gunicorn.app.wsgiapp import WSGIApplication\n"
        "sys.argv = ['gunicorn', '--config', 'python:qa.web.gunicorn_conf', 'wsgi:app']\n"
        "cfg = WSGIApplication('%(prog)s [OPTIONS] [APP_MODULE]').cfg\n"
        "print(cfg.control_socket_disable, cfg.preload_app)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True"]  # preload_app: the config file was read at all


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_running_gunicorn_with_qas_config_leaves_no_control_socket(tmp_path):
    (tmp_path / "tinyapp.py").write_text(APP, encoding="utf-8")
    port = _free_port()
    env = _env(tmp_path, HOST="127.0.0.1", PORT=str(port), WORKERS="1")
    cmd = [sys.executable, "-m", "gunicorn", "--config", "python:qa.web.gunicorn_conf", "--log-level", "info"]
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([*cmd, "tinyapp:app"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline, body = time.monotonic() + 60, None
            while body is None and time.monotonic() < deadline and proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                        body = r.read()
                except OSError:
                    time.sleep(0.1)
            assert body == b"ok", log.read_text(errors="replace")[-2000:]
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    text = log.read_text(errors="replace")
    assert "Booting worker" in text  # the log is gunicorn's, at info level
    assert "Control socket" not in text
    assert not (tmp_path / "home" / ".gunicorn").exists()


def test_a_worker_with_the_encoder_loaded_exits_cleanly_when_told_to(tmp_path):
    """The OpenVINO encoder's executor threads exist only in the master (the app is preloaded, the
    workers fork): Python's finalization in a worker waited for them forever, so every worker stopped
    with TERM hung until the master killed it (WORKER TIMEOUT, SIGKILL). The worker_exit hook ends the
    process with its own exit code instead: the master reaps a clean exit and boots a replacement."""
    import psutil
    from conftest import write_corpus

    from qa.storage.index import build_index

    corpus, index = write_corpus(tmp_path / "corpus"), tmp_path / "index"
    assert (build_index(corpus, index, semantic=True).path / "semantic" / "vectors.npy").exists()
    port = _free_port()
    env = _env(tmp_path, HOST="127.0.0.1", PORT=str(port), WORKERS="1", QA_INDEX_DIR=str(index))
    env["QA_CORPUS_DIR"] = str(corpus)
    cmd = [sys.executable, "-m", "gunicorn", "--config", "python:qa.web.gunicorn_conf", "--log-level", "info"]
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([*cmd, "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            master = psutil.Process(proc.pid)
            deadline, answer = time.monotonic() + 120, None
            while answer is None and time.monotonic() < deadline and proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/ask?q=ankle+sprain", timeout=10) as r:
                        answer = r.read()
                except OSError:
                    time.sleep(0.2)
            assert answer is not None, log.read_text(errors="replace")[-2000:]
            (worker,) = master.children()
            worker.send_signal(signal.SIGTERM)
            deadline, replaced = time.monotonic() + 90, False
            while not replaced and time.monotonic() < deadline:  # bounded; the outcome is the log's
                replaced = any(child.pid != worker.pid for child in master.children())
                time.sleep(0.1)
            assert replaced
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    text = log.read_text(errors="replace")
    assert f"Worker exiting (pid: {worker.pid})" in text
    assert "WORKER TIMEOUT" not in text and "was sent" not in text and "exited with code" not in text
