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
