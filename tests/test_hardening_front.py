"""Issue 13 row 1 (slow clients) and row 15 (414/431): `make run`'s server is the buffering front
(qa.web.front) before gunicorn's sync workers, started as `python -m qa.web.serve` on 127.0.0.1.

Before the front, the same 100 trickling connections left 1 of 10 questions unanswered and another 7 s
late on bare gunicorn sync workers (bench/slowclients.py runs both side by side)."""

import asyncio
import json
import re
import socket
import threading

import pytest

from bench import slowclients
from qa.storage.index import build_index
from qa.web.front import Front, Limits


@pytest.fixture(scope="module")
def served(small_index, tmp_path_factory):
    corpus, _ = small_index
    index = tmp_path_factory.mktemp("front") / "index"
    build_index(corpus, index)  # with passage vectors when the encoder is installed: questions cost real work
    with slowclients.front(index, corpus, workers=2, settings={"QA_MAX_BODY_BYTES": "65536"}) as port:
        yield port


def _raw(port: int, data: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        s.sendall(data)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split(" ")[1]), {k.lower(): v for k, v in headers.items()}, body


def _problem(port: int, data: bytes, status: int) -> dict:
    got, headers, body = _raw(port, data)
    assert got == status, body
    assert headers["content-type"] == "application/problem+json"
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    problem = json.loads(body)
    assert problem["status"] == status
    return problem


def test_100_trickling_connections_for_20_s_and_10_questions_all_answered(served):
    result = slowclients.drive(served, seconds=20, trickle=100, questions=10, timeout=10)
    assert result["statuses"] == [200] * 10
    assert result["answered_after"] == 200
    assert result["slow_connections"]["408"] > 0  # the front let go of the tricklers, with a 408


def test_a_normal_request_goes_through_with_the_client_address(served):
    status, headers, body = _raw(
        served, b"GET /v1/ask?q=knee+pain&k=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert status == 200
    assert json.loads(body)["question"] == "knee pain"
    assert headers["x-content-type-options"] == "nosniff"


def test_keep_alive_serves_two_requests_on_one_connection(served):
    with socket.create_connection(("127.0.0.1", served), timeout=15) as s:
        s.sendall(
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    assert data.count(b"HTTP/1.1 200 OK") == 2
    assert b'"status": "ready"' in data or b'"status":"ready"' in data


def test_a_long_get_is_a_414_problem_saying_to_post(served):
    q = "%E6%97%A5" * 1000  # 1,000 CJK characters: 9,000 bytes percent-encoded
    problem = _problem(served, f"GET /v1/ask?q={q} HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 414)
    assert problem["detail"] == (
        "the request line is longer than 8190 bytes; send long questions with POST /v1/ask (a JSON body)"
    )


def test_more_than_100_headers_is_a_431_problem(served):
    many = "".join(f"X-H{i}: v\r\n" for i in range(101))
    problem = _problem(served, f"GET /healthz HTTP/1.1\r\nHost: x\r\n{many}\r\n".encode(), 431)
    assert problem["detail"] == "the request has 102 header lines; the limit is 100"


def test_a_9_kb_header_is_a_431_problem(served):
    problem = _problem(served, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431)
    assert problem["detail"] == "the header X-Big is longer than 8190 bytes"


def test_a_head_over_32_kib_is_a_431_problem(served):
    headers = b"".join(b"X-H%d: " % i + b"a" * 8000 + b"\r\n" for i in range(5))
    problem = _problem(served, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n", 431)
    assert problem["detail"] == "the request head is larger than 32768 bytes"


def test_a_chunked_body_over_the_limit_is_a_413_problem(served):
    chunk = b"%x\r\n" % 8192 + b"x" * 8192 + b"\r\n"
    data = b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    problem = _problem(served, data + chunk * 9, 413)
    assert problem["detail"] == "the request body is larger than 65536 bytes"


def test_a_declared_body_over_the_limit_is_a_413_before_it_is_sent(served):
    data = b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"
    assert _problem(served, data, 413)["detail"] == "the request body is larger than 65536 bytes"


def test_a_chunked_body_within_the_limit_reaches_the_app(served):
    body = b'{"question": "knee pain", "k": 1}'
    data = b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
    data += b"Connection: close\r\n\r\n" + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
    status, _, answer = _raw(served, data)
    assert status == 200 and json.loads(answer)["question"] == "knee pain"


def test_garbage_is_a_400_problem(served):
    assert _problem(served, b"NOT HTTP AT ALL\r\n\r\n", 400)["title"] == "Invalid input"


def test_two_heavy_batches_leave_a_worker_for_probes_and_questions(tmp_path):
    """Row 2: the front lets at most `heavy_slots` batches reach the workers at once, while probes and
    questions go straight through. Driven against a stand-in worker that holds each batch until the test
    lets it go, so the order is decided by the front alone, never by how fast this machine answers."""
    release, seen, lock = threading.Event(), [], threading.Lock()
    sock_path = str(tmp_path / "w.sock")

    def worker(conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1)) if b"ength:" in head else 0
            while len(body) < length:
                body += conn.recv(65536)
            path = head.split(b" ")[1].decode().partition("?")[0]
            with lock:
                seen.append(path)
            if path == "/v1/ask/batch":
                release.wait(30)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sock_path)
    listener.listen(16)

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=worker, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    ready, box = threading.Event(), {}

    async def run_front() -> None:
        box["loop"], box["stop"] = asyncio.get_running_loop(), asyncio.Event()
        server = await Front(sock_path, Limits(heavy_slots=1)).serve("127.0.0.1", 0)
        box["port"] = server.sockets[0].getsockname()[1]
        ready.set()
        await box["stop"].wait()
        server.close()
        await server.wait_closed()

    front = threading.Thread(target=asyncio.run, args=(run_front(),))
    front.start()
    assert ready.wait(10)
    port = box["port"]
    batch = json.dumps({"questions": ["knee pain"] * 5}).encode()
    request = b"POST /v1/ask/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    request += b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(batch) + batch
    done = []

    def send(name: str, data: bytes) -> None:
        status = _raw(port, data)[0]
        with lock:
            done.append((name, status))

    try:
        batches = [threading.Thread(target=send, args=(f"batch{i}", request)) for i in range(2)]
        for t in batches:
            t.start()
        for _ in range(300):  # the first batch reaches the worker (at most 3 s)
            if seen:
                break
            threading.Event().wait(0.01)
        threading.Event().wait(0.2)  # time for a second batch to get through, were the front to let it
        send("readyz", b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        send("ask", b"GET /v1/ask?q=ankle&k=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert seen == ["/v1/ask/batch", "/readyz", "/v1/ask"]  # the second batch waits in the front
        assert done == [("readyz", 200), ("ask", 200)]
        release.set()
        for t in batches:
            t.join(timeout=30)
        assert seen == ["/v1/ask/batch", "/readyz", "/v1/ask", "/v1/ask/batch"]
        assert sorted(done[2:]) == [("batch0", 200), ("batch1", 200)]
    finally:
        release.set()
        box["loop"].call_soon_threadsafe(box["stop"].set)
        front.join(10)
        listener.close()
