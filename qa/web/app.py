"""Flask application factory: defaults, then settings from the environment, then the given config."""

from __future__ import annotations

from typing import Any

from flask import Flask

from qa import settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `config` overrides settings read from the environment (tests pass it)."""
    app = Flask(__name__)
    app.config.update(settings.from_env())
    if config:
        app.config.update(config)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
