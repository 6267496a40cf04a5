"""LlamaIndex: a BaseRetriever over qa, in-process (`qa.api.QA`) or over HTTP (`qa.client.Client`).

pip install 'qa[llamaindex]'

from qa.rag.llamaindex import QARetriever
retriever = QARetriever(QA.open("index"), k=3)             # or Client("http://127.0.0.1:8000")
retriever.retrieve("what causes calf pain?")               # [NodeWithScore(node=TextNode(id_="calf-pain-p4"...))]

Nodes come in rank order with qa's score; node text is the passage, metadata the fields of
`qa.rag.snippets.metadata`, relationships the document (SOURCE) and neighbouring passages (PREVIOUS, NEXT).
Only document title, section and URL (when known) go into the text an LLM or embedder sees. When the documents do not
answer, the list is empty — unless include_unanswered=True (closest passages, metadata["answered"] False).
"""

from __future__ import annotations

from typing import Any

from llama_index.core.callbacks import CallbackManager
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeRelationship, NodeWithScore, QueryBundle, RelatedNodeInfo, TextNode

from qa.rag.snippets import DEFAULT_K, DEFAULT_MODE, Retrieval, Snippet

SHOWN_KEYS = ("document_title", "section", "url")  # what an LLM reads with the text; the rest is for code


class QARetriever(BaseRetriever):
    """Grounded passages from qa as NodeWithScore (none when the documents do not answer)."""

    def __init__(
        self,
        source: Any,
        k: int = DEFAULT_K,
        mode: str = DEFAULT_MODE,
        document: str | None = None,
        include_unanswered: bool = False,
        callback_manager: CallbackManager | None = None,
    ) -> None:
        self.retrieval = Retrieval(source, k, mode, document, include_unanswered)
        super().__init__(callback_manager=callback_manager)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [NodeWithScore(node=_node(s), score=s.score) for s in self.retrieval.retrieve(query_bundle.query_str)]


def _node(snippet: Snippet) -> TextNode:
    meta = snippet.metadata
    relationships = {NodeRelationship.SOURCE: RelatedNodeInfo(node_id=meta["document_id"])}
    if meta.get("previous_id"):
        relationships[NodeRelationship.PREVIOUS] = RelatedNodeInfo(node_id=meta["previous_id"])
    if meta.get("next_id"):
        relationships[NodeRelationship.NEXT] = RelatedNodeInfo(node_id=meta["next_id"])
    hidden = [key for key, value in meta.items() if key not in SHOWN_KEYS or value is None]
    return TextNode(
        id_=snippet.id,
        text=snippet.text,
        metadata=meta,
        relationships=relationships,
        excluded_llm_metadata_keys=hidden,
        excluded_embed_metadata_keys=list(meta),
    )
