"""
A minimal, fast HTTP/1.1 server on 127.0.0.1 with canned JSON answers.

It exists so that loopback benchmarks measure the client, not the server: one
``asyncio.Protocol`` per connection, keep-alive, ``Content-Length`` bodies, answers
encoded ahead of time. It is not the stub server (``stubs/``), whose own cost would hide
the SDK's. Run it as ``python -m benchmarks.loopback_server``: it prints ``PORT <n>``,
serves until its standard input closes (its parent exited) or ``--lifetime`` seconds
pass, and then stops by itself.

Routes (any path may start with ``/delay/<ms>`` to answer after that many milliseconds,
and with ``/items/<n>`` to size the audit log):

- ``GET  /api/v2/abps/<id>``: an Abp;
- ``POST /api/v2/abps/<id>/invoke``: an InvokeResponse;
- ``GET  /api/v2/audit-log?limit=L&offset=O``: a page of audit entries;
- ``POST /v1/chat/completions``: an OpenAI chat completion;
- ``GET  /_stats``: ``{"connections": n}``, how many connections were accepted so far;
- the routes of the per-method sweep (``benchmarks/method_payloads.py``);
- anything else: ``404 {"detail": "not found"}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
from urllib.parse import parse_qsl

from .method_payloads import METHOD_ANSWERS
from .payloads import ABP_JSON, CHAT_COMPLETION_JSON, INVOKE_JSON, audit_items, audit_page

__all__ = ["Router", "main"]

DEFAULT_ITEMS = 100_000
MAX_LIMIT = 500


def _response(body: bytes, status: bytes = b"200 OK") -> bytes:
    return (
        b"HTTP/1.1 %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
        b"x-request-id: req_000000000000000000000000\r\n\r\n%s" % (status, len(body), body)
    )


_ABP = _response(ABP_JSON)
_INVOKE = _response(INVOKE_JSON)
_CHAT = _response(CHAT_COMPLETION_JSON)
_NOT_FOUND = _response(b'{"detail":"not found"}', b"404 Not Found")
_REASONS = {200: b"OK", 201: b"Created", 202: b"Accepted", 204: b"No Content"}
_SWEPT = {
    (method.encode(), path.encode()): _response(body, b"%d %s" % (status, _REASONS[status]))
    for (method, path), (status, body) in METHOD_ANSWERS.items()
}


class Router:
    """Turns a request line into the bytes of a full response, and a delay."""

    def __init__(self) -> None:
        self._items = audit_items(MAX_LIMIT)
        self.connections = 0

    def answer(self, method: bytes, target: bytes) -> tuple[bytes, float]:
        """
        Answer one request.

        Args:
            method: ``GET``, ``POST``...
            target: The request target, path and query.

        Returns:
            The response bytes and the seconds to wait before sending them.
        """
        path, _, query = target.partition(b"?")
        delay = 0.0
        count = DEFAULT_ITEMS
        while True:
            if path.startswith(b"/delay/"):
                value, _, rest = path[7:].partition(b"/")
                delay, path = int(value) / 1000, b"/" + rest
            elif path.startswith(b"/items/"):
                value, _, rest = path[7:].partition(b"/")
                count, path = int(value), b"/" + rest
            else:
                break
        swept = _SWEPT.get((method, path))
        if swept is not None and path != b"/api/v2/audit-log":  # the log pages by its query
            return swept, delay
        if path.startswith(b"/api/v2/abps/"):
            if method == b"POST" and path.endswith(b"/invoke"):
                return _INVOKE, delay
            if method == b"GET":
                return _ABP, delay
        elif path == b"/api/v2/audit-log" and method == b"GET":
            return self._audit_page(query, count), delay
        elif path == b"/v1/chat/completions" and method == b"POST":
            return _CHAT, delay
        elif path == b"/_stats":
            return _response(b'{"connections":%d}' % self.connections), delay
        return _NOT_FOUND, delay

    def _audit_page(self, query: bytes, count: int) -> bytes:
        params = dict(parse_qsl(query.decode()))
        limit = max(1, min(int(params.get("limit", "50")), MAX_LIMIT))
        offset = max(0, int(params.get("offset", "0")))
        size = max(0, min(limit, count - offset))
        return _response(audit_page(self._items[:size], limit=limit, offset=offset, total=count))


class _Connection(asyncio.Protocol):
    def __init__(self, router: Router) -> None:
        self._router = router
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._router.connections += 1

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self._buffer[:end])
            lowered = head.lower()
            length = 0
            at = lowered.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = lowered.find(b"\r\n", at + 2)
                length = int(lowered[at + 17 : stop if stop >= 0 else len(lowered)])
            if len(self._buffer) < end + 4 + length:
                return
            del self._buffer[: end + 4 + length]
            first = head.find(b"\r\n")
            method, target, _ = (head if first < 0 else head[:first]).split(b" ", 2)
            response, delay = self._router.answer(method, target)
            closing = b"\r\nconnection: close" in lowered
            if delay:
                asyncio.get_running_loop().call_later(delay, self._send, response, closing)
            else:
                self._send(response, closing)

    def _send(self, response: bytes, closing: bool) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        transport.write(response)
        if closing:
            transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None


async def _serve(port: int, lifetime: float) -> None:
    loop = asyncio.get_running_loop()
    router = Router()
    server = await loop.create_server(
        lambda: _Connection(router), "127.0.0.1", port, backlog=4096, reuse_address=True
    )
    bound = server.sockets[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)
    stop = asyncio.Event()

    def wait_for_parent() -> None:
        sys.stdin.buffer.read()  # returns when the parent closes our stdin or exits
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_for_parent, daemon=True).start()
    async with server:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=lifetime)


def main(argv: list[str] | None = None) -> None:
    """Serve until stdin closes or ``--lifetime`` seconds have passed."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loopback_server")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--lifetime", type=float, default=3600.0)
    args = parser.parse_args(argv)
    port: int = args.port
    lifetime: float = args.lifetime
    asyncio.run(_serve(port, lifetime))


if __name__ == "__main__":
    main()
