"""The async attempt timer: the call's deadline bounds a whole attempt, headers included."""

from __future__ import annotations

import asyncio
import sys
import time

import httpx
import pytest

from tests.conftest import BASE, TEST_KEY
from velerian_sdk import AsyncVelerianClient, RetryPolicy, VelerianTimeoutError
from velerian_sdk._core.chain import DEADLINE
from velerian_sdk._core.retry import _WATCHDOGS, AsyncAttemptTimer  # pyright: ignore[reportPrivateUsage]

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 11), reason="the timer needs Task.uncancel (Python 3.11+)"
)


def hanging_client(total_timeout: float | None, started: asyncio.Event) -> AsyncVelerianClient:
    """A client whose transport never answers (it ignores httpx's own timeouts)."""

    async def hang(request: httpx.Request) -> httpx.Response:
        started.set()
        await asyncio.sleep(30)
        return httpx.Response(200, json={})

    return AsyncVelerianClient(
        api_key=TEST_KEY,
        base_url=BASE,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(hang)),
        retry_policy=RetryPolicy(total_timeout=total_timeout, max_retries=0),
    )


def test_an_attempt_that_never_answers_ends_at_the_deadline() -> None:
    async def main() -> float:
        client = hanging_client(0.3, asyncio.Event())
        began = time.monotonic()
        with pytest.raises(VelerianTimeoutError, match="GET"):
            await client.get("plans")
        return time.monotonic() - began

    elapsed = asyncio.run(main())
    assert 0.3 <= elapsed < 2.0


def test_a_cancellation_from_outside_is_not_turned_into_a_timeout() -> None:
    async def main() -> None:
        started = asyncio.Event()
        client = hanging_client(60.0, started)
        call = asyncio.ensure_future(client.get("plans"))
        await started.wait()
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call

    asyncio.run(main())


def test_cancelled_at_the_deadline_and_from_outside_stays_a_cancellation() -> None:
    async def attempt() -> None:
        request = httpx.Request("GET", "https://api.test/plans")
        request.extensions[DEADLINE] = time.monotonic() + 0.05
        with AsyncAttemptTimer(request):
            try:
                await asyncio.sleep(1)  # the timer cancels this at the deadline...
            except asyncio.CancelledError:
                task = asyncio.current_task()
                assert task is not None
                task.cancel()  # ...and someone else cancels the task at that moment
                raise

    async def main() -> None:
        task = asyncio.ensure_future(attempt())
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()

    asyncio.run(main())


def test_a_call_that_finishes_in_time_leaves_nothing_behind() -> None:
    async def main() -> None:
        client = AsyncVelerianClient(
            api_key=TEST_KEY,
            base_url=BASE,
            http_client=httpx.AsyncClient(
                transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"ok": True}))
            ),
            retry_policy=RetryPolicy(total_timeout=0.2),
        )
        for _ in range(3):
            assert (await client.get("plans")).status_code == 200
        await asyncio.sleep(0.3)  # past every deadline: no stray cancellation arrives

    asyncio.run(main())


def test_without_a_deadline_no_timer_is_armed() -> None:
    async def main() -> None:
        request = httpx.Request("GET", "https://api.test/plans")
        with AsyncAttemptTimer(request) as bounded:
            await asyncio.sleep(0)
        assert bounded is False
        loop = asyncio.get_running_loop()
        assert loop not in _WATCHDOGS

    asyncio.run(main())


async def bounded_sleep(seconds: float, deadline_in: float) -> str:
    """Sleep inside an attempt timer whose deadline is ``deadline_in`` from now."""
    request = httpx.Request("GET", "https://api.test/plans")
    request.extensions[DEADLINE] = time.monotonic() + deadline_in
    try:
        with AsyncAttemptTimer(request):
            await asyncio.sleep(seconds)
    except httpx.ReadTimeout:
        return "timed out"
    return "finished"


def test_attempts_in_flight_each_end_at_their_own_deadline() -> None:
    async def timed(seconds: float, deadline_in: float, began: float) -> tuple[str, float]:
        outcome = await bounded_sleep(seconds, deadline_in)
        return outcome, time.monotonic() - began

    async def main() -> tuple[tuple[str, float], ...]:
        began = time.monotonic()
        # The watchdog is armed for the first deadline registered (5 s); the later,
        # earlier deadlines must re-arm it, and it must re-arm after each firing.
        return await asyncio.gather(
            timed(0.6, 5.0, began), timed(5.0, 0.15, began), timed(5.0, 0.35, began)
        )

    (slow, slow_at), (first, first_at), (second, second_at) = asyncio.run(main())
    assert (slow, first, second) == ("finished", "timed out", "timed out")
    assert 0.15 <= first_at < 0.3
    assert 0.35 <= second_at < 0.55
    assert 0.6 <= slow_at < 1.5


def test_the_watchdog_is_disarmed_when_nothing_is_left_to_watch() -> None:
    async def main() -> None:
        assert await bounded_sleep(0.0, 0.05) == "finished"
        watchdog = _WATCHDOGS[asyncio.get_running_loop()]
        assert watchdog.armed  # for the finished attempt's deadline: it is not cancelled
        await asyncio.sleep(0.1)
        assert not watchdog.armed  # it fired, found nothing, and did not re-arm

    asyncio.run(main())


def test_the_watchdogs_of_closed_loops_are_forgotten() -> None:
    async def main() -> asyncio.AbstractEventLoop:
        assert await bounded_sleep(0.0, 60.0) == "finished"
        return asyncio.get_running_loop()

    first = asyncio.run(main())
    second = asyncio.run(main())
    assert first not in _WATCHDOGS
    assert second in _WATCHDOGS
