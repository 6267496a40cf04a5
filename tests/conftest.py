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
