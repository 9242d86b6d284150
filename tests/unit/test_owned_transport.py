"""The sync client's own transport: every network read of an attempt ends by its deadline."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import TEST_KEY
from velerian_sdk import RetryPolicy, VelerianClient, VelerianTimeoutError
from velerian_sdk._core.chain import DEADLINE
from velerian_sdk._core.retry import ATTEMPT_DEADLINE, AttemptTimer
from velerian_sdk._sync.transport import (
    DeadlineTransport,
    _clipped,  # pyright: ignore[reportPrivateUsage]
    owned_transport_sync,
)


def test_reads_outside_an_attempt_keep_their_own_timeout() -> None:
    assert ATTEMPT_DEADLINE.get() is None
    assert _clipped(5.0) == 5.0
    assert _clipped(None) is None


def test_an_attempt_clips_each_read_to_the_time_left() -> None:
    request = httpx.Request("GET", "https://api.test/plans")
    request.extensions[DEADLINE] = time.monotonic() + 2.0
    with AttemptTimer(request):
        clipped = _clipped(30.0)
        assert clipped is not None
        assert 1.5 < clipped <= 2.0
        assert _clipped(0.5) == 0.5  # a shorter per-read timeout stands
        unbounded = _clipped(None)
        assert unbounded is not None
        assert unbounded <= 2.0
    assert ATTEMPT_DEADLINE.get() is None  # reset on the way out


def test_a_passed_deadline_still_gives_a_read_a_timeout_not_a_non_blocking_socket() -> None:
    request = httpx.Request("GET", "https://api.test/plans")
    request.extensions[DEADLINE] = time.monotonic() - 1.0
    with AttemptTimer(request):
        clipped = _clipped(30.0)
    assert clipped is not None
    assert 0 < clipped <= 0.01


def test_the_deadline_is_reset_when_the_attempt_raises() -> None:
    request = httpx.Request("GET", "https://api.test/plans")
    request.extensions[DEADLINE] = time.monotonic() + 2.0
    with pytest.raises(RuntimeError), AttemptTimer(request):
        raise RuntimeError
    assert ATTEMPT_DEADLINE.get() is None


def test_without_a_deadline_nothing_is_published() -> None:
    with AttemptTimer(httpx.Request("GET", "https://api.test/plans")):
        assert ATTEMPT_DEADLINE.get() is None


def test_the_sync_client_sends_through_its_deadline_transport() -> None:
    assert isinstance(owned_transport_sync(httpx.Limits(max_connections=5)), DeadlineTransport)


@pytest.fixture
def loopback() -> Iterator[tuple[str, list[bytes]]]:
    """A server that answers each connection with the next canned reply, then closes."""
    listener = socket.create_server(("127.0.0.1", 0))
    replies: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                connection.recv(65536)
                if replies:
                    connection.sendall(replies.pop(0))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", replies
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def test_the_transport_answers_and_streams_a_body(loopback: tuple[str, list[bytes]]) -> None:
    url, replies = loopback
    replies.append(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-request-id: r1\r\n\r\nhello")
    with httpx.Client(transport=owned_transport_sync(httpx.Limits())) as client:
        response = client.get(f"{url}/plans")
    assert (response.status_code, response.content) == (200, b"hello")
    assert response.headers["x-request-id"] == "r1"
    assert response.extensions["http_version"] == b"HTTP/1.1"


def test_httpcore_errors_come_out_as_their_httpx_twins(loopback: tuple[str, list[bytes]]) -> None:
    url, replies = loopback
    replies.append(b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\ncut off")
    replies.append(b"NOT HTTP AT ALL\r\n\r\n")
    with httpx.Client(transport=owned_transport_sync(httpx.Limits())) as client:
        with pytest.raises(httpx.RemoteProtocolError) as mid_body:
            client.get(f"{url}/a")
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(f"{url}/b")
        closed = socket.create_server(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        closed.close()
        with pytest.raises(httpx.ConnectError) as refused:
            client.get(f"http://127.0.0.1:{port}/")
    assert mid_body.value.request.url.path == "/a"
    assert refused.value.request.url.port == port


@pytest.fixture
def slow_headers() -> Iterator[str]:
    """A server that accepts and then sends a status line one byte every 0.1 s."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(5)
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            connection.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n" * 10:
                if stop.wait(0.1):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        thread.join(5)


def test_the_owned_sync_client_ends_a_trickle_of_headers_at_the_deadline(
    slow_headers: str,
) -> None:
    # Each byte arrives well inside the 5 s read timeout: only the deadline can stop it.
    policy = RetryPolicy(total_timeout=0.6, max_retries=0)
    with VelerianClient(
        api_key=TEST_KEY, base_url=slow_headers, timeout=5.0, retry_policy=policy
    ) as client:
        began = time.monotonic()
        with pytest.raises(VelerianTimeoutError, match="GET"):
            client.get("plans")
        assert 0.6 <= time.monotonic() - began < 1.5
