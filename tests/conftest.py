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
