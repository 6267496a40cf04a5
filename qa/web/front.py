"""The buffering front of `make run` (what nginx does before sync workers, in one asyncio process).

Each connection is read by the front, never by a gunicorn worker: the request head must arrive within
`header_timeout`, the body at a minimum rate, within the size limits; only a whole request is handed to
a worker (one fresh connection over a private Unix socket), and the worker's whole response is taken
at once and then written to the client at whatever pace it reads. A slow client therefore holds a
coroutine of the front, never one of the workers, which stay free for CPU-bound answers. Refusals are
problem+json with the security headers, like the app's own errors: 408 slow head or body, 413 body
too large (chunked or not), 414 request line too long, 431 headers too many or too large, 502/504 when
no worker answers. `/healthz` is answered here (the server is up and answering), as nginx answers its
own status page; everything else goes to the workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from dataclasses import dataclass
from http import HTTPStatus

import h11

from qa.web.hooks import SECURITY_HEADERS

log = logging.getLogger("qa.web.front")
HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"transfer-encoding", b"te", b"trailer", b"upgrade", b"expect"}
    | {b"proxy-authorization", b"proxy-authenticate", b"proxy-connection", b"content-length"}
)
TITLES = {
    400: "Invalid input",
    408: "Request timeout",
    413: "Payload too large",
    414: "URI too long",
    431: "Request header fields too large",
    501: "Not implemented",
    502: "Bad gateway",
    503: "Server busy",
    504: "Gateway timeout",
}
SLUGS = {400: "invalid-input", 413: "payload-too-large"}
REASONS = {s.value: s.phrase.encode() for s in HTTPStatus}


@dataclass(frozen=True)
class Limits:
    """What a client must respect; the defaults follow nginx (8 KiB request line and header line,
    32 KiB of head) and Apache's mod_reqtimeout (a deadline that grows with the bytes received)."""

    header_timeout: float = 10.0  # seconds for the whole head of a request
    body_timeout: float = 10.0  # seconds before the first body byte, and between any two reads
    min_body_rate: float = 500.0  # bytes/s: the body's deadline grows by 1 s per this many bytes
    keepalive_timeout: float = 5.0  # idle seconds between requests on one connection
    send_timeout: float = 60.0  # seconds a client may stall reading a response
    upstream_timeout: float = 120.0  # seconds a worker may take (gunicorn's own timeout is lower)
    max_line: int = 8190  # request line bytes (414 beyond)
    max_field: int = 8190  # one header line (431 beyond)
    max_fields: int = 100  # header lines (431 beyond)
    max_head: int = 32768  # the whole head (431 beyond)
    max_body: int = 1_048_576  # QA_MAX_BODY_BYTES (413 beyond)
    max_connections: int = 4096  # open client connections; more wait in the listen backlog
    heavy_paths: tuple[str, ...] = ("/v1/ask/batch",)  # at most `heavy_slots` at once reach the workers
    heavy_slots: int = 1


class Refusal(Exception):
    """A request the front answers itself with a problem, then closes the connection."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def problem(status: int, detail: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A problem+json response the same shape as the app's (qa.web.errors), with its security headers."""
    slug = SLUGS.get(status) or TITLES.get(status, "error").lower().replace(" ", "-")
    body = {"type": f"/docs#problem-{slug}", "title": TITLES.get(status, "Error"), "status": status, "detail": detail}
    headers = [(b"content-type", b"application/problem+json")]
    return status, headers, json.dumps(body).encode()


class Front:
    """Accepts clients on (host, port) and forwards whole requests to the workers' Unix socket."""

    def __init__(self, upstream: str, limits: Limits = Limits(), proxy_hops: int = 0) -> None:
        self.upstream, self.limits, self.proxy_hops = upstream, limits, proxy_hops
        self.connections = asyncio.Semaphore(limits.max_connections)
        self.heavy = asyncio.Semaphore(max(1, limits.heavy_slots))

    async def serve(self, host: str, port: int) -> asyncio.Server:
        """Start listening (reuse_address, backlog 2048); the caller runs the loop."""
        return await asyncio.start_server(self._connection, host, port, backlog=2048, reuse_address=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with self.connections:
            peer = writer.get_extra_info("peername")
            client = peer[0] if isinstance(peer, tuple) else ""
            conn = h11.Connection(h11.SERVER, max_incomplete_event_size=self.limits.max_head)
            try:
                await self._requests(conn, reader, writer, client)
            except (ConnectionError, TimeoutError, asyncio.IncompleteReadError):
                pass  # the client went away or stalled on reading: nothing more to say to it
            finally:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()

    async def _requests(self, conn: h11.Connection, reader, writer, client: str) -> None:
        first = True
        while True:
            try:
                request, body = await self._read(conn, reader, writer, first)
            except Refusal as refusal:  # written by hand: h11 may be in an error state after a bad head
                status, headers, body = problem(refusal.status, refusal.detail)
                head = b"HTTP/1.1 %d %s\r\n" % (status, REASONS.get(status, b"Error"))
                for name, value in self._headers(headers, body, close=True):
                    head += name + b": " + value + b"\r\n"
                writer.write(head + b"\r\n" + body)
                await asyncio.wait_for(writer.drain(), self.limits.send_timeout)
                return
            if request is None:
                return
            response = await self._respond(request, body, client)
            await self._send(conn, writer, *response, head=request.method == b"HEAD")
            if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                return
            conn.start_next_cycle()
            first = False

    async def _receive(self, conn: h11.Connection, reader, timeout: float, stalled: str) -> None:
        try:
            data = await asyncio.wait_for(reader.read(65536), max(0.0, timeout))
        except TimeoutError:
            raise Refusal(408, stalled) from None
        conn.receive_data(data)

    async def _read(self, conn: h11.Connection, reader, writer, first: bool) -> tuple[h11.Request | None, bytes]:
        """The next request, whole: its head within header_timeout, its body at min_body_rate."""
        limits, loop = self.limits, asyncio.get_running_loop()
        if not first and not conn.trailing_data[0]:  # keep-alive: wait quietly for the next request
            try:
                data = await asyncio.wait_for(reader.read(65536), limits.keepalive_timeout)
            except TimeoutError:
                return None, b""
            if not data:
                return None, b""
            conn.receive_data(data)
        deadline = loop.time() + limits.header_timeout
        request = await self._head(conn, reader, deadline)
        if request is None:
            return None, b""
        self._check_head(request)
        length = dict(request.headers).get(b"content-length")
        if length is not None and int(length) > limits.max_body:
            raise Refusal(413, f"the request body is larger than {limits.max_body} bytes")
        if conn.they_are_waiting_for_100_continue:
            writer.write(conn.send(h11.InformationalResponse(status_code=100, headers=[])))
        body = bytearray()
        started = loop.time()
        while True:
            event = self._next(conn)
            if isinstance(event, h11.Data):
                body += event.data
                if len(body) > limits.max_body:
                    raise Refusal(413, f"the request body is larger than {limits.max_body} bytes")
            elif isinstance(event, h11.EndOfMessage):
                return request, bytes(body)
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionError("client closed mid-body")
            else:  # NEED_DATA
                allowed = started + limits.body_timeout + len(body) / limits.min_body_rate - loop.time()
                await self._receive(
                    conn,
                    reader,
                    min(limits.body_timeout, allowed),
                    f"the request body came slower than {limits.min_body_rate:g} bytes/s "
                    f"(after {limits.body_timeout:g} s of grace)",
                )

    async def _head(self, conn: h11.Connection, reader, deadline: float) -> h11.Request | None:
        loop = asyncio.get_running_loop()
        while True:
            event = self._next(conn)
            if isinstance(event, h11.Request):
                return event
            if isinstance(event, h11.ConnectionClosed):
                return None  # closed before a request: no answer owed
            await self._receive(
                conn,
                reader,
                deadline - loop.time(),
                f"the request head did not arrive within {self.limits.header_timeout:g} s",
            )

    def _next(self, conn: h11.Connection):  # noqa: ANN202 - an h11 event or sentinel
        try:
            return conn.next_event()
        except h11.RemoteProtocolError as exc:
            if exc.error_status_hint == 431:
                buffered = bytes(conn.trailing_data[0])
                if b"\n" not in buffered[: self.limits.max_line + 2]:
                    raise Refusal(414, self._line_detail()) from exc
                raise Refusal(431, f"the request head is larger than {self.limits.max_head} bytes") from exc
            status = exc.error_status_hint if exc.error_status_hint in TITLES else 400
            raise Refusal(status, f"malformed HTTP request: {exc}") from exc

    def _line_detail(self) -> str:
        return (
            f"the request line is longer than {self.limits.max_line} bytes; "
            "send long questions with POST /v1/ask (a JSON body)"
        )

    def _check_head(self, request: h11.Request) -> None:
        limits = self.limits
        line = len(request.method) + len(request.target) + 10  # "GET <target> HTTP/1.1"
        if line > limits.max_line:
            raise Refusal(414, self._line_detail())
        head = line + sum(len(n) + len(v) + 4 for n, v in request.headers.raw_items())
        if len(request.headers) > limits.max_fields:
            raise Refusal(431, f"the request has {len(request.headers)} header lines; the limit is {limits.max_fields}")
        for name, value in request.headers.raw_items():
            if len(name) + len(value) + 2 > limits.max_field:
                raise Refusal(431, f"the header {name.decode('latin-1')[:40]} is longer than {limits.max_field} bytes")
        if head > limits.max_head:  # a head that came whole in one read never trips h11's own limit
            raise Refusal(431, f"the request head is larger than {limits.max_head} bytes")

    async def _respond(
        self, request: h11.Request, body: bytes, client: str
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        path = request.target.split(b"?", 1)[0]
        if path == b"/healthz" and request.method in (b"GET", b"HEAD"):
            return 200, [(b"content-type", b"application/json")], b'{"status": "ok"}\n'
        heavy = path.decode("latin-1") in self.limits.heavy_paths
        try:
            if heavy:
                async with self.heavy:
                    return await self._forward(request, body, client)
            return await self._forward(request, body, client)
        except TimeoutError:
            return problem(504, f"no worker answered within {self.limits.upstream_timeout:g} s")
        except (OSError, h11.ProtocolError) as exc:
            log.warning("upstream %s failed: %s", self.upstream, exc)
            return problem(502, "the workers are not answering; retry shortly")

    async def _forward(
        self, request: h11.Request, body: bytes, client: str
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """One request over a fresh connection to a worker; the whole response back (workers close)."""
        headers = [(n, v) for n, v in request.headers.raw_items() if n.lower() not in HOP_BY_HOP]
        headers = self._forwarded(headers, client)
        headers += [(b"content-length", str(len(body)).encode()), (b"connection", b"close")]
        upstream = h11.Connection(h11.CLIENT, max_incomplete_event_size=1 << 20)
        out = upstream.send(h11.Request(method=request.method, target=request.target, headers=headers))
        out += upstream.send(h11.Data(data=body)) if body else b""
        out += upstream.send(h11.EndOfMessage())
        async with asyncio.timeout(self.limits.upstream_timeout):
            reader, writer = await asyncio.open_unix_connection(self.upstream)
            try:
                writer.write(out)
                await writer.drain()
                return await self._response(upstream, reader)
            finally:
                writer.close()

    def _forwarded(self, headers: list[tuple[bytes, bytes]], client: str) -> list[tuple[bytes, bytes]]:
        """X-Forwarded-For/-Proto/-Host with this hop appended (nginx's $proxy_add_x_forwarded_for)."""
        added = {b"x-forwarded-for": client.encode(), b"x-forwarded-proto": b"http"}
        host = next((v for n, v in headers if n.lower() == b"host"), b"")
        added[b"x-forwarded-host"] = host
        if self.proxy_hops == 0:  # nobody in front of us is trusted: drop what the client claims
            headers = [(n, v) for n, v in headers if n.lower() not in added]
        out, seen = [], set()
        for name, value in headers:
            low = name.lower()
            if low in added and low not in seen:
                value, seen = value + b", " + added[low], seen | {low}
            elif low in added:
                continue  # one line per forwarded header
            out.append((name, value))
        return out + [(n, v) for n, v in added.items() if n not in seen]

    async def _response(self, upstream: h11.Connection, reader) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        status, headers, body = 502, [], bytearray()
        while True:
            event = upstream.next_event()
            if event is h11.NEED_DATA:
                upstream.receive_data(await reader.read(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
                headers = [(n, v) for n, v in event.headers.raw_items() if n.lower() not in HOP_BY_HOP]
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                return status, headers, bytes(body)

    async def _send(
        self,
        conn: h11.Connection,
        writer: asyncio.StreamWriter,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        head: bool = False,
    ) -> None:
        """A worker's (or the front's own) response through h11, which keeps the connection's state."""
        all_headers = self._headers(headers, b"" if head else body, close=False, length=not head)
        reason = REASONS.get(status, b"")
        data = conn.send(h11.Response(status_code=status, headers=all_headers, reason=reason))
        if body and not head:
            data += conn.send(h11.Data(data=body))
        data += conn.send(h11.EndOfMessage())
        writer.write(data)
        await asyncio.wait_for(writer.drain(), self.limits.send_timeout)

    @staticmethod
    def _headers(
        headers: list[tuple[bytes, bytes]], body: bytes, close: bool, length: bool = True
    ) -> list[tuple[bytes, bytes]]:
        """`headers` plus the security headers and a request id where missing, the length, the close."""
        names = {n.lower() for n, _ in headers}
        out = list(headers)
        security = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
        out += [(k, v) for k, v in security if k not in names]
        if b"x-request-id" not in names:
            out.append((b"x-request-id", uuid.uuid4().hex.encode()))
        if length:
            out.append((b"content-length", str(len(body)).encode()))
        if close:
            out.append((b"connection", b"close"))
        return out
