"""qa.rag.mcp and `qa mcp`: a real MCP client session against the server over stdio (a subprocess, cut off from every
network when `unshare -n` is available) and over streamable HTTP on 127.0.0.1, with the official SDK."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading

import anyio
import pytest
from click.testing import CliRunner
from integrations import ANSWERED, ANSWERED_IDS, LOST_SECTION, UNKNOWN, no_internet

from qa.rag.snippets import Retrieval

LOST_SECTION_TEXT = (
    "Not in the documents: they do not answer 'how long do calf strains last?'.\n"
    "Why:\n"
    '- the section "How Long Do Calf Strains Last?" has no text that answers this (it lacks long or strains; its '
    "text may have been lost)\n"
    "Say that the documents do not cover this; do not answer it from other knowledge."
)


@pytest.fixture(scope="module", autouse=True)
def qmcp():
    """qa.rag.mcp imported, and every test of this module run, with nothing reachable past the loopback."""
    with no_internet() as attempts:
        import qa.rag.mcp

        yield qa.rag.mcp
    assert attempts == []


def offline_prefix() -> list[str]:
    """`unshare -n` (a network namespace with no interface up) when this machine allows it, else nothing."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True, timeout=10).returncode == 0:
        return [unshare, "-n"]
    return []


def expected_ask(qmcp, qa, question: str, k: int = 3):
    answer = qa.ask(question, k=k)
    return qmcp.ask_result(answer, Retrieval(qa).snippets(answer))


async def session_checks(client, qmcp, seed_qa) -> None:
    """What every transport must deliver: the two tools as described, answers, abstention, passages, errors."""
    listed = {t.name: t for t in (await client.list_tools()).tools}
    assert sorted(listed) == ["ask", "get_passage"]
    ask, get_passage = listed["ask"], listed["get_passage"]
    assert (ask.description, get_passage.description) == (qmcp.ASK_DESCRIPTION, qmcp.GET_PASSAGE_DESCRIPTION)
    assert ask.annotations.read_only_hint is True and ask.annotations.open_world_hint is False
    assert ask.input_schema["required"] == ["question"]
    assert (ask.input_schema["properties"]["k"]["minimum"], ask.input_schema["properties"]["k"]["maximum"]) == (1, 50)
    assert ask.output_schema["properties"]["answered"] == {"title": "Answered", "type": "boolean"}
    assert get_passage.input_schema["required"] == ["passage_id"]

    result = await client.call_tool("ask", {"question": ANSWERED})
    expected = expected_ask(qmcp, seed_qa, ANSWERED)
    assert result.is_error is False
    assert result.structured_content == expected.model_dump(mode="json")
    assert [p["passage_id"] for p in result.structured_content["passages"]] == ANSWERED_IDS
    text = result.content[0].text
    assert text == qmcp.ask_text(expected)
    assert text.startswith(
        "The documents answer this (confidence 1.00).\n"
        "Answer: American Academy of Orthopaedic Surgeons. Achilles tendon rupture (tear). [calf-pain-r2]\n"
    )

    result = await client.call_tool("ask", {"question": LOST_SECTION, "k": 5})
    assert (result.is_error, result.content[0].text) == (False, LOST_SECTION_TEXT)
    assert result.structured_content["answered"] is False
    assert (result.structured_content["passages"], result.structured_content["answer"]) == ([], None)

    result = await client.call_tool("ask", {"question": UNKNOWN})
    assert result.content[0].text == (
        "Not in the documents: they do not answer 'pride and prejudice'.\nWhy:\n"
        "- the documents do not mention pride or prejudice\n"
        "Say that the documents do not cover this; do not answer it from other knowledge."
    )

    result = await client.call_tool("get_passage", {"passage_id": "calf-pain-r2"})
    passage = seed_qa.passage("calf-pain-r2")
    assert result.structured_content == {
        "passage_id": "calf-pain-r2",
        "document_id": "calf-pain",
        "document_title": "Calf Pain",
        "section": "References",
        "url": None,
        "kind": "reference",
        "text": passage.text,
        "previous_id": "calf-pain-r1",
        "next_id": "calf-pain-r3",
    }
    assert result.content[0].text == (
        f"[calf-pain-r2] Calf Pain › References\n{passage.text}\n"
        "(previous passage: calf-pain-r1; next passage: calf-pain-r3)"
    )

    for tool, arguments, message in [
        ("get_passage", {"passage_id": "calf-pain-p999"}, "no passage with id 'calf-pain-p999'; passage ids come from"),
        ("ask", {"question": "   "}, "question must not be empty or blank"),
        ("ask", {"question": ANSWERED, "k": 51}, "less than or equal to 50"),
        ("ask", {"question": ANSWERED, "k": 0}, "greater than or equal to 1"),
        ("ask", {"k": 3}, "question"),
        ("get_passage", {}, "passage_id"),
    ]:
        result = await client.call_tool(tool, arguments)
        assert result.is_error is True, (tool, arguments)
        assert message in result.content[0].text


def test_a_client_session_over_stdio(qmcp, seed_qa):
    from mcp import Client, StdioServerParameters

    command = [*offline_prefix(), sys.executable, "-m", "qa", "mcp", "--index", str(seed_qa.index_dir)]
    params = StdioServerParameters(command=command[0], args=command[1:])

    async def run() -> None:
        with anyio.fail_after(120):
            async with Client(params) as client:
                assert client.instructions == qmcp.INSTRUCTIONS
                await session_checks(client, qmcp, seed_qa)

    anyio.run(run)


@pytest.fixture(scope="module")
def mcp_url(qmcp, seed_qa):
    """The MCP server over seed_qa on streamable HTTP, served by uvicorn from a thread on 127.0.0.1."""
    sock = qmcp.bind(0)
    server = qmcp.http_server(qmcp.create_server(seed_qa), sock)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}{qmcp.PATH}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_a_client_session_over_streamable_http(qmcp, seed_qa, mcp_url):
    from mcp import Client

    async def run() -> None:
        with anyio.fail_after(60):
            async with Client(mcp_url) as client:
                await session_checks(client, qmcp, seed_qa)

    anyio.run(run)


def test_the_tools_answer_through_the_http_client_too(qmcp, seed_qa, seed_client):
    from mcp import Client

    async def run() -> None:
        async with Client(qmcp.create_server(seed_client)) as client:  # the SDK's in-process connection
            await session_checks(client, qmcp, seed_qa)

    anyio.run(run)


def test_the_http_transport_listens_on_the_loopback_only(qmcp):
    sock = qmcp.bind(0)
    try:
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()
    from qa.cli import main

    result = CliRunner().invoke(main, ["mcp", "--transport", "http", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "No such option '--host'" in result.output


def test_a_busy_port_is_a_clear_error(qmcp):
    from qa.errors import QAError

    first = qmcp.bind(0)
    try:
        port = first.getsockname()[1]
        with pytest.raises(QAError, match=f"cannot listen on 127.0.0.1:{port}"):
            qmcp.bind(port)
    finally:
        first.close()


def test_abstention_text_gives_reasons_and_suggestions(qmcp, fake_qa):
    text = qmcp.ask_text(expected_ask(qmcp, fake_qa, "caf pian"))
    assert text == (
        "Not in the documents: they do not answer 'caf pian'.\n"
        "Why:\n- the documents do not mention 'caf'\n- the documents do not mention 'pian'\n"
        "Did you mean: calf pain\n"
        "Say that the documents do not cover this; do not answer it from other knowledge."
    )


def test_qa_mcp_without_the_sdk_says_what_to_install(tmp_path):
    blocked = "import sys; sys.modules['mcp'] = None; from qa.cli import main; main(['mcp', '--index', sys.argv[1]])"
    run = subprocess.run([sys.executable, "-c", blocked, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr == "error: `qa mcp` needs the MCP SDK (mcp is not installed): pip install 'qa[mcp]'\n"


def test_qa_mcp_without_an_index_says_what_to_run(tmp_path):
    from qa.cli import main

    result = CliRunner().invoke(main, ["mcp", "--index", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and "qa build" in result.output


def test_the_readme_example_runs(qmcp, root, seed_qa, mcp_url, capsys):
    from integrations import run_readme_example

    run_readme_example(root, "MCP server", seed_qa, {"http://127.0.0.1:8765/mcp": mcp_url})
    assert capsys.readouterr().out == qmcp.ask_text(expected_ask(qmcp, seed_qa, ANSWERED, k=2)) + "\n"
