"""runs.wait: terminal states, deadlines, hints, jitter, on_status, and cancellation."""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Sequence

import httpx
import pytest

from tests.conftest import TEST_KEY, Harness
from tests.unit import api_samples as s
from velerian_sdk import (
    AsyncVelerianClient,
    JSONObject,
    Run,
    VelerianArgumentError,
    VelerianClient,
    VelerianRunTimeoutError,
)
from velerian_sdk._core.polling import MAX_POLL_HINT, MIN_POLL_HINT, RunPoller


class FakeTime:
    """A monotonic clock that only moves when the client sleeps or a request "takes" time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.jitters: list[tuple[float, float]] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def middle(self, low: float, high: float) -> float:
        self.jitters.append((low, high))
        return (low + high) / 2


def timed(
    harness: Harness, statuses: Sequence[str | JSONObject], *, request_s: float = 0.0
) -> tuple[VelerianClient | AsyncVelerianClient, FakeTime]:
    """A client whose run goes through ``statuses`` (the last one repeats)."""
    time = FakeTime()
    bodies = [s.run(status=st) if isinstance(st, str) else st for st in statuses]

    def handler(request: httpx.Request) -> httpx.Response:
        time.now += request_s
        index = min(len(harness.requests) - 1, len(bodies) - 1)
        return httpx.Response(200, json=bodies[index])

    client = harness.client(handler)
    if isinstance(client, VelerianClient):
        client._sleep = time.sleep  # pyright: ignore[reportPrivateUsage]
    else:
        client._sleep = time.asleep  # pyright: ignore[reportPrivateUsage]
    client.runs._clock = time.clock  # pyright: ignore[reportPrivateUsage]
    client.runs._jitter = time.middle  # pyright: ignore[reportPrivateUsage]
    return client, time


@pytest.mark.parametrize("terminal", ["succeeded", "failed", "blocked"])
def test_returns_every_terminal_state(harness: Harness, terminal: str) -> None:
    client, time = timed(harness, ["queued", "running", terminal])
    run = harness.run(client.runs.wait("run_1"))
    assert run.status == terminal
    assert run.is_terminal
    assert len(harness.requests) == 3
    assert {r.url.path for r in harness.requests} == {"/api/v2/pack-runs/run_1"}
    assert time.sleeps == [3.0, 3.0]  # poll_interval x the middle of [0.8, 1.2]


def test_blocked_is_a_verdict_not_an_error(harness: Harness) -> None:
    client, _ = timed(harness, ["blocked"])
    run = harness.run(client.runs.wait("run_1"))
    assert (run.status, run.governance_pass, run.governance_reasons) == (
        "blocked",
        False,
        ["policy X"],
    )


def test_timeout_error_names_the_run_and_does_not_cancel_it(harness: Harness) -> None:
    client, time = timed(harness, ["queued", "running"])
    with pytest.raises(VelerianRunTimeoutError) as info:
        harness.run(client.runs.wait("run_1", poll_interval=3.0, timeout=10.0))
    error = info.value
    assert (error.run_id, error.status, error.waited_s) == ("run_1", "running", 10.0)
    assert "run run_1 was still 'running' after waiting 10.0s" in str(error)
    assert "not cancelled" in str(error)
    assert "client.runs.wait('run_1')" in str(error)
    assert time.sleeps == [3.0, 3.0, 3.0, 1.0]  # the last sleep stops at the deadline
    assert len(harness.requests) == 5  # ... where one last poll is made
    assert all(r.method == "GET" for r in harness.requests)


def test_no_sleep_reaches_past_the_deadline_even_when_requests_are_slow(harness: Harness) -> None:
    client, time = timed(harness, ["running"], request_s=2.5)
    with pytest.raises(VelerianRunTimeoutError) as info:
        harness.run(client.runs.wait("run_1", poll_interval=4.0, timeout=12.0))
    # Polls take 2.5 s: poll (2.5), sleep 4 (6.5), poll (9.0), sleep only the 3 s left (12.0),
    # then the last poll at the deadline; only that poll's own time runs past it.
    assert time.sleeps == [4.0, 3.0]
    assert info.value.waited_s == pytest.approx(14.5)
    assert len(harness.requests) == 3


def test_timeout_zero_polls_once(harness: Harness) -> None:
    client, time = timed(harness, ["running"])
    with pytest.raises(VelerianRunTimeoutError):
        harness.run(client.runs.wait("run_1", timeout=0))
    assert time.sleeps == []
    assert len(harness.requests) == 1


def test_on_status_is_called_on_every_change(harness: Harness) -> None:
    client, _ = timed(harness, ["queued", "queued", "running", "running", "succeeded"])
    seen: list[str] = []
    harness.run(client.runs.wait("run_1", on_status=lambda run: seen.append(run.status)))
    assert seen == ["queued", "running", "succeeded"]


def test_an_exception_from_on_status_stops_the_wait(harness: Harness) -> None:
    client, _ = timed(harness, ["queued", "succeeded"])

    def stop(run: Run) -> None:
        raise KeyError(run.status)

    with pytest.raises(KeyError, match="queued"):
        harness.run(client.runs.wait("run_1", on_status=stop))
    assert len(harness.requests) == 1


def test_the_server_hint_wins_and_is_bounded(harness: Harness) -> None:
    statuses: list[str | JSONObject] = [
        s.run(status="queued", poll_after_s=0.5),
        s.run(status="running", poll_after_s=0.001),
        s.run(status="running", poll_after_s=10_000.0),
        s.run(status="succeeded"),
    ]
    client, time = timed(harness, statuses)
    harness.run(client.runs.wait("run_1", poll_interval=3.0))
    assert time.sleeps == pytest.approx([0.55, MIN_POLL_HINT * 1.1, MAX_POLL_HINT * 1.1])
    assert time.jitters == [(1.0, 1.2)] * 3  # a hint is only ever stretched


def test_jitter_spreads_our_own_interval(harness: Harness) -> None:
    client, time = timed(harness, ["running"] * 40 + ["succeeded"])
    client.runs._jitter = random.Random(7).uniform  # pyright: ignore[reportPrivateUsage]
    harness.run(client.runs.wait("run_1", poll_interval=2.0))
    assert len(time.sleeps) == 40
    assert all(1.6 <= d <= 2.4 for d in time.sleeps)
    assert len(set(time.sleeps)) > 30


@pytest.mark.parametrize(
    ("poll_interval", "timeout", "message"),
    [
        (0, 10.0, "poll_interval"),
        (-1.0, 10.0, "poll_interval"),
        (math.inf, 10.0, "poll_interval"),
        (math.nan, 10.0, "poll_interval"),
        (True, 10.0, "poll_interval"),
        (3.0, -1, "timeout"),
        (3.0, math.nan, "timeout"),
    ],
)
def test_bad_wait_arguments_send_nothing(
    harness: Harness, poll_interval: float, timeout: float, message: str
) -> None:
    client, _ = timed(harness, ["running"])
    with pytest.raises(VelerianArgumentError, match=message):
        harness.run(client.runs.wait("run_1", poll_interval=poll_interval, timeout=timeout))
    assert harness.requests == []


def test_a_run_is_collected_from_its_id_by_another_client(harness: Harness) -> None:
    first, _ = timed(harness, ["running"])
    with pytest.raises(VelerianRunTimeoutError) as info:
        harness.run(first.runs.wait("run_1", timeout=1.0))
    other = Harness("sync" if harness.flavour == "sync" else "async")
    try:
        later, _ = timed(other, ["succeeded"])
        run = other.run(later.runs.wait(info.value.run_id))
        assert run.status == "succeeded"
    finally:
        other.close()


def test_cancelling_the_async_wait_just_stops_waiting() -> None:
    requests: list[httpx.Request] = []

    async def main() -> None:
        polled = asyncio.Event()

        def handler(request: httpx.Request) -> httpx.Response:
            requests.append(request)
            polled.set()
            return httpx.Response(200, json=s.run(status="running"))

        client = AsyncVelerianClient(
            api_key=TEST_KEY,
            base_url="https://api.test",
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        )
        seen: list[str] = []
        task = asyncio.create_task(
            client.runs.wait("run_1", poll_interval=60.0, on_status=lambda r: seen.append(r.status))
        )
        await polled.wait()
        await asyncio.sleep(0.01)  # the wait is now asleep between polls
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()
        assert len(requests) == 1
        assert seen == ["running"]
        await asyncio.sleep(0.01)
        assert len(requests) == 1  # nothing keeps polling behind the caller's back
        await client.aclose()

    asyncio.run(main())


# -- the decisions, without a client --------------------------------------------------


def run_with(status: str, hint: float | None = None) -> Run:
    return Run.model_validate(s.run(status=status, poll_after_s=hint))


def test_poller_observes_changes_and_tracks_the_deadline() -> None:
    time = FakeTime()
    poller = RunPoller(
        "run_1", poll_interval=5.0, timeout=7.0, clock=time.clock, jitter=time.middle
    )
    assert poller.observe(run_with("queued")) is True
    assert poller.observe(run_with("queued")) is False
    assert poller.next_delay(run_with("queued")) == 5.0
    time.now += 5.0
    assert poller.next_delay(run_with("running")) == 2.0
    time.now += 2.0
    assert poller.next_delay(run_with("running")) is None
    error = poller.timeout_error()
    assert (error.run_id, error.status, error.waited_s) == ("run_1", "queued", 7.0)


def test_poller_ignores_a_hint_that_is_not_a_finite_number() -> None:
    time = FakeTime()
    poller = RunPoller("run_1", poll_interval=2.0, clock=time.clock, jitter=time.middle)
    weird = Run.model_validate({**s.run(status="running"), "poll_after_s": math.inf})
    assert poller.next_delay(weird) == 2.0


def test_an_infinite_timeout_waits_as_long_as_it_takes() -> None:
    time = FakeTime()
    poller = RunPoller("run_1", timeout=math.inf, clock=time.clock, jitter=time.middle)
    time.now += 10**9
    assert poller.next_delay(run_with("running")) == 3.0
