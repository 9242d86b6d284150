"""
Batches on Dask distributed (the ``dask`` extra): partitions of items run on the workers.

The driver (your process) reads the items lazily, cuts them into partitions and submits
each as one task; a task builds its own client on its worker and runs its partition
with :class:`~velerian_sdk.Batch`. Every item keeps the idempotency key derived from the
batch id and its key, so a task that Dask runs again (a retry, or a worker lost
mid-partition) replays the items that already ran instead of running them twice. The
driver keeps the journal: duplicates are caught and finished items skipped before
anything is sent to the cluster.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from .._core.batch import BatchItem, BatchOutcome, VelerianBatchError, batch_idempotency_key
from .._core.batch_journal import BatchJournal
from .._core.errors import VelerianArgumentError
from .._core.redaction import fields_repr
from .._models.abps import InvokeResult

_Outcomes = list[BatchOutcome[InvokeResult]]

if TYPE_CHECKING:
    from distributed import Client as DaskClient
    from distributed import Future

    _WaitFirst = Callable[
        [list[Future[_Outcomes]], float | None, str],
        tuple[set[Future[_Outcomes]], set[Future[_Outcomes]]],
    ]

__all__ = ["run_batch_on_dask"]


@dataclass(frozen=True, slots=True)
class _PartitionSettings:
    """What a worker needs to run a partition; pickled into the task."""

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    abp_id: str
    batch_id: str
    api_key: str | None = field(repr=False)
    base_url: str | None
    max_concurrency: int


def _run_partition(
    settings: _PartitionSettings, items: list[BatchItem]
) -> list[BatchOutcome[InvokeResult]]:
    """Run one partition on a worker, with a client of its own (module level: it pickles)."""
    from .batch import Batch
    from .client import VelerianClient

    with VelerianClient(api_key=settings.api_key, base_url=settings.base_url) as client:
        batch = Batch.for_abp(
            client,
            settings.abp_id,
            batch_id=settings.batch_id,
            max_concurrency=settings.max_concurrency,
            check_target=False,  # the driver checked; a partition need not read it again
        )
        return list(batch.run(items))


def run_batch_on_dask(
    dask_client: DaskClient,
    abp_id: str,
    items: Iterable[BatchItem],
    *,
    batch_id: str,
    journal: str | os.PathLike[str] | None = None,
    partition_size: int = 100,
    partitions_in_flight: int | None = None,
    max_concurrency: int = 8,
    api_key: str | None = None,
    base_url: str | None = None,
    task_retries: int = 3,
) -> Iterator[BatchOutcome[InvokeResult]]:
    """
    Run a batch of ABP invocations on a Dask cluster; yield each item's outcome.

    Outcomes come a partition at a time, as partitions finish. Needs the ``dask``
    extra (from a clone: ``pip install './[dask]'``).

    Args:
        dask_client: A ``distributed.Client`` connected to the cluster.
        abp_id: The ABP's id.
        items: The items; read lazily, each key at most once.
        batch_id: Names the batch for good: a rerun must pass the same id.
        journal: A SQLite file on the driver recording finished items, to resume from.
        partition_size: Items per task.
        partitions_in_flight: Tasks submitted at once (default: two per worker), which
            bounds the driver's memory.
        max_concurrency: Calls in flight per task.
        api_key: The key the workers use; ``None`` (the safer choice: the key does not
            travel in the task graph) reads ``VELERIAN_API_KEY`` on each worker.
        base_url: The API's origin; ``None`` reads ``VELERIAN_BASE_URL`` on each worker.
        task_retries: How often Dask retries a task that raised.

    Yields:
        One :class:`BatchOutcome` per item. A partition whose task failed for good
        (its workers kept dying) gives each of its items a :class:`VelerianBatchError`:
        run the batch again, and what ran is replayed.

    Raises:
        VelerianArgumentError: A bad setting.
        VelerianBatchError: The journal belongs to another batch.

    .. versionadded:: 0.3.0
    """
    import distributed

    if partition_size < 1 or max_concurrency < 1 or task_retries < 0:
        msg = (
            "partition_size and max_concurrency must be at least 1 and task_retries at"
            f" least 0, got {partition_size}, {max_concurrency} and {task_retries}"
        )
        raise VelerianArgumentError(msg)
    if partitions_in_flight is None:
        workers = cast("Sized", dask_client.scheduler_info()["workers"])
        partitions_in_flight = max(2, 2 * len(workers))
    # distributed.wait has no annotations; this is the shape it is documented to have.
    wait_first = cast("_WaitFirst", distributed.wait)  # pyright: ignore[reportUnknownMemberType]
    target = f"abp:{abp_id}"
    settings = _PartitionSettings(abp_id, batch_id, api_key, base_url, max_concurrency)
    book = BatchJournal(journal, batch_id, target)
    submitted: dict[Future[_Outcomes], list[BatchItem]] = {}

    def submit(partition: list[BatchItem]) -> None:
        future: Future[_Outcomes] = dask_client.submit(  # pyright: ignore[reportUnknownMemberType]
            _run_partition, settings, partition, retries=task_retries, pure=False
        )
        submitted[future] = partition

    try:
        source = iter(items)
        partition: list[BatchItem] = []
        exhausted = False
        while True:
            while not exhausted and len(submitted) < partitions_in_flight:
                item = next(source, None)
                if item is None:
                    exhausted = True
                    if partition:
                        submit(partition)
                        partition = []
                    break
                early = _from_the_journal(book, item, batch_id, target)
                if early is not None:
                    yield early
                    continue
                partition.append(item)
                if len(partition) >= partition_size:
                    submit(partition)
                    partition = []
            if not submitted:
                return
            done, _ = wait_first(list(submitted), None, "FIRST_COMPLETED")
            for future in done:
                lost = submitted.pop(future)
                for outcome in _outcomes_of(future, lost, batch_id, target):
                    if outcome.result is not None:
                        book.finish(outcome.key, outcome.result.model_dump_json())
                    elif outcome.error is not None:
                        book.fail(outcome.key, str(outcome.error))
                    yield outcome
    finally:
        submitted.clear()  # Dask releases (and cancels) the tasks nothing refers to
        book.close()


def _from_the_journal(
    book: BatchJournal, item: BatchItem, batch_id: str, target: str
) -> BatchOutcome[InvokeResult] | None:
    """The outcome of an item that is not sent (a duplicate, done, expired), or ``None``."""
    claim = book.claim(item.key)
    key = batch_idempotency_key(batch_id, target, item.key)
    if claim.action == "duplicate":
        msg = f"item key {item.key!r} appears more than once in batch {batch_id!r}"
        return BatchOutcome(item.key, key, error=VelerianArgumentError(msg))
    if claim.action == "done" and claim.result is not None:
        result = InvokeResult.model_validate_json(claim.result)
        return BatchOutcome(item.key, key, result=result, from_journal=True)
    if claim.action == "expired":
        msg = (
            f"item {item.key!r} was sent over 24 hours ago without an answer; check whether"
            f" it ran (idempotency key {key}) before running it under a new batch_id"
        )
        return BatchOutcome(item.key, key, error=VelerianBatchError(msg))
    return None


def _outcomes_of(
    future: Future[_Outcomes], partition: list[BatchItem], batch_id: str, target: str
) -> _Outcomes:
    """A finished task's outcomes; for a task that failed for good, an error per item."""
    try:
        # Future.result's timeout has no annotation; the result type is Future's own.
        return future.result()  # pyright: ignore[reportUnknownMemberType]
    except Exception as exc:  # noqa: BLE001 - a lost task: its items are reported
        msg = (
            f"the Dask task running this item's partition failed ({type(exc).__name__}:"
            f" {exc}); run the batch again: what ran is replayed, not run twice"
        )
        return [
            BatchOutcome(
                item.key,
                batch_idempotency_key(batch_id, target, item.key),
                error=VelerianBatchError(msg),
            )
            for item in partition
        ]
