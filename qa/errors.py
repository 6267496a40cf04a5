"""One error hierarchy: every error knows its HTTP status and a stable problem type slug."""

from __future__ import annotations


class QAError(Exception):
    """Base of every error the library raises on purpose."""

    status: int = 500
    type: str = "internal-error"
    title: str = "Internal error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


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
