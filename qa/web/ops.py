"""Operations endpoints: liveness (/healthz), readiness with the index's identity (/readyz), /metrics."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app

from qa.errors import IndexUnavailable
from qa.web.api import check_api_key, current_qa

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up; says nothing about the index (a load balancer's liveness probe)."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> dict[str, Any]:
    """200 with the index's version, build time and counts, and whether semantic reranking is on; a 503
    problem naming the fix otherwise."""
    qa = current_qa()
    failed = current_app.extensions.get("qa_current_error")
    if failed:  # answering from an older build than `current`: not ready, and saying so
        raise IndexUnavailable(failed)
    changes = list(getattr(qa, "stale_changes", ()))
    return {"status": "ready", "index": qa.info.to_dict(), "semantic": qa.semantic, "stale": bool(changes),
            "changes": changes}  # fmt: skip


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus exposition: request counts and latencies, index gauges (all workers under gunicorn)."""
    check_api_key()  # Elasticsearch's rule: operational data is behind the same credentials as the data
    body, content_type = current_app.extensions["qa_metrics"].render()
    return Response(body, content_type=content_type)
