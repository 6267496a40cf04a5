"""What the framework-integration tests share: the seed questions with their pinned results, the metadata contract
stated independently of qa.rag.snippets, and a guard that fails a test when anything reaches past the loopback."""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# On the seed index (tests/conftest.py::seed_qa, semantic reranking on), k=3:
ANSWERED = "which source covers achilles tendon rupture?"
ANSWERED_IDS = ["calf-pain-r2", "calf-pain-p5", "calf-pain-p10"]
LOST_SECTION = "how long do calf strains last?"  # abstains (the page lost that section's text) yet has results
LOST_SECTION_IDS = ["calf-pain-r23", "calf-pain-p4", "calf-pain-r6"]
UNKNOWN = "pride and prejudice"  # abstains: none of its words is in the documents

ANSWER_KEYS = ("answered", "reasons", "confidence", "question", "mode", "index_version")


def expected_metadata(answer: Any, rank: int, url: str | None = None) -> dict[str, Any]:
    """The metadata a retriever must attach to result `rank` (1-based) of `answer`: every field of that result
    in the JSON answer object but its text, the document URL, and the answer-level fields."""
    result = answer.to_dict()["results"][rank - 1]
    return {
        **{k: v for k, v in result.items() if k != "text"},
        "url": url,
        "answered": answer.answered,
        "reasons": list(answer.reasons),
        "confidence": answer.confidence,
        "question": answer.question,
        "mode": answer.mode,
        "index_version": answer.index_version,
    }


def _loopback(host: Any) -> bool:
    if host in (None, "localhost", b"localhost"):
        return True
    try:
        return ipaddress.ip_address(host.decode() if isinstance(host, bytes) else str(host)).is_loopback
    except ValueError:
        return False


@contextmanager
def no_internet() -> Iterator[list[Any]]:
    """Refuse every connection to, and every name look-up of, anything but the loopback; yields the list of
    refused attempts (a test asserts it stays empty: nothing tried to download or phone home)."""
    attempts: list[Any] = []
    connect, connect_ex, getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def refuse(what: Any) -> OSError:
        attempts.append(what)
        return OSError(errno.ENETUNREACH, f"tests have no internet: {what!r}")

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and not _loopback(address[0]):
            raise refuse(address)
        return connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and not _loopback(address[0]):
            raise refuse(address)
        return connect_ex(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _loopback(host):
            raise socket.gaierror(socket.EAI_NONAME, f"tests have no internet: {refuse(host)}")
        return getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex = guarded_connect, guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = guarded_getaddrinfo
    try:
        yield attempts
    finally:
        socket.socket.connect, socket.socket.connect_ex = connect, connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = getaddrinfo


def run_readme_example(root: Any, heading: str, seed_qa: Any, urls: dict[str, str]) -> None:
    """Run the python block under `### heading` in the README against the test index and servers: its
    `QA.open("index")` becomes the seed QA and each URL in `urls` the test server's (each must occur)."""
    text = root.joinpath("README.md").read_text(encoding="utf-8")
    section = text.split(f"\n### {heading}\n", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    for old, new in urls.items():
        assert f'"{old}"' in code, f"the README example under {heading!r} no longer uses {old}"
        code = code.replace(f'"{old}"', repr(new))
    code = code.replace('QA.open("index")', "_seed_qa")
    exec(compile(code, f"README.md ({heading})", "exec"), {"_seed_qa": seed_qa, "__name__": "readme"})
