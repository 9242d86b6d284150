"""A server's Retry-After cannot make the client spin: bad values fall back to backoff."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from tests.conftest import Harness
from velerian_sdk import RetryPolicy, VelerianArgumentError, VelerianRateLimitError
from velerian_sdk._core.retry import MAX_READABLE_RETRY_AFTER, parse_retry_after

UNREADABLE = [
    "-1",
    "-0.5",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e3",
    "1_000",
    "+5",
    "0x10",
    "5 seconds",
    "",
    "9" * 400,
    "99999999999999999999",
    str(int(MAX_READABLE_RETRY_AFTER) + 1),
    "Wed, 21 Oct 2015 07:28:00",  # an HTTP date without its zone
    "Wed, 21 Oct 2015 07:28:00 -0000",  # "unknown zone": parsed as naive
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Mon, 99 Foo 2015 07:28:00 GMT",
]


def upper(low: float, high: float) -> float:
    """A jitter that always draws the top of its range, for exact expectations."""
    return high


def lowest(low: float, high: float) -> float:
    """A jitter that always draws the bottom of its range: the fastest a policy can go."""
    return low


@pytest.mark.parametrize("value", UNREADABLE)
def test_an_unreadable_retry_after_reads_as_absent(value: str) -> None:
    assert parse_retry_after(httpx.Headers({"retry-after": value})) is None
    if not value.isdigit():  # in milliseconds, a day and a second is a readable 86.4 s
        assert parse_retry_after(httpx.Headers({"retry-after-ms": value})) is None


def test_a_retry_after_ms_of_more_than_a_day_reads_as_absent() -> None:
    too_long = str(int(MAX_READABLE_RETRY_AFTER * 1000) + 1)
    assert parse_retry_after(httpx.Headers({"retry-after-ms": too_long})) is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "2.5"}, 2.5),
        ({"retry-after": str(int(MAX_READABLE_RETRY_AFTER))}, MAX_READABLE_RETRY_AFTER),
        ({"retry-after-ms": "-5", "retry-after": "3"}, 3.0),
        ({"retry-after-ms": "nan", "retry-after": "3"}, 3.0),
        ({"retry-after-ms": "0"}, 0.0),
    ],
)
def test_a_readable_retry_after_is_read(headers: dict[str, str], expected: float) -> None:
    assert parse_retry_after(httpx.Headers(headers)) == expected


@pytest.mark.parametrize("value", UNREADABLE)
def test_the_policy_backs_off_when_retry_after_is_unreadable(value: str) -> None:
    policy = RetryPolicy(initial_backoff=0.5, max_backoff=8.0, jitter=upper)
    told = httpx.Response(429, headers={"Retry-After": value})
    assert [policy.delay_for(n, told) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]


def test_the_default_minimum_delay_is_tens_of_milliseconds() -> None:
    assert 0.01 <= RetryPolicy().min_delay <= 0.1


@pytest.mark.parametrize("response", [None, httpx.Response(503, headers={"Retry-After": "0"})])
def test_no_delay_is_shorter_than_the_minimum(response: httpx.Response | None) -> None:
    policy = RetryPolicy(min_delay=0.03, jitter=lowest)
    assert [policy.delay_for(n, response) for n in range(1, 6)] == [0.03] * 5
    assert policy.delay_before_retry(1, response) == 0.03


def test_a_short_retry_after_is_raised_to_the_minimum_and_a_long_one_kept() -> None:
    policy = RetryPolicy(min_delay=0.2, retry_after_spread=0.0)
    assert policy.delay_for(1, httpx.Response(429, headers={"retry-after-ms": "10"})) == 0.2
    assert policy.delay_for(1, httpx.Response(429, headers={"Retry-After": "1"})) == 1.0


def test_a_past_http_date_waits_the_minimum() -> None:
    policy = RetryPolicy(min_delay=0.04)
    told = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert policy.delay_for(1, told) == 0.04


def test_min_delay_zero_is_allowed_for_tests() -> None:
    assert RetryPolicy(min_delay=0.0, jitter=lowest).delay_for(1, None) == 0.0


@pytest.mark.parametrize("value", [-0.01, float("nan"), float("inf"), 61.0])
def test_a_bad_min_delay_is_a_clear_error(value: float) -> None:
    with pytest.raises(VelerianArgumentError, match="min_delay"):
        RetryPolicy(min_delay=value)


@pytest.mark.parametrize("value", ["-1", "0", "nan", "garbage", "Wed, 21 Oct 2015 07:28:00"])
def test_attempts_never_come_faster_than_the_minimum(harness: Harness, value: str) -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": value})] * 20)

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(200, json={}))

    # The fastest draws the policy allows: what a spinning client would do.
    policy = RetryPolicy(max_retries=20, min_delay=0.05, total_timeout=None, jitter=lowest)
    harness.run(harness.client(handler, retry_policy=policy).get("plans"))
    assert len(harness.requests) == 21
    assert len(harness.sleeps) == 20
    assert min(harness.sleeps) >= 0.05


@pytest.mark.parametrize("value", ["-1", "nan", "1e9", "Wed, 21 Oct 2015 07:28:00"])
def test_an_unreadable_retry_after_backs_off_exponentially(harness: Harness, value: str) -> None:
    limited = httpx.Response(429, headers={"Retry-After": value}, json={"detail": "slow"})
    answers = iter([limited] * 4)
    policy = RetryPolicy(max_retries=3, initial_backoff=0.5, max_backoff=8.0, jitter=upper)
    client = harness.client(lambda request: next(answers), retry_policy=policy)
    with pytest.raises(VelerianRateLimitError) as caught:
        harness.run(client.get("plans"))
    assert harness.sleeps == [0.5, 1.0, 2.0]
    assert len(harness.requests) == 4
    assert caught.value.retry_after is None


def test_a_future_http_date_is_still_honoured(harness: Harness) -> None:
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    limited = httpx.Response(429, headers={"Retry-After": when}, json={"detail": "later"})
    answers = iter([limited])
    client = harness.client(lambda request: next(answers, httpx.Response(200, json={})))
    harness.run(client.get("plans"))
    assert 18.0 <= harness.sleeps[0] <= 20.0 * 1.25
