"""A typed HTTP client for the v1 API: the library's own models back, its own errors raised, retries with backoff.

from qa.client import Client
with Client("http://127.0.0.1:8000", api_key="my-key") as qa:
    answer = qa.ask("what causes calf pain?", k=3)     # a qa.models.Answer, exactly as QA.ask returns it
    qa.passage(answer.results[0].passage_id)         # a qa.models.Passage

A Client has the reading methods of `qa.api.QA` (ask, ask_batch, passage, documents, document, references), so
code written against one runs against the other. Built on httpx rather than requests: timeouts are on by default
and split into connect/read/write/pool, a transport can be swapped in (tests, an in-process WSGI app), and it is
the HTTP stack the MCP SDK and the LLM frameworks already bring, so a RAG service carries one client library.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from qa.errors import BadResponse, InvalidInput, NotFound, QAError, RateLimited, Unreachable, from_problem
from qa.models import Answer, Document, IndexInfo, Passage, Reference

DEFAULT_K = 3
DEFAULT_MODE = "hybrid"
RETRY_STATUSES = frozenset({429, 502, 503, 504})  # rate limited, or not serving right now: worth another try
M = TypeVar("M")


class Client:
    """The qa HTTP API as Python calls; thread-safe, one connection pool, close() (or `with`) when done.

    Every call retries up to `retries` times when the service answers 429/502/503/504 or cannot be reached
    (connection refused or reset, timeout): it waits `Retry-After` when the service sends it (if that is
    longer than `max_delay` it raises at once instead), else `backoff` x 2^attempt seconds (capped at
    `max_delay`, with jitter). Every v1 call only reads, so a retry cannot do anything twice. Errors are
    `qa.errors` classes: InvalidInput (400 and other 4xx), Unauthorized (401), NotFound (404), RateLimited
    (429), IndexUnavailable (503 with no index), Unreachable (not reached, or 502/503/504 without a problem
    body), BadResponse (a body the API does not define); each keeps the service's problem+json as `.problem`.
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_delay: float = 30.0,
        jitter: bool = True,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        url = _base_url(base_url)
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise InvalidInput(f"retries must be an integer >= 0, not {retries!r}")
        for name, value in (("timeout", timeout), ("backoff", backoff), ("max_delay", max_delay)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
                raise InvalidInput(f"{name} must be a number of seconds >= 0, not {value!r}")
        if timeout == 0:
            raise InvalidInput("timeout must be more than 0 seconds")
        sent = {"User-Agent": "qa-client", "Accept": "application/json", **(headers or {})}
        if api_key is not None:
            if not isinstance(api_key, str) or not api_key.strip():
                raise InvalidInput("api_key must be a non-empty string (or None for a service without keys)")
            sent["X-API-Key"] = api_key
        self.base_url = str(url)
        self.retries, self.backoff, self.max_delay, self.jitter = retries, float(backoff), float(max_delay), jitter
        self.timeout = float(timeout)
        self._sleep = sleep
        self._http = httpx.Client(base_url=url, headers=sent, timeout=self.timeout, transport=transport)

    def __repr__(self) -> str:
        return f"Client({self.base_url!r})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # --- the API -------------------------------------------------------------------------------------------

    def ask(
        self, question: str, *, k: int = DEFAULT_K, mode: str = DEFAULT_MODE, document: str | None = None
    ) -> Answer:
        """POST /v1/ask: the answer to one question (up to k results; `document` limits it to one document id)."""
        body = _ask_body(k, mode, document, question=question)
        return _model(Answer.from_dict, self._request("POST", "/v1/ask", body))

    def ask_batch(
        self,
        questions: Sequence[str],
        *,
        k: int = DEFAULT_K,
        mode: str = DEFAULT_MODE,
        document: str | None = None,
    ) -> list[Answer]:
        """POST /v1/ask/batch: one answer per question, in order."""
        if isinstance(questions, str) or not isinstance(questions, Sequence):
            raise InvalidInput("questions must be a list of strings")
        data = self._request("POST", "/v1/ask/batch", _ask_body(k, mode, document, questions=list(questions)))
        return _model(lambda d: [Answer.from_dict(a) for a in d["answers"]], data)

    def passage(self, passage_id: str) -> Passage:
        """GET /v1/passages/<id>: one passage with its neighbours' ids."""
        if not isinstance(passage_id, str) or not passage_id:
            raise NotFound(f"no passage with id {passage_id!r}")
        return _model(Passage.from_dict, self._request("GET", f"/v1/passages/{quote(passage_id, safe='')}"))

    def documents(self) -> tuple[Document, ...]:
        """GET /v1/documents: every document of the index, in index order."""
        data = self._request("GET", "/v1/documents")
        return _model(lambda d: tuple(Document.from_dict(x) for x in d["documents"]), data)

    def document(self, document_id: str) -> Document:
        """GET /v1/documents/<id>: one document."""
        if not isinstance(document_id, str) or not document_id:
            raise NotFound(f"no document with id {document_id!r}")
        return _model(Document.from_dict, self._request("GET", f"/v1/documents/{quote(document_id, safe='')}"))

    def references(self) -> tuple[Reference, ...]:
        """GET /v1/references: every parsed reference, in index order."""
        data = self._request("GET", "/v1/references")
        return _model(lambda d: tuple(Reference.from_dict(x) for x in d["references"]), data)

    def health(self) -> IndexInfo:
        """GET /readyz: the index the service answers from (IndexUnavailable, after the retries, when it has none)."""
        return _model(lambda d: IndexInfo.from_dict(d["index"]), self._request("GET", "/readyz"))

    def alive(self) -> bool:
        """GET /healthz once, without retries: whether the process answers at all."""
        try:
            return self._request("GET", "/healthz", retries=0).get("status") == "ok"
        except QAError:
            return False

    # --- transport -----------------------------------------------------------------------------------------

    def _request(self, method: str, path: str, body: Any = None, retries: int | None = None) -> Any:
        retries = self.retries if retries is None else retries
        for attempt in range(retries + 1):
            retry_after = None
            try:
                response = self._http.request(method, path, json=body)
            except httpx.TimeoutException as exc:
                failure: QAError = Unreachable(f"{method} {path} at {self.base_url} timed out ({type(exc).__name__})")
            except httpx.TransportError as exc:
                failure = Unreachable(f"could not reach {self.base_url} ({type(exc).__name__}: {exc})")
            else:
                if response.is_success:
                    return _json(response)
                failure = _error(response)
                if response.status_code not in RETRY_STATUSES:
                    raise failure
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            delay = self._delay(attempt, retry_after)
            if attempt == retries or delay is None:
                if attempt:
                    failure.detail = f"{failure.detail} (gave up after {attempt + 1} attempts)"
                    failure.args = (failure.detail,)
                raise failure
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt; None when the service asks for longer than max_delay."""
        if retry_after is not None:
            return retry_after if retry_after <= self.max_delay else None
        delay = min(self.max_delay, self.backoff * 2**attempt)
        return delay * random.uniform(0.5, 1.0) if self.jitter else delay


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds a `Retry-After` header asks to wait (delay-seconds or an HTTP-date); None when absent or unusable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - now())
    return seconds if seconds >= 0 and seconds == seconds and seconds != float("inf") else None


def _base_url(base_url: Any) -> httpx.URL:
    try:
        url = httpx.URL(base_url) if isinstance(base_url, str) else None
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise InvalidInput(f"base_url must be an http(s) URL such as http://127.0.0.1:8000, not {base_url!r}")
    return url


def _ask_body(k: Any, mode: Any, document: Any, **question: Any) -> dict[str, Any]:
    body = {**question, "k": k, "mode": mode}
    if document is not None:
        body["document"] = document
    return body


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "no content type")
        raise BadResponse(
            f"{response.request.method} {response.request.url} answered {response.status_code} with a body that is "
            f"not JSON ({kind}): is the URL a qa service?"
        ) from None


def _error(response: httpx.Response) -> QAError:
    try:
        body = response.json()
    except ValueError:
        body = None
    request = response.request
    exc = from_problem(response.status_code, body, f"{request.method} {request.url} answered {response.status_code}")
    if isinstance(exc, RateLimited):
        exc.retry_after = parse_retry_after(response.headers.get("Retry-After"))
    exc.request_id = response.headers.get("X-Request-ID")
    return exc


def _model(build: Callable[[Any], M], data: Any) -> M:
    """The model from a 2xx body, or BadResponse when the body is not that model's JSON."""
    try:
        return build(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BadResponse(f"the service sent a body this client cannot read ({type(exc).__name__}: {exc})") from exc
