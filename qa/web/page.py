"""The search page: `/?q=…` renders answers server-side (no JavaScript), `/passages/<id>` shows context."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from qa.answering.example import example_question
from qa.api import DEFAULT_K, DEFAULT_MODE, MODES, QA, is_blank, validate_k, validate_mode, validate_question
from qa.errors import NotFound
from qa.models import Answer, Passage
from qa.web.api import check_api_key, check_budget, current_qa
from qa.web.render import highlight, safe_url

bp = Blueprint("page", __name__)


@bp.before_request
def require_api_key() -> None:
    """The page serves the corpus as /v1 does: the same keys, unless QA_PUBLIC_PAGE opts out explicitly."""
    if not current_app.extensions.get("qa_public_page"):
        check_api_key(page=True)


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    return {"highlight": highlight, "safe_url": safe_url, "modes": MODES}


@bp.get("/")
def index() -> str:
    """The question box; with a non-blank `q`, the answer (or the honest no-answer) below it."""
    raw_q = request.args.get("q", "")
    answer: Answer | None = None
    k = validate_k(request.args.get("k") or DEFAULT_K, text=True)
    mode = validate_mode(request.args.get("mode") or DEFAULT_MODE)
    stale: tuple[str, ...] = ()
    if not is_blank(raw_q):
        question = validate_question(raw_q, "q")
        check_budget([question])
        qa = current_qa()
        answer = qa.ask(question, k=k, mode=mode)
        stale = tuple(getattr(qa, "stale_changes", ()))
    return render_template(
        "index.html",
        q=raw_q,
        answer=answer,
        k=k,
        mode=mode,
        default_k=DEFAULT_K,
        default_mode=DEFAULT_MODE,
        stale_changes=stale,
        example=_example(),
    )


def _example() -> str:
    """example_question of the loaded index, worked out once per index version ("" while none is loaded:
    the form still shows)."""
    qa = current_app.extensions.get("qa")
    if qa is None:
        return ""
    version = qa.info.version
    cached = current_app.extensions.get("qa_example")
    if cached is None or cached[0] != version:
        cached = (version, example_question(qa.documents()))
        current_app.extensions["qa_example"] = cached
    return cached[1]


@bp.get("/passages/<passage_id>")
def passage(passage_id: str) -> str:
    """A passage between its neighbours in the document, so a result can be read in context."""
    qa = current_qa()
    current = qa.passage(passage_id)
    context = [_neighbour(qa, current.previous_id), current, _neighbour(qa, current.next_id)]
    document = qa.document(current.document_id)
    return render_template(
        "passage.html",
        passage=current,
        context=[p for p in context if p is not None],
        document=document,
        q=request.args.get("q", ""),
    )


def _neighbour(qa: QA, passage_id: str | None) -> Passage | None:
    if passage_id is None:
        return None
    try:
        return qa.passage(passage_id)
    except NotFound:
        return None
