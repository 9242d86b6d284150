"""One retry policy object: its count is checked once, and every loop that waits uses it."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import TEST_KEY, Harness
from tests.unit import api_samples as s
from velerian_sdk import RetryPolicy, VelerianArgumentError, VelerianClient


@pytest.mark.parametrize("bad", [-1, True, 2.0, "3", None])
def test_a_bad_retry_count_gets_one_message_wherever_it_is_given(bad: object) -> None:
    expected = f"max_retries must be a whole number >= 0, got {bad!r}"
    with pytest.raises(VelerianArgumentError) as in_policy:
        RetryPolicy(max_retries=bad)  # type: ignore[arg-type]
    with pytest.raises(VelerianArgumentError) as in_client:
        VelerianClient(api_key=TEST_KEY, max_retries=bad)  # type: ignore[arg-type]
    assert str(in_policy.value) == str(in_client.value) == expected


def test_the_default_count_is_the_policys() -> None:
    assert VelerianClient(api_key=TEST_KEY).max_retries == RetryPolicy().max_retries == 3


def test_the_run_wait_draws_its_jitter_from_the_clients_policy(harness: Harness) -> None:
    drawn: list[tuple[float, float]] = []

    def jitter(low: float, high: float) -> float:
        drawn.append((low, high))
        return low

    bodies = iter([s.run(status="running"), s.run(status="succeeded")])
    client = harness.client(
        lambda request: httpx.Response(200, json=next(bodies)),
        retry_policy=RetryPolicy(jitter=jitter),
    )
    sleeps: list[float] = []
    if isinstance(client, VelerianClient):
        client._sleep = sleeps.append  # pyright: ignore[reportPrivateUsage]
    else:

        async def asleep(seconds: float) -> None:
            sleeps.append(seconds)

        client._sleep = asleep  # pyright: ignore[reportPrivateUsage]
    harness.run(client.runs.wait("run_1", poll_interval=2.0))
    assert drawn == [(0.8, 1.2)]
    assert sleeps == [pytest.approx(1.6)]
