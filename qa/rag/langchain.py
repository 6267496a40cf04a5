"""LangChain: a BaseRetriever over qa, in-process (`qa.api.QA`) or over HTTP (`qa.client.Client`).

pip install 'qa[langchain]'

from qa.rag.langchain import QARetriever
retriever = QARetriever(source=QA.open("index"), k=3)      # or source=Client("http://127.0.0.1:8000")
retriever.invoke("what causes calf pain?")                 # [Document(id="calf-pain-p4", page_content=..., ...)]

Documents come in rank order; page_content is the passage text and metadata the fields listed in
`qa.rag.snippets.metadata`. When the documents do not answer, the list is empty — unless include_unanswered=True,
which returns the closest passages with metadata["answered"] False and the reasons.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import PrivateAttr

from qa.rag.snippets import DEFAULT_K, DEFAULT_MODE, Retrieval


class QARetriever(BaseRetriever):
    """Grounded passages from qa as LangChain Documents (none when the documents do not answer)."""

    source: Any
    """A `qa.api.QA` (in-process) or a `qa.client.Client` (HTTP)."""
    k: int = DEFAULT_K
    mode: str = DEFAULT_MODE
    document: str | None = None
    """Search only this document id."""
    include_unanswered: bool = False
    """Return the closest passages, flagged answered=False, when the documents do not answer."""

    _retrieval: Retrieval = PrivateAttr()

    def model_post_init(self, context: Any, /) -> None:
        super().model_post_init(context)
        self._retrieval = Retrieval(self.source, self.k, self.mode, self.document, self.include_unanswered)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [Document(id=s.id, page_content=s.text, metadata=s.metadata) for s in self._retrieval.retrieve(query)]
