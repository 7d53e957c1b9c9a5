"""HTTP/1.1 for the model server (serve.py), on asyncio's Protocol API and the standard library
only: keep-alive connections (requests on one connection are answered in order), bodies sized
by Content-Length, and limits that answer instead of hanging.

- A request's headers must arrive within `header_timeout`, the whole request within
  `request_timeout` (408, then the connection closes); an idle connection closes after
  `idle_timeout`; a client that stops reading its answers is cut off after `request_timeout`.
- Over `max_connections` a new connection is answered 503 and closed; over `max_in_flight`
  requests being predicted, a request is answered 503 with Retry-After (the app decides that).
- Headers over `max_header_bytes` get 431, bodies over `max_body_bytes` 413, a chunked body 411.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Set, Tuple

REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
    505: "HTTP Version Not Supported",
}
RETRY_AFTER = b"Retry-After: 1\r\n"


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 16 * 1024 * 1024
    max_header_bytes: int = 64 * 1024
    header_timeout: float = 10.0
    request_timeout: float = 30.0
    idle_timeout: float = 15.0
    max_connections: int = 1024
    max_in_flight: int = 256


def _to_json(value: Any) -> Any:
    # Models often return numpy arrays/scalars; both expose tolist() without importing numpy here.
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode(payload: Any) -> bytes:
    return json.dumps(payload, default=_to_json, separators=(",", ":")).encode("utf-8")


def encode_answer(status: int, payload: Any) -> Tuple[int, bytes]:
    """`payload` as JSON bytes, or a 500 naming why it cannot be: a model's answer that JSON cannot
    hold is the model's failure, not a hung request."""
    try:
        return status, encode(payload)
    except (TypeError, ValueError) as e:
        return 500, encode({"error": f"predict failed: answer is not JSON: {e}"})


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# dispatch(connection, method, path, body or None when no Content-Length was sent)
Dispatch = Callable[["Connection", str, str, Optional[bytes]], None]

# Where a connection is between requests: what its deadline (if any) is for.
IDLE, READING, ANSWERING, LINGERING = 0, 1, 2, 3
# After a last answer the server stops sending but reads (and drops) what the client still sends
# this long: closing at once would reset the connection and could lose the answer on its way.
LINGER_S = 2.0


class Connection(asyncio.Protocol):
    def __init__(self, server: "HttpServer") -> None:
        self.server = server
        self.transport: Optional[asyncio.Transport] = None
        self.buffer = bytearray()
        self.phase = IDLE
        self.deadline: Optional[float] = None
        self.request_started = 0.0
        self.head: Optional[tuple] = None  # (method, path, keep_alive, length or None)
        self.keep_alive = True
        # HTTP/1.0 keeps a connection open only when both sides say so; either version is told the idle limit.
        self.keep_alive_header = b""
        self.reading = False
        self.closed = False
        self.write_paused = False

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        server = self.server
        server.connections.add(self)
        if len(server.connections) > server.limits.max_connections:
            self.keep_alive = False
            self.respond(503, {"error": f"overloaded: over {server.limits.max_connections} connections, retry"}, RETRY_AFTER)
            return
        self.deadline = server.loop.time() + server.limits.header_timeout

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.closed = True
        self.server.connections.discard(self)

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        self.buffer += data
        if self.phase == IDLE:
            self.phase = READING
            self.request_started = self.server.loop.time()
            self.deadline = self.request_started + self.server.limits.header_timeout
        if self.phase == READING and not self.write_paused:
            self._read_requests()
        elif len(self.buffer) > self.server.limits.max_header_bytes + self.server.limits.max_body_bytes:
            # Pipelined requests pile up while one is answered: stop reading until it is.
            self.transport.pause_reading()  # type: ignore[union-attr]

    def pause_writing(self) -> None:
        self.write_paused = True
        self.deadline = self.server.loop.time() + self.server.limits.request_timeout

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.phase == READING:
            self.deadline = self.request_started + self.server.limits.request_timeout
            self._read_requests()
        elif self.phase == IDLE:
            self.deadline = self.server.loop.time() + self.server.limits.idle_timeout

    # requests

    def _read_requests(self) -> None:
        if self.reading:
            return  # answered during dispatch: the loop below goes on with the next request
        self.reading = True
        try:
            self._read_buffered()
        finally:
            self.reading = False

    def _read_buffered(self) -> None:
        limits = self.server.limits
        while self.phase == READING and not self.closed and not self.write_paused:
            if self.head is None:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    if len(self.buffer) > limits.max_header_bytes:
                        self._fail(431, f"headers: larger than {limits.max_header_bytes} bytes")
                    return
                if end > limits.max_header_bytes:
                    self._fail(431, f"headers: larger than {limits.max_header_bytes} bytes")
                    return
                head = bytes(self.buffer[:end])
                del self.buffer[: end + 4]
                try:
                    self.head = self._parse_head(head)
                except HttpError as e:
                    self._fail(e.status, str(e))
                    return
                self.deadline = self.request_started + limits.request_timeout
            method, path, keep_alive, length = self.head
            if length and len(self.buffer) < length:
                return
            body = None if length is None else bytes(self.buffer[:length])
            del self.buffer[: length or 0]
            self.head = None
            self.keep_alive = keep_alive
            self.phase = ANSWERING
            self.deadline = None
            self.server.dispatch(self, method, path, body)
        if self.transport is not None and not self.closed and len(self.buffer) <= limits.max_header_bytes:
            self.transport.resume_reading()

    def _parse_head(self, head: bytes) -> tuple:
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[1]:
            self.keep_alive = False
            raise HttpError(400, "request line: expected METHOD PATH HTTP/1.x")
        method, path, version = parts
        if version not in ("HTTP/1.1", "HTTP/1.0"):
            self.keep_alive = False
            raise HttpError(505, f"request line: {version[:20]!r} is not HTTP/1.0 or HTTP/1.1")
        headers: Dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                self.keep_alive = False
                raise HttpError(400, "headers: malformed header line")
            name = name.lower()
            value = value.strip()
            if name in headers and name == "content-length" and headers[name] != value:
                self.keep_alive = False
                raise HttpError(400, "headers: conflicting Content-Length values")
            headers[name] = value
        connection = headers.get("connection", "").lower()
        keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
        self.keep_alive = keep_alive
        server = self.server
        self.keep_alive_header = (server.keep_alive_http10 if version == "HTTP/1.0" else server.keep_alive_hint) if keep_alive else b""
        if "transfer-encoding" in headers:
            # The body's end is unknown without reading chunks we refuse: the connection cannot go on.
            self.keep_alive = False
            raise HttpError(411, "body: Content-Length required (chunked request bodies are not accepted)")
        length: Optional[int] = None
        if "content-length" in headers:
            raw = headers["content-length"]
            if not raw.isdigit():
                self.keep_alive = False
                raise HttpError(400, "headers: Content-Length must be a non-negative integer")
            length = int(raw)
            if length > self.server.limits.max_body_bytes:
                self.keep_alive = False
                raise HttpError(413, f"body: larger than {self.server.limits.max_body_bytes} bytes")
            if headers.get("expect", "").lower() == "100-continue" and len(self.buffer) < length:
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # type: ignore[union-attr]
        return method, path, keep_alive, length

    def _fail(self, status: int, message: str) -> None:
        self.keep_alive = False
        self.phase = ANSWERING
        self.respond(status, {"error": message})

    def respond(self, status: int, payload: Any, extra_headers: bytes = b"") -> None:
        """Answers the current request with `payload` as JSON; then reads the next one, or closes the connection."""
        if self.closed:
            return
        status, body = encode_answer(status, payload)
        self.respond_body(status, body, extra_headers)

    def respond_body(self, status: int, body: bytes, extra_headers: bytes = b"", content_type: bytes = b"application/json") -> None:
        """Answers the current request with `body` as it is."""
        if self.closed:
            return
        close = self.keep_alive_header if self.keep_alive else b"Connection: close\r\n"
        head = b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s%s\r\n" % (
            status,
            REASONS.get(status, "Unknown").encode(),
            content_type,
            len(body),
            close,
            extra_headers,
        )
        transport = self.transport
        transport.write(head + body)  # type: ignore[union-attr]
        if not self.keep_alive:
            self.closed = True
            if transport.can_write_eof():  # type: ignore[union-attr]
                transport.write_eof()  # type: ignore[union-attr]
                transport.resume_reading()  # type: ignore[union-attr]
                self.phase = LINGERING
                self.deadline = self.server.loop.time() + LINGER_S
            else:
                transport.close()  # type: ignore[union-attr]
            return
        if self.buffer:
            self.phase = READING
            self.request_started = self.server.loop.time()
            self.deadline = self.request_started + self.server.limits.header_timeout
            self._read_requests()
        else:
            self.phase = IDLE
            self.deadline = self.server.loop.time() + self.server.limits.idle_timeout

    def expire(self, now: float) -> None:
        if self.deadline is None or now < self.deadline:
            return
        if self.phase == LINGERING:
            self.deadline = None
            self.transport.close()  # type: ignore[union-attr]
        elif self.closed:
            return
        elif self.phase == READING and not self.write_paused:
            self._fail(408, "request: not received in time")
        else:
            # Idle, or not reading what it was sent: nothing to answer.
            self.closed = True
            self.transport.abort() if self.write_paused else self.transport.close()  # type: ignore[union-attr]


class HttpServer:
    """Connections of one listening socket; `dispatch` answers each request through `Connection.respond`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, dispatch: Dispatch, limits: Limits) -> None:
        self.loop = loop
        self.dispatch = dispatch
        self.limits = limits
        self.connections: Set[Connection] = set()
        # Told on every kept-alive answer, so that a client's pool drops an idle connection before
        # this server closes it under a request (whole seconds, rounded down: never later than ours).
        self.keep_alive_hint = b"Keep-Alive: timeout=%d\r\n" % int(limits.idle_timeout)
        # HTTP/1.0 also needs the connection kept open said outright; both made once, not per request.
        self.keep_alive_http10 = b"Connection: keep-alive\r\n" + self.keep_alive_hint
        self._sweeper: Optional[asyncio.TimerHandle] = None
        self._sweep_every = max(0.05, min(1.0, limits.header_timeout / 4, limits.idle_timeout / 4))

    def protocol(self) -> Connection:
        return Connection(self)

    def start_sweeping(self) -> None:
        # One timer for every connection's deadline, not one per request.
        now = self.loop.time()
        for connection in list(self.connections):
            connection.expire(now)
        self._sweeper = self.loop.call_later(self._sweep_every, self.start_sweeping)

    def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        for connection in list(self.connections):
            if connection.transport is not None:
                connection.transport.close()
