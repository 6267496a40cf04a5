"""The Python API for services that embed qa instead of calling HTTP.

    from qa.api import QA
    qa = QA.open("index")                      # a built index (see `qa build`)
    answer = qa.ask("what causes calf pain?", k=3)
    answer.answered, answer.results[0].text, answer.to_dict()
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from qa.models import Answer, Document, IndexInfo, Passage, Reference

MODES = ("hybrid", "bm25", "tfidf")
DEFAULT_MODE = "hybrid"
DEFAULT_K = 3
MAX_K = 50
MAX_QUESTION_CHARS = 2000
MAX_BATCH = 50


class QA:
    """A loaded index answering questions; thread-safe for reads, cheap to share across requests.

    Every method validates its input and raises qa.errors.InvalidInput (HTTP 400) or
    qa.errors.NotFound (HTTP 404) with a message fit to show the caller.
    """

    @classmethod
    def open(cls, index_dir: str | Path, corpus_dir: str | Path | None = None) -> QA:
        """Load a built index; with `corpus_dir`, also check it is not stale (IndexStale if it is)."""
        raise NotImplementedError

    @classmethod
    def from_corpus(cls, corpus_dir: str | Path, index_dir: str | Path) -> QA:
        """Build the index of `corpus_dir` into `index_dir` (atomically) and open it."""
        raise NotImplementedError

    @property
    def info(self) -> IndexInfo:
        raise NotImplementedError

    def ask(
        self, question: str, *, k: int = DEFAULT_K, mode: str = DEFAULT_MODE, document: str | None = None
    ) -> Answer:
        """Answer one question with up to k results; `document` limits the search to one document id."""
        raise NotImplementedError

    def ask_batch(
        self,
        questions: Sequence[str],
        *,
        k: int = DEFAULT_K,
        mode: str = DEFAULT_MODE,
        document: str | None = None,
    ) -> list[Answer]:
        """One answer per question, in order (at most MAX_BATCH questions)."""
        raise NotImplementedError

    def passage(self, passage_id: str) -> Passage:
        raise NotImplementedError

    def documents(self) -> tuple[Document, ...]:
        raise NotImplementedError

    def document(self, document_id: str) -> Document:
        raise NotImplementedError

    def references(self) -> tuple[Reference, ...]:
        raise NotImplementedError
