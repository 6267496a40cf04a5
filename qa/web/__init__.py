"""The web layer: the Flask app factory, JSON API v1 and the search page.

`create_app` is imported lazily so that `qa.web.gunicorn_conf` can set PROMETHEUS_MULTIPROC_DIR
before anything imports prometheus_client.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from qa.web.app import create_app

        return create_app
    raise AttributeError(f"module 'qa.web' has no attribute {name!r}")
