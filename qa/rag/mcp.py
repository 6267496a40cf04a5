"""MCP server: the tools `ask` and `get_passage` over qa for LLM agents, on stdio or streamable HTTP (127.0.0.1).

pip install 'qa[mcp]'
qa mcp --index index                          # stdio: what an agent host launches
qa mcp --transport http --port 8765           # streamable HTTP at http://127.0.0.1:8765/mcp
qa mcp --url http://127.0.0.1:8000            # answer through a running qa service instead of an index folder

Built on the official MCP SDK (`mcp`). Each tool returns text written for the model to read and the same facts
as structured content (with an output schema) for programs.
"""

from __future__ import annotations

import socket
import sys
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field

from qa.api import MAX_K, MAX_QUESTION_CHARS
from qa.errors import QAError
from qa.models import Answer
from qa.rag.snippets import DEFAULT_K, Retrieval, Snippet

HOST = "127.0.0.1"  # never another interface: put an authenticating proxy in front to expose it
DEFAULT_PORT = 8765
PATH = "/mcp"

INSTRUCTIONS = """\
This server answers questions from a fixed collection of documents indexed by qa, with the passages and \
references that support each answer. It finds only what the documents say: it has no general knowledge and \
no web access. Use `ask` for each factual question the documents may cover, ground your reply in the passages \
it returns and cite their passage ids. When `ask` says the documents do not answer, tell the user so instead \
of answering from memory. Use `get_passage` to read the text around a passage before quoting it out of context."""

ASK_DESCRIPTION = """\
Search the document collection for passages that answer one question, and say whether they do.

Returns either:
- answered: the sentence that best answers the question and up to k passages, best first, each with its \
passage_id, document title, section, URL and the references it cites. Base your reply on these passages and \
cite them by passage_id, e.g. [calf-pain-p12].
- not answered ("Not in the documents"): the documents do not answer it, with the reasons (e.g. a key word \
the documents never mention) and sometimes a did-you-mean spelling. No passages are given then, because the \
closest ones are not evidence. Tell the user the documents do not cover it; you may retry once with a \
rephrased or corrected question.

Ask one specific question per call, as a full question in plain words ("What causes calf pain at night?"), \
not a list of keywords; split a compound question into several calls."""

GET_PASSAGE_DESCRIPTION = """\
Read one passage by its passage_id (as returned by `ask`, e.g. calf-pain-p12): its full text, document title, \
section and URL, and the ids of the passages just before and after it. Use it to read the context of a passage \
before quoting it, or call it again with previous_id / next_id to read further."""

ANSWER_KEYS = frozenset(("answered", "reasons", "confidence", "question", "mode", "index_version"))  # said once
READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


class PassageResult(BaseModel):
    """A passage of an answer, as the `ask` tool returns it (later answer fields are kept as extra keys)."""

    model_config = ConfigDict(extra="allow")
    passage_id: str
    document_id: str
    document_title: str
    section: str
    url: str | None
    text: str
    answer: str
    score: float
    citations: list[dict[str, Any]]


class AskResult(BaseModel):
    """What the `ask` tool returns as structured content."""

    question: str
    answered: bool
    answer: str | None = Field(description="The best answer sentence; null when the documents do not answer.")
    confidence: float
    reasons: list[str]
    suggestions: list[str]
    passages: list[PassageResult]


class PassageText(BaseModel):
    """What the `get_passage` tool returns as structured content."""

    passage_id: str
    document_id: str
    document_title: str
    section: str
    url: str | None
    kind: str
    text: str
    previous_id: str | None
    next_id: str | None


def create_server(source: Any) -> MCPServer:
    """An MCP server whose tools answer from `source` (a `qa.api.QA`, or a `qa.client.Client` over HTTP)."""
    retrieval = Retrieval(source)
    server = MCPServer("qa", title="qa: document-grounded answers", instructions=INSTRUCTIONS, log_level="WARNING")

    def ask(
        question: Annotated[
            str, Field(description="One question in plain words.", min_length=1, max_length=MAX_QUESTION_CHARS)
        ],
        k: Annotated[int, Field(description="How many passages to return (best first).", ge=1, le=MAX_K)] = DEFAULT_K,
    ) -> Annotated[CallToolResult, AskResult]:
        try:
            answer = retrieval.answer(question, k)
            result = ask_result(answer, retrieval.snippets(answer))
        except QAError as exc:
            raise ToolError(exc.detail) from exc
        return CallToolResult(
            content=[TextContent(type="text", text=ask_text(result))], structured_content=result.model_dump(mode="json")
        )

    def get_passage(
        passage_id: Annotated[str, Field(description="A passage id from `ask`, e.g. calf-pain-p12.", min_length=1)],
    ) -> Annotated[CallToolResult, PassageText]:
        try:
            passage = source.passage(passage_id)
            document = source.document(passage.document_id)
        except QAError as exc:
            raise ToolError(f"{exc.detail}; passage ids come from the results of `ask`") from exc
        result = PassageText(
            passage_id=passage.passage_id,
            document_id=passage.document_id,
            document_title=document.title,
            section=passage.section,
            url=document.url,
            kind=passage.kind,
            text=passage.text,
            previous_id=passage.previous_id,
            next_id=passage.next_id,
        )
        return CallToolResult(
            content=[TextContent(type="text", text=passage_text(result))],
            structured_content=result.model_dump(mode="json"),
        )

    server.add_tool(ask, name="ask", title="Ask the documents", description=ASK_DESCRIPTION, annotations=READ_ONLY)
    server.add_tool(
        get_passage,
        name="get_passage",
        title="Read a passage",
        description=GET_PASSAGE_DESCRIPTION,
        annotations=READ_ONLY,
    )
    return server


def ask_result(answer: Answer, snippets: list[Snippet]) -> AskResult:
    """The structured result of `ask`: no passages when the documents do not answer."""
    passages = [
        PassageResult(text=s.text, **{k: v for k, v in s.metadata.items() if k not in ANSWER_KEYS}) for s in snippets
    ]
    return AskResult(
        question=answer.question,
        answered=answer.answered,
        answer=answer.results[0].answer if answer.answered and answer.results else None,
        confidence=answer.confidence,
        reasons=list(answer.reasons),
        suggestions=list(answer.suggestions),
        passages=passages,
    )


def ask_text(result: AskResult) -> str:
    """`ask`'s result as the model reads it: the answer and cited passages, or an explicit "not in the documents"."""
    if not result.answered:
        lines = [f"Not in the documents: they do not answer {result.question!r}."]
        lines += ["Why:"] + [f"- {reason}" for reason in result.reasons] if result.reasons else []
        lines += [f"Did you mean: {s}" for s in result.suggestions]
        lines.append("Say that the documents do not cover this; do not answer it from other knowledge.")
        return "\n".join(lines)
    first = result.passages[0].passage_id if result.passages else ""
    lines = [f"The documents answer this (confidence {result.confidence:.2f}).", f"Answer: {result.answer} [{first}]"]
    lines += [f"Note: {reason}" for reason in result.reasons]
    lines.append("\nPassages, best first (cite them by id):")
    for p in result.passages:
        where = f"{p.document_title} › {p.section}" + (f" ({p.url})" if p.url else "")
        lines += ["", f"[{p.passage_id}] {where}", p.text]
        lines += [f"  cites: {c['text']}" + (f" {c['url']}" if c.get("url") else "") for c in p.citations]
    return "\n".join(lines)


def passage_text(p: PassageText) -> str:
    """`get_passage`'s result as the model reads it."""
    where = f"{p.document_title} › {p.section}" + (f" ({p.url})" if p.url else "")
    around = f"previous passage: {p.previous_id or 'none (first)'}; next passage: {p.next_id or 'none (last)'}"
    return f"[{p.passage_id}] {where}\n{p.text}\n({around})"


def serve_stdio(server: MCPServer) -> None:
    """Serve on stdin/stdout until the client closes them."""
    server.run("stdio")


def serve_http(server: MCPServer, sock: socket.socket) -> None:
    """Serve streamable HTTP at PATH on an already bound loopback socket, until interrupted."""
    http_server(server, sock).run(sockets=[sock])


def http_server(server: MCPServer, sock: socket.socket) -> Any:
    """The uvicorn server for streamable HTTP at PATH; run it with `.run(sockets=[sock])`, stop it with
    `.should_exit = True`. QAError when `sock` is not bound to the loopback."""
    import uvicorn

    if sock.getsockname()[0] != HOST:
        raise QAError(f"the MCP server binds {HOST} only, not {sock.getsockname()[0]}")
    app = server.streamable_http_app(streamable_http_path=PATH, host=HOST)
    return uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))


def bind(port: int) -> socket.socket:
    """A listening TCP socket on 127.0.0.1:`port` (0: a free port); QAError saying why when it cannot bind."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise QAError(f"cannot listen on {HOST}:{port}: {exc.strerror}") from exc
    sock.listen(128)
    return sock


def announce(sock: socket.socket) -> None:
    """Say on stderr where the HTTP transport listens (stdout may be a protocol stream)."""
    print(f"qa mcp: streamable HTTP on http://{HOST}:{sock.getsockname()[1]}{PATH}", file=sys.stderr, flush=True)
