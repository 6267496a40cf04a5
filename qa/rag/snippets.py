"""What the framework retrievers hand a pipeline: an answer's passages with flat metadata, or none when it abstains.

Shared by qa.rag.langchain, qa.rag.llamaindex, qa.rag.haystack and qa.rag.mcp; it imports no framework. A source is
anything with the reading methods of `qa.api.QA` — the in-process QA itself, or `qa.client.Client` over HTTP.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Protocol

from qa.errors import InvalidInput, NotFound
from qa.models import Answer, Document, Passage, Result

DEFAULT_K = 3
DEFAULT_MODE = "hybrid"


class Source(Protocol):
    """What a retriever needs from qa: `qa.api.QA` and `qa.client.Client` both are one."""

    def ask(self, question: str, *, k: int = ..., mode: str = ..., document: str | None = ...) -> Answer: ...

    def document(self, document_id: str) -> Document: ...

    def passage(self, passage_id: str) -> Passage: ...


@dataclass(frozen=True)
class Snippet:
    """One passage for a pipeline: its id, text, score and metadata (see `metadata`)."""

    id: str
    text: str
    score: float
    metadata: dict[str, Any]


def check_source(source: Any) -> Any:
    """`source` if it can answer (a QA or a Client), else InvalidInput saying what to pass."""
    if not all(callable(getattr(source, name, None)) for name in ("ask", "document", "passage")):
        raise InvalidInput(
            f"source must be a qa.api.QA (in-process) or a qa.client.Client (over HTTP), not {type(source).__name__}"
        )
    return source


class Retrieval:
    """Asks the source and turns the answer into snippets; remembers document URLs per index version.

    With `include_unanswered` False (the default) an answer that abstains yields no snippets, so an LLM
    downstream is never handed unrelated text as evidence; True yields its closest passages, each with
    `answered: False` and the reasons in its metadata.
    """

    def __init__(
        self,
        source: Any,
        k: int = DEFAULT_K,
        mode: str = DEFAULT_MODE,
        document: str | None = None,
        include_unanswered: bool = False,
    ) -> None:
        self.source = check_source(source)
        self.k, self.mode, self.document = k, mode, document
        if not isinstance(include_unanswered, bool):
            raise InvalidInput(f"include_unanswered must be True or False, not {include_unanswered!r}")
        self.include_unanswered = include_unanswered
        self._documents: dict[tuple[str, str], Document | None] = {}
        self._lock = threading.Lock()

    def answer(self, question: str, k: int | None = None) -> Answer:
        """The source's answer to `question` with this retrieval's settings (`k` overrides its k)."""
        return self.source.ask(question, k=self.k if k is None else k, mode=self.mode, document=self.document)

    def snippets(self, answer: Answer) -> list[Snippet]:
        """The answer's results as snippets, in rank order; none when it abstains (unless include_unanswered)."""
        if not answer.answered and not self.include_unanswered:
            return []
        return [
            Snippet(r.passage_id, r.text, r.score, metadata(answer, r, self._doc(answer, r))) for r in answer.results
        ]

    def retrieve(self, question: str, k: int | None = None) -> list[Snippet]:
        return self.snippets(self.answer(question, k))

    def _doc(self, answer: Answer, result: Result) -> Document | None:
        key = (answer.index_version, result.document_id)
        with self._lock:
            if key in self._documents:
                return self._documents[key]
        try:
            found: Document | None = self.source.document(result.document_id)
        except NotFound:  # replaced by a rebuild between the answer and this look-up
            found = None
        with self._lock:
            if len(self._documents) > 10_000:
                self._documents.clear()
            self._documents[key] = found
        return found


def metadata(answer: Answer, result: Result, document: Document | None) -> dict[str, Any]:
    """A result's JSON fields (the answer object's, less `text`), its document's `url`, and the answer's
    `answered`, `reasons`, `confidence`, `question`, `mode` and `index_version`. Built from to_dict(), so a
    field added to the answer object reaches every framework without a change here."""
    fields = result.to_dict()
    del fields["text"]
    return {
        **fields,
        "url": document.url if document is not None else None,
        "answered": answer.answered,
        "reasons": list(answer.reasons),
        "confidence": answer.confidence,
        "question": answer.question,
        "mode": answer.mode,
        "index_version": answer.index_version,
    }
