"""
Servers that hang, stall halfway, trickle or answer garbage: each call ends in the right
typed error, within the deadline that the timeout and ``RetryPolicy`` promise.

The servers are raw sockets on loopback (``loopback_servers``), alive for a bounded time.
Bounds are generous for a shared 2-core machine (``SLACK_S``) but meaningful: without
the deadline each hanging case would take ``(max_retries + 1) x TIMEOUT_S`` = 4.4 s,
well past ``TOTAL_S + SLACK_S`` = 2.5 s.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Literal

import pytest

from tests.reliability.loopback_servers import (
    Handler,
    LoopbackServer,
    answer_garbage,
    answer_half_body,
    never_answer,
    read_request,
)
from tests.reliability.soak_report import SoakReport
from velerian_sdk import (
    AsyncVelerianClient,
    RetryPolicy,
    VelerianClient,
    VelerianConnectionError,
    VelerianError,
    VelerianTimeoutError,
)

KEY = "vk_live_TIMEOUTSabcdefghijklmnopqrstuvwxyz0123"
TIMEOUT_S = 0.4
TOTAL_S = 1.5
SLACK_S = 1.0
DEADLINE = RetryPolicy(max_retries=10, initial_backoff=0.05, max_backoff=0.2, total_timeout=TOTAL_S)
NO_DEADLINE = RetryPolicy(max_retries=2, initial_backoff=0.05, max_backoff=0.1, total_timeout=None)
QUICK = RetryPolicy(max_retries=10, initial_backoff=0.02, max_backoff=0.05, total_timeout=TOTAL_S)
"""Backoffs that add up to at most 0.46 s, so every retry fits the deadline."""

Flavour = Literal["sync", "async"]


@pytest.fixture(scope="module")
def timings() -> Iterator[SoakReport]:
    """One report for the module: what each broken server cost, published at the end."""
    report = SoakReport("timeouts")
    report.figures["settings"] = (
        f"timeout={TIMEOUT_S} s per attempt, total_timeout={TOTAL_S} s, bound {TOTAL_S + SLACK_S} s"
    )
    yield report
    report.publish()


def note(report: SoakReport, row: str, error: VelerianError, elapsed: float, attempts: int) -> None:
    report.figures[row] = f"{type(error).__name__} after {elapsed:.2f} s, {attempts} attempt(s)"


def call_once(flavour: Flavour, base_url: str, policy: RetryPolicy) -> tuple[VelerianError, float]:
    """Make one typed call; return what it raised and how long it took."""
    started = time.monotonic()
    if flavour == "sync":
        with VelerianClient(
            api_key=KEY, base_url=base_url, timeout=TIMEOUT_S, retry_policy=policy
        ) as client:
            try:
                client.abps.retrieve("abp_1")
            except VelerianError as exc:
                return exc, time.monotonic() - started
    else:

        async def acall() -> VelerianError | None:
            async with AsyncVelerianClient(
                api_key=KEY, base_url=base_url, timeout=TIMEOUT_S, retry_policy=policy
            ) as client:
                try:
                    await client.abps.retrieve("abp_1")
                except VelerianError as exc:
                    return exc
            return None

        error = asyncio.run(acall())
        if error is not None:
            return error, time.monotonic() - started
    pytest.fail("the call succeeded against a broken server")


def trickle_body(connection: socket.socket, stop: threading.Event) -> None:
    """Promise a large body and send it a byte at a time, each well inside the read timeout."""
    if read_request(connection, stop) is None:
        return
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    connection.sendall(b"Content-Length: 100000\r\n\r\n")
    while not stop.wait(TIMEOUT_S / 4):
        connection.sendall(b" ")


def trickle_headers(connection: socket.socket, stop: threading.Event) -> None:
    """Send a status line, then one header byte at a time, never ending the headers."""
    if read_request(connection, stop) is None:
        return
    connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while not stop.wait(TIMEOUT_S / 4):
        connection.sendall(b"a")


HANGS: dict[str, tuple[Handler, int]] = {
    # Each attempt times out after TIMEOUT_S, so several fit before the deadline.
    "accepts, never answers": (never_answer, 2),
    "headers and half a body, then stalls": (answer_half_body, 2),
    # Never a read timeout: the one attempt is cut off by the deadline itself.
    "body trickles in": (trickle_body, 1),
}


@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize("case", list(HANGS))
def test_a_hanging_server_times_out_within_total_timeout(
    case: str, flavour: Flavour, timings: SoakReport
) -> None:
    handler, min_attempts = HANGS[case]
    with LoopbackServer(handler, lifetime=15.0) as server:
        error, elapsed = call_once(flavour, server.url, DEADLINE)
        attempts = server.accepted
    note(timings, f"{case} [{flavour}]", error, elapsed, attempts)
    assert type(error) is VelerianTimeoutError
    assert "GET" in str(error)
    assert elapsed <= TOTAL_S + SLACK_S
    # It really waited for the server, and retried while time was left.
    assert elapsed >= TIMEOUT_S * min_attempts
    assert attempts >= min_attempts
    if min_attempts == 1:
        assert elapsed >= TOTAL_S


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_without_total_timeout_each_retry_waits_one_timeout(
    flavour: Flavour, timings: SoakReport
) -> None:
    with LoopbackServer(never_answer, lifetime=15.0) as server:
        error, elapsed = call_once(flavour, server.url, NO_DEADLINE)
        attempts = server.accepted
    note(
        timings, f"never answers, no total_timeout, 2 retries [{flavour}]", error, elapsed, attempts
    )
    assert type(error) is VelerianTimeoutError
    assert attempts == NO_DEADLINE.max_retries + 1
    floor = attempts * TIMEOUT_S
    assert floor <= elapsed <= floor + 0.05 + 0.1 + SLACK_S


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_garbage_is_a_connection_error_after_every_retry(
    flavour: Flavour, timings: SoakReport
) -> None:
    with LoopbackServer(answer_garbage, lifetime=15.0) as server:
        error, elapsed = call_once(flavour, server.url, QUICK)
        attempts = server.accepted
    note(timings, f"answers garbage [{flavour}]", error, elapsed, attempts)
    assert type(error) is VelerianConnectionError
    assert "RemoteProtocolError" in str(error)
    assert attempts == QUICK.max_retries + 1
    assert elapsed <= TOTAL_S + SLACK_S


@pytest.mark.parametrize(
    "flavour",
    [
        "sync",
        pytest.param(
            "async",
            marks=pytest.mark.skipif(
                sys.version_info < (3, 11),
                reason="the attempt timer needs Task.uncancel (Python 3.11+)",
            ),
        ),
    ],
)
def test_headers_that_trickle_in_are_bounded_by_total_timeout(
    flavour: Flavour, timings: SoakReport
) -> None:
    # Sync: the client's own transport gives every read at most the time left. Async:
    # the attempt timer cancels the attempt at the deadline.
    with LoopbackServer(trickle_headers, lifetime=TOTAL_S + SLACK_S + 1.5) as server:
        error, elapsed = call_once(flavour, server.url, DEADLINE)
        attempts = server.accepted
    note(timings, f"headers trickle in [{flavour}]", error, elapsed, attempts)
    assert type(error) is VelerianTimeoutError
    assert "GET" in str(error)
    # Never a read timeout: the one attempt is cut off by the deadline itself.
    assert attempts == 1
    assert TOTAL_S <= elapsed <= TOTAL_S + SLACK_S
