"""Which failures are retried, how long the SDK waits, and that retries cannot bill twice."""

from __future__ import annotations

import asyncio
import email.utils
import math
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest

from tests.conftest import Harness, without_elapsed
from tests.unit import api_samples as s
from velerian_sdk import (
    RetryPolicy,
    VelerianAPIError,
    VelerianArgumentError,
    VelerianConnectionError,
    VelerianRateLimitError,
    VelerianServerError,
    VelerianTimeoutError,
)
from velerian_sdk._core.chain import send_through_chain
from velerian_sdk._core.retry import RetryMiddleware, parse_retry_after


def script(*answers: int | Exception | httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
    """A handler that gives each answer in turn, then 200."""
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        if not queue:
            return httpx.Response(200, json={"ok": True})
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(answer, json={"detail": f"status {answer}"})

    return handler


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retried(harness: Harness, status: int) -> None:
    client = harness.client(script(status, status))
    response = harness.run(client.get("plans"))
    assert response.status_code == 200
    assert len(harness.requests) == 3
    assert len(harness.sleeps) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 501, 505])
def test_other_statuses_are_not_retried(harness: Harness, status: int) -> None:
    client = harness.client(script(status))
    with pytest.raises(VelerianAPIError) as caught:
        harness.run(client.get("plans"))
    assert caught.value.status_code == status
    assert len(harness.requests) == 1
    assert harness.sleeps == []


def test_max_retries_zero_makes_exactly_one_attempt(harness: Harness) -> None:
    client = harness.client(script(503), max_retries=0)
    with pytest.raises(VelerianServerError):
        harness.run(client.get("plans"))
    assert len(harness.requests) == 1


def test_exhausted_retries_raise_the_last_typed_error(harness: Harness) -> None:
    client = harness.client(script(503, 502, 500, 504), max_retries=3)
    with pytest.raises(VelerianServerError) as caught:
        harness.run(client.get("plans"))
    assert caught.value.status_code == 504
    assert len(harness.requests) == 4


def test_retry_policy_max_retries_is_used_when_max_retries_is_not_given(
    harness: Harness,
) -> None:
    client = harness.client(script(*[503] * 5), retry_policy=RetryPolicy(max_retries=5))
    assert client.max_retries == 5
    assert harness.run(client.get("plans")).status_code == 200
    assert len(harness.requests) == 6


def test_max_retries_given_overrides_the_policy(harness: Harness) -> None:
    policy = RetryPolicy(max_retries=5)
    client = harness.client(script(503, 503), max_retries=1, retry_policy=policy)
    with pytest.raises(VelerianServerError):
        harness.run(client.get("plans"))
    assert len(harness.requests) == 2


def test_connection_errors_are_retried_then_typed(harness: Harness) -> None:
    refused = httpx.ConnectError("refused")
    client = harness.client(script(refused, refused, refused), max_retries=2)
    with pytest.raises(VelerianConnectionError) as caught:
        harness.run(client.get("plans"))
    assert not isinstance(caught.value, VelerianTimeoutError)
    assert "GET https://api.test/api/v2/plans" in str(caught.value)
    assert len(harness.requests) == 3


def test_a_connection_error_says_how_often_and_how_long_it_tried(harness: Harness) -> None:
    refused = httpx.ConnectError("refused")
    client = harness.client(script(refused, refused, refused), max_retries=2)
    with pytest.raises(VelerianConnectionError) as caught:
        harness.run(client.get("plans"))
    error = caught.value
    # Before: "GET https://api.test/api/v2/plans failed: ConnectError: refused", whether
    # it was tried once or four times over seconds.
    assert str(error).startswith("GET https://api.test/api/v2/plans failed: ConnectError: refused")
    assert without_elapsed(str(error)).endswith("(3 attempts over N s; max_retries=2)")
    assert error.attempts == 3
    assert error.elapsed_s is not None
    assert 0 <= error.elapsed_s < 1.0
    once = harness.client(script(refused), max_retries=0)
    with pytest.raises(VelerianConnectionError) as caught:
        harness.run(once.get("plans"))
    assert without_elapsed(str(caught.value)).endswith("(1 attempt over N s; max_retries=0)")
    assert caught.value.attempts == 1


def test_the_elapsed_time_of_a_failed_call_counts_its_backoff_sleeps() -> None:
    now = [100.0]

    def send(request: httpx.Request) -> httpx.Response:
        now[0] += 0.25  # each attempt takes a quarter of a second to fail
        raise VelerianConnectionError("GET x failed", method="GET", url="x")

    def sleep(seconds: float) -> None:
        now[0] += seconds

    policy = RetryPolicy(max_retries=3, jitter=lambda low, high: high)
    retry = RetryMiddleware(policy, clock=lambda: now[0])
    request = httpx.Request("GET", "https://api.test/api/v2/plans")
    with pytest.raises(VelerianConnectionError) as caught:
        send_through_chain([retry], request, send, sleep)
    # 4 attempts of 0.25 s, and sleeps of 0.5, 1 and 2 s.
    assert caught.value.elapsed_s == pytest.approx(4.5)
    assert str(caught.value) == "GET x failed (4 attempts over 4.5 s; max_retries=3)"


def test_a_connection_error_says_why_it_was_not_retried(harness: Harness) -> None:
    refused = httpx.ConnectError("refused")
    client = harness.client(script(refused))

    def chunks() -> Iterator[bytes]:
        yield b"abc"

    async def achunks() -> AsyncIterator[bytes]:
        yield b"abc"

    body = chunks() if harness.flavour == "sync" else achunks()
    request = httpx.Request("PUT", "https://api.test/api/v2/blob", content=body)
    with pytest.raises(VelerianConnectionError) as caught:
        harness.run(client._sender.send(request))  # pyright: ignore[reportPrivateUsage]
    assert without_elapsed(str(caught.value)).endswith(
        "(1 attempt over N s; not retried: a streamed body cannot be sent twice)"
    )


class _NoRetryOnConnectErrors(RetryPolicy):
    """A policy whose ``delay_for`` stops early, as its docstring allows."""

    def delay_for(self, attempt: int, response: httpx.Response | None) -> float | None:
        return None if response is None else RetryPolicy.delay_for(self, attempt, response)


@pytest.mark.parametrize("total_timeout", [None, 30.0])
def test_a_policy_that_declines_is_named_as_the_reason(
    harness: Harness, total_timeout: float | None
) -> None:
    refused = httpx.ConnectError("refused")
    policy = _NoRetryOnConnectErrors(total_timeout=total_timeout)
    client = harness.client(script(refused), retry_policy=policy)
    # Before: a bare TypeError (None formatted with :g) escaped with total_timeout=None,
    # and with a deadline the message blamed total_timeout for the policy's choice.
    with pytest.raises(VelerianConnectionError) as caught:
        harness.run(client.get("plans"))
    assert without_elapsed(str(caught.value)).endswith(
        "(1 attempt over N s; the retry policy declined to retry)"
    )
    assert len(harness.requests) == 1


def test_only_a_deadline_that_left_no_room_is_blamed() -> None:
    now = [0.0]

    def send(request: httpx.Request) -> httpx.Response:
        now[0] += 4.75
        raise VelerianConnectionError("GET x failed", method="GET", url="x")

    policy = RetryPolicy(max_retries=5, total_timeout=5.0, jitter=lambda low, high: high)
    retry = RetryMiddleware(policy, clock=lambda: now[0])
    request = httpx.Request("GET", "https://api.test/api/v2/plans")
    with pytest.raises(VelerianConnectionError) as caught:
        send_through_chain([retry], request, send, lambda seconds: None)
    assert str(caught.value) == (
        "GET x failed (1 attempt over 4.8 s; no retry fits in the rest of total_timeout=5 s)"
    )


def test_read_timeout_is_retried_and_typed(harness: Harness) -> None:
    timeout = httpx.ReadTimeout("slow")
    client = harness.client(script(timeout, timeout), max_retries=1)
    with pytest.raises(VelerianTimeoutError):
        harness.run(client.get("plans"))
    assert len(harness.requests) == 2


def test_every_retry_of_a_post_repeats_one_idempotency_key(harness: Harness) -> None:
    client = harness.client(script(503, httpx.ReadTimeout("lost"), 502))
    harness.run(client.post("abps/a/invoke", json={"payload": {}}))
    # Each attempt's headers as sent (the harness snapshots them): a new key on a retry
    # would let the server run a billed invoke twice.
    keys = [r.headers["idempotency-key"] for r in harness.requests]
    assert len(keys) == 4
    assert str(uuid.UUID(keys[0])) == keys[0]
    assert keys == [keys[0]] * 4


def test_a_retried_abp_invoke_sends_one_key_on_every_attempt(harness: Harness) -> None:
    answers = script(503, httpx.ReadTimeout("lost"), httpx.Response(200, json=s.invoke_result()))
    client = harness.client(answers)
    harness.run(client.abps.invoke("abp_1", payload={"prompt": "p"}))
    keys = [r.headers["idempotency-key"] for r in harness.requests]
    assert len(keys) == 3
    assert keys == [keys[0]] * 3
    assert [s.body_of(r) for r in harness.requests] == [{"payload": {"prompt": "p"}}] * 3


def test_every_retry_repeats_the_callers_idempotency_key(harness: Harness) -> None:
    client = harness.client(script(503, httpx.ConnectError("refused")))
    harness.run(client.post("abps/a/invoke", json={"payload": {}}, idempotency_key="order-9"))
    assert [r.headers["idempotency-key"] for r in harness.requests] == ["order-9"] * 3


def test_two_calls_retried_each_keep_their_own_key(harness: Harness) -> None:
    client = harness.client(script(503, 503))
    harness.run(client.post("abps/a/invoke", json={"payload": {}}))
    harness.run(client.post("abps/a/invoke", json={"payload": {}}))
    keys = [r.headers["idempotency-key"] for r in harness.requests]
    # The first call: a 503, a 503, then 200; the second call: 200 at once.
    assert len(keys) == 4
    assert keys[0] == keys[1] == keys[2] != keys[3]


def test_retry_after_seconds_is_honoured(harness: Harness) -> None:
    limited = httpx.Response(429, headers={"Retry-After": "2"}, json={"detail": "slow down"})
    client = harness.client(script(limited))
    harness.run(client.get("plans"))
    # Never sooner than asked; at most 25% later (the default spread).
    assert 2.0 <= harness.sleeps[0] <= 2.5


def test_retry_after_is_stretched_by_a_random_spread_never_shortened(harness: Harness) -> None:
    bounds: list[tuple[float, float]] = []

    def upper(low: float, high: float) -> float:
        bounds.append((low, high))
        return high

    limited = httpx.Response(429, headers={"Retry-After": "2"}, json={"detail": "slow down"})
    policy = RetryPolicy(retry_after_spread=0.5, jitter=upper)
    harness.run(harness.client(script(limited), retry_policy=policy).get("plans"))
    assert bounds == [(0.0, 1.0)]
    assert harness.sleeps == [3.0]


@pytest.mark.parametrize("header", ["0.5", "2"])
def test_retry_after_spread_zero_waits_exactly_what_was_asked(
    harness: Harness, header: str
) -> None:
    limited = httpx.Response(429, headers={"Retry-After": header}, json={"detail": "slow"})
    policy = RetryPolicy(retry_after_spread=0.0)
    harness.run(harness.client(script(limited), retry_policy=policy).get("plans"))
    assert harness.sleeps == [float(header)]


def test_retry_after_spreads_calls_told_to_wait_together() -> None:
    policy = RetryPolicy()
    told = httpx.Response(429, headers={"Retry-After": "1"})
    delays = [policy.delay_for(1, told) for _ in range(200)]
    assert all(d is not None and 1.0 <= d <= 1.25 for d in delays)
    # 200 calls told "1 s" come back over a window, not in one instant.
    assert len(set(delays)) > 150
    spread = [d for d in delays if d is not None]
    assert max(spread) - min(spread) > 0.15


@pytest.mark.parametrize("spread", [-0.1, math.nan, 11.0])
def test_a_bad_retry_after_spread_is_a_clear_error(spread: float) -> None:
    with pytest.raises(VelerianArgumentError, match="retry_after_spread"):
        RetryPolicy(retry_after_spread=spread)


def test_retry_after_ms_wins(harness: Harness) -> None:
    limited = httpx.Response(
        503, headers={"Retry-After": "9", "retry-after-ms": "250"}, json={"detail": "busy"}
    )
    client = harness.client(script(limited))
    harness.run(client.get("plans"))
    assert 0.25 <= harness.sleeps[0] <= 0.3125


def test_retry_after_http_date_is_honoured(harness: Harness) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    limited = httpx.Response(429, headers={"Retry-After": when}, json={"detail": "later"})
    client = harness.client(script(limited))
    harness.run(client.get("plans"))
    assert 28.0 <= harness.sleeps[0] <= 30.0 * 1.25


def _date_in(seconds: float) -> str:
    """An HTTP date ``seconds`` from now, in GMT as RFC 9110 requires."""
    return email.utils.formatdate(time.time() + seconds, usegmt=True)


@pytest.mark.parametrize(
    "header",
    [
        # Without a zone, or with "-0000" (RFC 5322: zone unknown), the date could be
        # any of 24 hours: reading it as local time (or UTC) would wait a guess.
        _date_in(30).removesuffix(" GMT"),
        _date_in(30).replace(" GMT", " -0000"),
        _date_in(-3600).removesuffix(" GMT"),
    ],
    ids=["future, no zone", "future, zone -0000", "past, no zone"],
)
def test_a_retry_after_date_without_a_timezone_is_not_read(header: str) -> None:
    assert parse_retry_after(httpx.Headers({"retry-after": header})) is None


def test_a_retry_after_date_without_a_timezone_gets_the_backoff(harness: Harness) -> None:
    naive = _date_in(30).removesuffix(" GMT")
    limited = httpx.Response(429, headers={"Retry-After": naive}, json={"detail": "later"})
    policy = RetryPolicy(jitter=lambda low, high: high)
    harness.run(harness.client(script(limited), retry_policy=policy).get("plans"))
    # The first backoff (0.5 s by default), not the 30 s the date would say if read.
    assert len(harness.sleeps) == 1
    assert harness.sleeps[0] < 5.0


def test_retry_after_beyond_the_cap_is_not_waited(harness: Harness) -> None:
    limited = httpx.Response(429, headers={"Retry-After": "3600"}, json={"detail": "quota"})
    client = harness.client(script(limited))
    with pytest.raises(VelerianRateLimitError) as caught:
        harness.run(client.get("plans"))
    assert caught.value.retry_after == 3600.0
    assert harness.sleeps == []
    assert len(harness.requests) == 1


def test_backoff_is_full_jitter_exponential(harness: Harness) -> None:
    bounds: list[tuple[float, float]] = []

    def upper(low: float, high: float) -> float:
        bounds.append((low, high))
        return high

    policy = RetryPolicy(initial_backoff=0.5, max_backoff=1.5, jitter=upper)
    client = harness.client(script(500, 500, 500), retry_policy=policy)
    harness.run(client.get("plans"))
    assert bounds == [(0.0, 0.5), (0.0, 1.0), (0.0, 1.5)]
    assert harness.sleeps == [0.5, 1.0, 1.5]


def test_total_timeout_stops_retrying(harness: Harness) -> None:
    slow = httpx.Response(503, headers={"Retry-After": "4"}, json={"detail": "busy"})
    # No spread: stretched by up to 25%, a 4 s wait would now and then not fit in 5 s.
    policy = RetryPolicy(total_timeout=5.0, retry_after_spread=0.0)
    client = harness.client(script(slow, slow, slow), retry_policy=policy)
    # The first wait (4 s) fits the 5 s budget; the harness does not really sleep, so
    # every later 4 s wait also fits, but a policy of 3 s total allows none.
    assert harness.run(client.get("plans")).status_code == 200
    assert harness.sleeps == [4.0, 4.0, 4.0]
    tight_policy = RetryPolicy(total_timeout=3.0, retry_after_spread=0.0)
    tight = harness.client(script(slow), retry_policy=tight_policy)
    with pytest.raises(VelerianServerError):
        harness.run(tight.get("plans"))
    assert len(harness.requests) == 4 + 1
    assert harness.sleeps == [4.0, 4.0, 4.0]


def test_total_timeout_clips_each_attempt(harness: Harness) -> None:
    client = harness.client(script(), timeout=60.0, retry_policy=RetryPolicy(total_timeout=2.0))
    harness.run(client.get("plans"))
    timeouts = harness.requests[0].timeout
    assert set(timeouts) == {"connect", "read", "write", "pool"}
    assert all(value is not None and 0 < value <= 2.0 for value in timeouts.values())


class Trickle(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that arrives one byte every 10 ms, each read well inside any read timeout."""

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(200):
            time.sleep(0.01)
            yield b" "

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(200):
            await asyncio.sleep(0.01)
            yield b" "


def test_total_timeout_bounds_a_body_that_trickles_in(harness: Harness) -> None:
    client = harness.client(
        lambda r: httpx.Response(200, stream=Trickle()),
        retry_policy=RetryPolicy(total_timeout=0.3),
    )
    started = time.monotonic()
    with pytest.raises(VelerianTimeoutError):
        harness.run(client.get("plans"))
    # Without the deadline the body takes 2 s; with it the call ends just after 0.3 s.
    assert time.monotonic() - started < 1.0
    assert len(harness.requests) == 1


def test_an_attempt_after_a_backoff_gets_only_the_time_left_after_it() -> None:
    now = [100.0]
    timeouts: list[float] = []
    answers = [httpx.Response(503, headers={"Retry-After": "4"}), httpx.Response(200)]

    def send(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"]["read"])
        return answers.pop(0)

    def sleep(seconds: float) -> None:
        now[0] += seconds

    policy = RetryPolicy(total_timeout=10.0, retry_after_spread=0.0)
    retry = RetryMiddleware(policy, clock=lambda: now[0])
    request = httpx.Request("GET", "https://api.test/api/v2/plans")
    request.extensions["timeout"] = {"connect": 5.0, "read": 60.0, "write": 60.0, "pool": 60.0}
    assert send_through_chain([retry], request, send, sleep).status_code == 200
    # The retry starts 4 s into a 10 s budget: 6 s are left for it, not 10.
    assert timeouts == [10.0, 6.0]


def test_one_shot_stream_bodies_are_not_retried(harness: Harness) -> None:
    client = harness.client(script(503))

    def chunks() -> Iterator[bytes]:
        yield b"abc"

    async def achunks() -> AsyncIterator[bytes]:
        yield b"abc"

    body = chunks() if harness.flavour == "sync" else achunks()
    request = httpx.Request("PUT", "https://api.test/api/v2/blob", content=body)
    with pytest.raises(VelerianServerError):
        harness.run(client._sender.send(request))  # pyright: ignore[reportPrivateUsage]
    assert len(harness.requests) == 1


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": " 1.5 "}, 1.5),
        ({"retry-after": "-4"}, None),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "junk", "retry-after": "2"}, 2.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(httpx.Headers(headers)) == expected


def test_delay_before_retry_stops_past_max_retries() -> None:
    policy = RetryPolicy(max_retries=2, jitter=lambda low, high: high)
    assert policy.delay_before_retry(1, None) == 0.5
    assert policy.delay_before_retry(2, None) == 1.0
    assert policy.delay_before_retry(3, None) is None
