"""Flask application factory: defaults, then settings from the environment, then the given config."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import Map

from qa import settings
from qa.api import QA
from qa.errors import IndexUnavailable, QAError
from qa.storage import index as index_files
from qa.web import api, errors, hooks, metrics, openapi, ops, page

log = logging.getLogger("qa.web")
BUILD_HINT = "Run `qa build` (or `make build`) to build it; the server picks it up without a restart."
_RELOAD_LOCK = threading.Lock()


class _UrlMap(Map):
    """No merging of `//` by redirect: werkzeug's redirect names the host the client sent (`Host:
    evil.example`), so a double slash would bounce a visitor to any host; it is a plain 404 instead."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["merge_slashes"] = False
        super().__init__(*args, **kwargs)


class _Flask(Flask):
    url_map_class = _UrlMap


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `config` overrides settings read from the environment (tests pass `{"QA": fake}`)."""
    app = _Flask(__name__)
    app.config.update(settings.from_env())
    app.config.update(config or {})
    app.config["DEBUG"] = False  # never the debugger: it executes code sent by whoever sees it
    app.json.sort_keys = False  # keep the models' field order
    hooks.configure_logging(str(app.config["LOG_LEVEL"]))
    hooks.register(app)  # first: every later hook and error sees the request id
    errors.register(app)
    _load_qa(app)
    app.before_request(_reload_index)
    app.extensions["qa_api_keys"] = _split(app.config["API_KEYS"])
    app.extensions["qa_public_page"] = _on(app.config.get("PUBLIC_PAGE"))
    app.extensions["qa_metrics"] = metrics.Metrics(lambda: _info(app))
    for blueprint in (api.bp, page.bp, ops.bp, openapi.bp):
        app.register_blueprint(blueprint)
    _cors(app)
    _rate_limit(app)
    if int(app.config["PROXY_HOPS"]) > 0:
        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app


def _load_qa(app: Flask) -> None:
    """Open the index once; on failure keep serving /healthz and let /readyz and /v1 say what to run."""
    previous = app.extensions.get("qa_error")
    app.extensions["qa"] = None
    app.extensions["qa_error"] = None
    if app.config.get("QA") is not None:
        app.extensions["qa"] = app.config["QA"]
        return
    index_dir = Path(app.config["INDEX_DIR"])
    corpus_dir = Path(app.config["CORPUS_DIR"])
    try:
        # a stale index is served as built and flagged (as a search engine serves what it indexed)
        app.extensions["qa"] = QA.open(index_dir, corpus_dir if corpus_dir.is_dir() else None, stale="flag")
        app.extensions["qa"].warm_up()  # before gunicorn forks: workers inherit loaded word lists
    except QAError as exc:
        detail = exc.detail if "qa build" in exc.detail else f"{exc.detail} {BUILD_HINT}"
        app.extensions["qa_error"] = detail
        if detail != previous:  # retried on requests until it works: say each new reason once
            log.warning("index unavailable: %s", detail)
    except Exception:
        app.extensions["qa_error"] = f"the index in {index_dir} could not be loaded (see the server log). {BUILD_HINT}"
        if app.extensions["qa_error"] != previous:
            log.exception("could not open the index in %s", index_dir)


def _reload_index() -> None:
    """At most once per RELOAD_INTERVAL per worker: switch to a newer build, or open the index if start-up
    could not. A failure keeps the build being served (and is logged): a request never fails for it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("QA") is not None:
        return  # an injected QA (tests, embedding) is the caller's to manage
    now = time.monotonic()
    with _RELOAD_LOCK:
        if now < app.extensions.get("qa_reload_at", 0.0):
            return
        app.extensions["qa_reload_at"] = now + float(app.config["RELOAD_INTERVAL"])
    qa = app.extensions.get("qa")
    if qa is None:
        _load_qa(app)
        if app.extensions["qa"] is not None:
            log.info("index loaded: %s", app.extensions["qa"].info.version)
        return
    if not hasattr(qa, "check_files"):  # an object with the QA contract but not its files (a test double)
        return
    _switch_build(app, qa)
    try:
        qa.check_files()
    except IndexUnavailable as exc:  # never touch the memory maps of a damaged build (SIGBUS)
        app.extensions["qa"] = None
        app.extensions["qa_error"] = exc.detail if "qa build" in exc.detail else f"{exc.detail} {BUILD_HINT}"
        log.error("the index being served is damaged, no longer answering from it: %s", exc.detail)
        return
    qa.check_stale()


def _switch_build(app: Flask, qa: QA) -> None:
    """Load the build `current` points at when it moved; one that fails to load is tried again only
    when `current` moves once more, and until then /readyz says why (the old build keeps answering)."""
    try:
        build = index_files.current_build(qa.index_dir)
    except IndexUnavailable:
        return
    if build == app.extensions.get("qa_failed_build"):
        return
    try:
        if qa.reload_if_changed():
            log.info("index reloaded: now serving %s", qa.info.version)
            app.extensions["qa_current_error"] = None
    except Exception as exc:
        reason = exc.detail if isinstance(exc, QAError) else "see the server log"
        app.extensions["qa_failed_build"] = build
        app.extensions["qa_current_error"] = (
            f"the current build {build.name} cannot be loaded ({reason}); still answering from build {qa.info.version}"
        )
        log.exception("a new index build could not be loaded; still serving %s", qa.info.version)


def _info(app: Flask) -> Any:
    qa = app.extensions.get("qa")
    return qa.info if qa is not None else None


def _split(value: Any) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(v.strip() for v in str(value or "").split(",") if v.strip())


def _on(value: Any) -> bool:
    """A boolean setting: True, or text such as 1/true/yes/on."""
    return value is True or str(value or "").strip().lower() in ("1", "true", "yes", "on")


def _cors(app: Flask) -> None:
    origins = _split(app.config["CORS_ORIGINS"])
    if not origins:
        return
    CORS(
        app,
        resources={r"/v1/*": {"origins": "*" if "*" in origins else list(origins)}},
        send_wildcard="*" in origins,
        allow_headers=["Content-Type", "X-API-Key", "Authorization", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After"],
        methods=["GET", "POST", "OPTIONS"],
        max_age=600,
    )


def _rate_limit(app: Flask) -> None:
    limit = str(app.config["RATE_LIMIT"] or "").strip()
    if not limit:
        return
    try:
        parse_many(limit)
    except ValueError as exc:
        raise ValueError(f"setting QA_RATE_LIMIT={limit!r} is not a rate limit like '60/minute'") from exc
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=str(app.config["RATE_LIMIT_STORAGE_URI"]),
        headers_enabled=False,  # Retry-After is set on the 429 problem only (errors.py)
        swallow_errors=True,  # a storage outage (redis down) logs and lets requests through, never a 500
        strategy="moving-window",  # no double burst at window edges; tests cannot straddle a boundary
        key_prefix="qa",
    )
    shared = limiter.shared_limit(limit, scope="v1")  # one budget per client across /v1 and the page
    shared(api.bp)
    shared(page.bp)
    app.extensions["qa_limiter"] = limiter
