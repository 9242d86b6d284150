"""The batch runner without sockets: lazy input, bounded concurrency, retries, stopping."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from velerian_sdk import (
    AsyncBatch,
    Batch,
    BatchItem,
    InvokeResult,
    RetryPolicy,
    VelerianError,
    VelerianServerError,
    VelerianValidationError,
)

FAST = RetryPolicy(max_retries=3, initial_backoff=0.001, max_backoff=0.002, min_delay=0.0)


def result_for(key: str) -> InvokeResult:
    return InvokeResult.model_validate(
        {
            "invocation_id": f"inv-{key}",
            "outcome": "allowed",
            "is_allowed": True,
            "requires_human": False,
            "withheld": False,
        }
    )


class FakeTarget:
    """Answers after a short wait; fails as told; records the calls in flight."""

    name = "abp:fake"

    def __init__(self, *, failures: dict[str, list[VelerianError]] | None = None) -> None:
        self.failures = failures or {}
        self.in_flight = 0
        self.peak = 0
        self.calls: list[str] = []
        self.keys: set[str] = set()
        self._lock = threading.Lock()

    def parse(self, text: str) -> InvokeResult:
        return InvokeResult.model_validate_json(text)

    def _enter(self, item: BatchItem, idempotency_key: str) -> VelerianError | None:
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.calls.append(item.key)
            self.keys.add(idempotency_key)
            queue = self.failures.get(item.key)
            return queue.pop(0) if queue else None

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1


class AsyncFakeTarget(FakeTarget):
    async def check(self) -> None:
        return

    async def send(self, item: BatchItem, idempotency_key: str) -> InvokeResult:
        failure = self._enter(item, idempotency_key)
        try:
            await asyncio.sleep(0.002)
        finally:
            self._leave()
        if failure is not None:
            raise failure
        return result_for(item.key)


class SyncFakeTarget(FakeTarget):
    def check(self) -> None:
        return

    def send(self, item: BatchItem, idempotency_key: str) -> InvokeResult:
        failure = self._enter(item, idempotency_key)
        try:
            time.sleep(0.002)
        finally:
            self._leave()
        if failure is not None:
            raise failure
        return result_for(item.key)


class CountingSource:
    """An endless stream of items that counts how many were read."""

    def __init__(self) -> None:
        self.read = 0

    def __iter__(self) -> Iterator[BatchItem]:
        while True:
            self.read += 1
            yield BatchItem(f"k{self.read}", {"n": self.read})


def test_the_input_is_read_only_as_calls_can_start() -> None:
    source = CountingSource()
    batch = Batch(SyncFakeTarget(), batch_id="b", max_concurrency=8, retry_policy=FAST)
    taken = 0
    for _ in batch.run(source):
        taken += 1
        if taken == 50:
            break
    # Never more than the ceiling ahead of what was yielded: memory stays flat.
    assert source.read <= taken + 8 + 1


@pytest.mark.parametrize("ceiling", [1, 3, 12])
def test_never_more_calls_in_flight_than_the_ceiling(ceiling: int) -> None:
    target = AsyncFakeTarget()
    batch = AsyncBatch(target, batch_id="b", max_concurrency=ceiling, retry_policy=FAST)

    async def drain() -> int:
        return len([o async for o in batch.run(BatchItem(f"k{i}", {}) for i in range(200))])

    assert asyncio.run(drain()) == 200
    assert target.peak <= ceiling
    assert batch.summary.peak_in_flight <= ceiling
    assert batch.summary.concurrency == ceiling  # 200 successes grow the limit to it
    assert len(target.keys) == 200


def test_transient_failures_are_retried_under_the_same_key_and_final_ones_are_not() -> None:
    flaky = [VelerianServerError(502, "bad gateway"), VelerianServerError(503, "busy")]
    target = SyncFakeTarget(
        failures={
            "flaky": list(flaky),
            "refused": [VelerianValidationError(422, "payload: bad")],
            "hopeless": [VelerianServerError(502, "down")] * 10,
        }
    )
    batch = Batch(target, batch_id="b", retry_policy=FAST)
    items = [BatchItem(k, {}) for k in ("flaky", "refused", "hopeless", "fine")]
    outcomes = {o.key: o for o in batch.run(items)}
    assert outcomes["flaky"].ok
    assert outcomes["flaky"].attempts == 3
    assert isinstance(outcomes["refused"].error, VelerianValidationError)
    assert outcomes["refused"].attempts == 1
    assert isinstance(outcomes["hopeless"].error, VelerianServerError)
    assert outcomes["hopeless"].attempts == 4  # 1 + max_retries
    assert outcomes["fine"].ok
    assert target.calls.count("flaky") == 3
    assert len(target.keys) == 4  # one key per item, whatever the attempts
    assert batch.summary.retries == 2 + 3
    assert batch.summary.failed == 2


def test_stop_on_error_stops_taking_items() -> None:
    target = SyncFakeTarget(failures={"k2": [VelerianValidationError(422, "bad")]})
    batch = Batch(target, batch_id="b", max_concurrency=1, stop_on_error=True)
    outcomes = list(batch.run(BatchItem(f"k{i}", {}) for i in range(100)))
    assert [o.key for o in outcomes] == ["k0", "k1", "k2"]
    assert batch.summary.stopped
