"""One error hierarchy: every error knows its HTTP status and a stable problem type slug."""

from __future__ import annotations

from typing import Any


class QAError(Exception):
    """Base of every error the library raises on purpose."""

    status: int = 500
    type: str = "internal-error"
    title: str = "Internal error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problem: dict[str, Any] = {}  # qa.client: the problem+json body of the response
        self.request_id: str | None = None  # qa.client: the response's X-Request-ID, to find it in the service's log


class InvalidInput(QAError):
    """A caller sent something unusable (empty question, bad k, unknown mode...); `errors` lists each bad
    item of a batch as {"pointer": JSON pointer, "detail": ...} (the detail names the first)."""

    status = 400
    type = "invalid-input"
    title = "Invalid input"

    def __init__(self, detail: str, errors: tuple[dict[str, str], ...] = ()) -> None:
        super().__init__(detail)
        self.errors = errors


class TooMuchWork(QAError):
    """A request within the size limits that would still cost too much to answer (a batch of many long
    questions): refused before any work, so one client cannot hold a worker for many seconds."""

    status = 422
    type = "too-much-work"
    title = "Too much work in one request"


class NotFound(QAError):
    """An id that names nothing in the index."""

    status = 404
    type = "not-found"
    title = "Not found"


class CorpusError(QAError):
    """A corpus file could not be read or decoded; the message names the file."""

    status = 500
    type = "corpus-error"
    title = "Corpus error"


class IndexUnavailable(QAError):
    """The index on disk is missing, corrupted, of another format version or stale."""

    status = 503
    type = "index-unavailable"
    title = "Index unavailable"


class IndexMissing(IndexUnavailable):
    """No index has been built at the given path."""


class IndexCorrupt(IndexUnavailable):
    """An index file is truncated or fails its checksum."""


class IndexStale(IndexUnavailable):
    """The corpus changed since the index was built."""


class Unauthorized(QAError):
    """The service wants an API key and none, or a wrong one, was sent (seen by `qa.client`)."""

    status = 401
    type = "unauthorized"
    title = "Unauthorized"


class RateLimited(QAError):
    """The service's rate limit was hit; `retry_after` is the seconds it asked to wait (None: not said)."""

    status = 429
    type = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unreachable(QAError):
    """The service could not be reached or did not answer in time (`qa.client`, after its retries)."""

    status = 503
    type = "unreachable"
    title = "Service unreachable"


class BadResponse(QAError):
    """The service (or something in front of it) answered with a body that is not what the API defines."""

    status = 502
    type = "bad-response"
    title = "Bad response"


# what a client raises: by the problem+json `type` slug (the inverse of the web layer's mapping), and by status
# alone for an error without a problem body (a proxy's page: its 502/503/504 mean the service is not reached)
_BY_TYPE: dict[str, type[QAError]] = {
    cls.type: cls for cls in (InvalidInput, NotFound, CorpusError, IndexUnavailable, Unauthorized, RateLimited)
}
_BY_STATUS: dict[int, type[QAError]] = {
    400: InvalidInput,
    401: Unauthorized,
    404: NotFound,
    429: RateLimited,
    502: Unreachable,
    503: Unreachable,
    504: Unreachable,
}


def from_problem(status: int, problem: Any, fallback_detail: str) -> QAError:
    """The QAError for an HTTP error response: by its problem `type` slug, else by status (other 4xx:
    InvalidInput, other 5xx: QAError). It keeps the status, type, title and detail the service sent, and the
    whole problem object as `.problem` ({} when the body was not a problem)."""
    problem = problem if isinstance(problem, dict) and isinstance(problem.get("detail"), str) else {}
    slug = str(problem.get("type", "")).rpartition("#problem-")[2] if problem else ""
    cls = _BY_TYPE.get(slug) or _BY_STATUS.get(status) or (InvalidInput if 400 <= status < 500 else QAError)
    exc = cls(problem.get("detail", fallback_detail))
    exc.status = status
    exc.type = slug or cls.type
    exc.title = problem["title"] if isinstance(problem.get("title"), str) else cls.title
    exc.problem = problem
    if isinstance(exc, InvalidInput) and isinstance(problem.get("errors"), list):
        exc.errors = tuple(problem["errors"])  # each bad item of a batch: {"pointer", "detail"}
    return exc
