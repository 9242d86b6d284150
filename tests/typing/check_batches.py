"""What batches give, as the type checkers see it: results typed by the batch's target."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from typing_extensions import assert_type

from velerian_sdk import (
    AsyncBatch,
    AsyncVelerianClient,
    Batch,
    BatchItem,
    BatchOutcome,
    BatchSummary,
    InvokeResult,
    Run,
    VelerianClient,
    VelerianError,
)

ITEMS = [BatchItem("k", {"prompt": "p"})]


def check_sync(client: VelerianClient) -> None:
    batch = Batch.for_abp(client, "abp_1", batch_id="b")
    assert_type(batch, Batch[InvokeResult])
    assert_type(batch.run(ITEMS), Iterator[BatchOutcome[InvokeResult]])
    for outcome in batch.run(ITEMS):
        assert_type(outcome.result, InvokeResult | None)
        assert_type(outcome.error, VelerianError | None)
    assert_type(batch.summary, BatchSummary)
    runs = Batch.for_network(client, "claims-review", batch_id="n")
    assert_type(runs, Batch[Run])
    Batch.for_abp(client, "abp_1", batch_id=7)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


async def check_async(client: AsyncVelerianClient) -> None:
    batch = AsyncBatch.for_abp(client, "abp_1", batch_id="b")
    assert_type(batch, AsyncBatch[InvokeResult])
    assert_type(batch.run(ITEMS), AsyncIterator[BatchOutcome[InvokeResult]])
    async for outcome in batch.run(ITEMS):
        assert_type(outcome.result, InvokeResult | None)
    assert_type(AsyncBatch.for_network(client, "claims-review", batch_id="n"), AsyncBatch[Run])
