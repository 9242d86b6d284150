"""
Tiny raw-socket HTTP servers on 127.0.0.1 that misbehave on purpose, or record what they get.

Each server runs in a daemon thread with a bounded lifetime, and each connection in a
thread of its own; leaving the ``with`` block (or the lifetime running out) closes every
socket and joins every thread. Nothing here is real HTTP beyond what a test needs.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

from typing_extensions import Self

__all__ = [
    "KeepAliveLedger",
    "LoopbackServer",
    "RecordedRequest",
    "Recorder",
    "answer",
    "answer_garbage",
    "answer_half_body",
    "never_answer",
]

POLL_S = 0.05
HEAD_LIMIT = 64 * 1024


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as it arrived: the raw bytes, and its parsed line and headers."""

    raw: bytes
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


Handler = Callable[[socket.socket, threading.Event], None]


class LoopbackServer:
    """
    Accept connections on a free loopback port and hand each to ``handler``.

    Args:
        handler: Serves one connection; it should return when ``stop`` is set.
        lifetime: Seconds after which the server stops by itself.
    """

    def __init__(self, handler: Handler, *, lifetime: float = 30.0) -> None:
        self._handler = handler
        self._lifetime = lifetime
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(POLL_S)
        self._threads: list[threading.Thread] = []
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self.accepted = 0
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._listener.getsockname()[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def _accept_loop(self) -> None:
        deadline = time.monotonic() + self._lifetime
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            connection.settimeout(POLL_S)
            worker = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            with self._lock:
                self.accepted += 1
                self._connections.append(connection)
                self._threads.append(worker)
            worker.start()
        self._stop.set()

    def _serve(self, connection: socket.socket) -> None:
        try:
            self._handler(connection, self._stop)
        except OSError:
            pass  # the client hung up first; that is its right
        finally:
            connection.close()

    def __enter__(self) -> Self:
        self._acceptor.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._acceptor.join(5.0)
        self._listener.close()
        with self._lock:
            connections, threads = list(self._connections), list(self._threads)
        for connection in connections:
            connection.close()
        for worker in threads:
            worker.join(5.0)


def read_request(connection: socket.socket, stop: threading.Event) -> RecordedRequest | None:
    """Read one request (head, then a ``Content-Length`` body); ``None`` if it never came."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = _receive(connection, stop)
        if not chunk or len(data) > HEAD_LIMIT:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    request_line = lines[0].split(" ")
    method, target = request_line[0], request_line[1] if len(request_line) > 1 else ""
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    expected = int(headers.get("content-length", "0") or "0")
    while len(body) < expected:
        chunk = _receive(connection, stop)
        if not chunk:
            break
        body += chunk
    return RecordedRequest(head + b"\r\n\r\n" + body, method, target, headers, body)


def _receive(connection: socket.socket, stop: threading.Event) -> bytes:
    while not stop.is_set():
        try:
            return connection.recv(65536)
        except TimeoutError:
            continue
    return b""


def _idle_until_stopped(connection: socket.socket, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            if not connection.recv(65536):
                return  # the client closed its side
        except TimeoutError:
            continue


def never_answer(connection: socket.socket, stop: threading.Event) -> None:
    """Accept, read whatever comes, and never write a byte."""
    _idle_until_stopped(connection, stop)


def answer_half_body(connection: socket.socket, stop: threading.Event) -> None:
    """Send the status line, headers and half the promised body, then stall."""
    if read_request(connection, stop) is None:
        return
    body = b'{"id": "abp_1", "name": "' + b"x" * 200
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        f"Content-Length: {2 * len(body)}\r\n\r\n"
    )
    connection.sendall(head.encode() + body)
    _idle_until_stopped(connection, stop)


GARBAGE = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 \xff\xfe not http at all \x00\r\n\r\n"


def answer_garbage(connection: socket.socket, stop: threading.Event) -> None:
    """Answer a request with bytes that are not HTTP, then hang up."""
    if read_request(connection, stop) is not None:
        connection.sendall(GARBAGE)


def answer(status: int, body: bytes = b"{}", headers: dict[str, str] | None = None) -> bytes:
    """A complete HTTP/1.1 response that closes the connection."""
    lines = [f"HTTP/1.1 {status} X", "Connection: close", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if not any(name.lower() == "content-type" for name in headers or {}):
        lines.append("Content-Type: application/json")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class Recorder:
    """
    A handler that records every request and answers with ``respond(request)``.

    Attributes:
        respond: Builds the raw response bytes for a request.
        requests: Every request received, in order.
    """

    respond: Callable[[RecordedRequest], bytes] = field(default=lambda request: answer(200))
    requests: list[RecordedRequest] = field(default_factory=list[RecordedRequest])
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, connection: socket.socket, stop: threading.Event) -> None:
        """Serve one connection: one request, one answer, close."""
        request = read_request(connection, stop)
        if request is None:
            return
        with self._lock:
            self.requests.append(request)
        connection.sendall(self.respond(request))

    def raw_bytes(self) -> bytes:
        """Everything received, concatenated."""
        with self._lock:
            return b"".join(request.raw for request in self.requests)


@dataclass
class KeepAliveLedger:
    """
    A loopback handler that keeps connections open and records which carried what.

    Attributes:
        seen: ``(connection number, request target)`` for every request, in order.
    """

    seen: list[tuple[int, str]] = field(default_factory=list[tuple[int, str]])
    connections: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, connection: socket.socket, stop: threading.Event) -> None:
        """Serve requests on one connection until the client hangs up."""
        with self._lock:
            number = self.connections
            self.connections += 1
        while (request := read_request(connection, stop)) is not None:
            with self._lock:
                self.seen.append((number, request.target))
            connection.sendall(KEEP_ALIVE_ANSWER)

    def connection_of(self, target: str) -> int:
        """The connection that carried ``target``."""
        with self._lock:
            return next(number for number, seen in self.seen if seen == target)

    def carried_by(self, number: int) -> list[str]:
        """The targets connection ``number`` carried, in order."""
        with self._lock:
            return [target for seen_on, target in self.seen if seen_on == number]


KEEP_ALIVE_ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
)
