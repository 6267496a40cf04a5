"""Haystack (2.x component API): a retriever @component over qa, in-process (`qa.api.QA`) or over HTTP.

pip install 'qa[haystack]'

from qa.rag.haystack import QARetriever
pipeline.add_component("retriever", QARetriever(QA.open("index"), k=3))   # or Client("http://127.0.0.1:8000")
pipeline.run({"retriever": {"query": "what causes calf pain?"}})

Outputs: `documents` (Haystack Documents in rank order: id the passage id, content the passage text, score
qa's score, meta the fields of `qa.rag.snippets.metadata`), `answered` and `reasons`, so a pipeline can branch on
abstention. When the documents do not answer, `documents` is empty — unless include_unanswered=True (closest
passages, meta["answered"] False). Haystack sends usage telemetry unless HAYSTACK_TELEMETRY_ENABLED=False.
"""

from __future__ import annotations

from typing import Any

from haystack import Document, component

from qa.rag.snippets import DEFAULT_K, DEFAULT_MODE, Retrieval


@component
class QARetriever:
    """Grounded passages from qa as Haystack Documents (none when the documents do not answer)."""

    def __init__(
        self,
        source: Any,
        k: int = DEFAULT_K,
        mode: str = DEFAULT_MODE,
        document: str | None = None,
        include_unanswered: bool = False,
    ) -> None:
        self.retrieval = Retrieval(source, k, mode, document, include_unanswered)

    @component.output_types(documents=list[Document], answered=bool, reasons=list[str])
    def run(self, query: str, top_k: int | None = None) -> dict[str, Any]:
        """Answer `query` (with up to `top_k` passages, default the component's k)."""
        answer = self.retrieval.answer(query, top_k)
        documents = [
            Document(id=s.id, content=s.text, meta=s.metadata, score=s.score) for s in self.retrieval.snippets(answer)
        ]
        return {"documents": documents, "answered": answer.answered, "reasons": list(answer.reasons)}
