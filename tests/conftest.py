"""Shared fixtures: the project root, the shared evaluation data (skipped when absent), the app."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"needs the evaluation data in {SHARED} (present in CI, absent from a plain clone)")
    return SHARED


# --- web layer -------------------------------------------------------------------------------------


@pytest.fixture
def fake_qa():
    """A FakeQA: the qa.api.QA contract over a four-passage corpus (tests/fakes.py)."""
    from fakes import FakeQA

    return FakeQA()


@pytest.fixture
def make_app(fake_qa, monkeypatch):
    """Build an app over `fake_qa` with config overrides; the environment cannot leak settings in."""
    from qa import settings
    from qa.web import create_app

    for s in settings.SETTINGS:
        monkeypatch.delenv(s.env, raising=False)

    def build(**config):
        return create_app({"QA": fake_qa, **config})

    return build


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture
def live_server(app):
    """The app served from a thread on a free loopback port; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (never `playwright install`); skipped when absent."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is absent: install Debian's chromium (`make browser`, done by `make test` as root)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts(root) -> Path:
    """test-artifacts/ (gitignored) for screenshots."""
    folder = root / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder
