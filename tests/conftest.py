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


SMALL_CORPUS = {
    "ankle.txt": """Ankle Sprains

An ankle sprain happens when the ligaments of the ankle stretch or tear. Most ankle sprains heal with rest, \
ice and elevation within two weeks.

Severe sprains may need a brace or physical therapy. Surgery is rarely needed.

Shin Splints

Shin splints cause pain along the inner edge of the shin bone. Runners who increase their mileage too quickly \
often get shin splints.

Smith J, Doe A.Ankle sprain treatment in athletes.J Sports Med.
2019 Mar;12(3):45-50. doi:10.1000/jsm.2019.12
American Podiatric Association.Shin splints and runners.
""",
    "knee.md": """---
title: Knee care
---
# Knee Pain

Runners often feel knee pain after long runs. The patella can rub against the femur.

# Meniscus Tears

A meniscus tear is a rip in the cartilage of the knee [1]. Small meniscus tears often heal without surgery.

# References

1. Jones K. Meniscus tears in runners. Knee Surg. 2020;5(2):1-9.
""",
}


def write_corpus(folder: Path, files: dict[str, str] = SMALL_CORPUS) -> Path:
    """Write an inline corpus into `folder` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def small_index(tmp_path_factory) -> tuple[Path, Path]:
    """(corpus_dir, index_dir) of the two-document inline corpus, built once per session, lexical only
    (no passage vectors), so the tests on it pin down the BM25/TF-IDF ranking itself."""
    from qa.storage.index import build_index

    base = tmp_path_factory.mktemp("small")
    corpus = write_corpus(base / "corpus")
    build_index(corpus, base / "index", semantic=False)
    return corpus, base / "index"


@pytest.fixture(scope="session")
def small_qa(small_index):
    """The real QA over the inline corpus (read-only: do not rebuild it in a test)."""
    from qa.api import QA

    corpus, index = small_index
    return QA.open(index, corpus)


@pytest.fixture
def env_clean(monkeypatch):
    """No QA_* (or other declared) setting leaks in from the environment running the tests."""
    from qa import settings as qa_settings

    for s in qa_settings.SETTINGS:
        monkeypatch.delenv(s.env, raising=False)


@pytest.fixture(scope="session")
def seed_qa(tmp_path_factory):
    """The real QA over the project's own corpus/ (the seed article), built once per session."""
    from qa.api import QA

    return QA.from_corpus(ROOT / "corpus", tmp_path_factory.mktemp("seed") / "index")


@pytest.fixture(scope="session")
def seed_url(seed_qa):
    """The real app over `seed_qa`, served from a thread on a free loopback port for the whole session (the
    client and integration tests share it); yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    from qa import settings as qa_settings
    from qa.web import create_app

    with pytest.MonkeyPatch.context() as mp:  # no QA_* setting (API keys, rate limit) leaks in
        for s in qa_settings.SETTINGS:
            mp.delenv(s.env, raising=False)
        app = create_app({"QA": seed_qa})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def seed_client(seed_url):
    """A qa.client.Client on `seed_url` (no retries: a failure shows at once)."""
    from qa.client import Client

    with Client(seed_url, retries=0) as client:
        yield client


@pytest.fixture(params=["in-process", "http"])
def seed_source(request, seed_qa):
    """What a retriever answers from: the seed QA itself, then a Client to the seed app over HTTP."""
    return seed_qa if request.param == "in-process" else request.getfixturevalue("seed_client")


# --- web layer -------------------------------------------------------------------------------------


@pytest.fixture
def fake_qa():
    """A FakeQA: the qa.api.QA contract over a four-passage corpus (tests/fakes.py)."""
    from fakes import FakeQA

    return FakeQA()


@pytest.fixture
def make_app(fake_qa, env_clean):
    """Build an app over `fake_qa` with config overrides; the environment cannot leak settings in."""
    from qa.web import create_app

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
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (`make browser`, done by `make test` as root)")
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
