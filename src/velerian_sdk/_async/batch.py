"""
Batches on the asynchronous client: many governed invocations, each executed once.

:class:`AsyncBatch` sends one call per item under a key derived from the batch id and
the item's key, with bounded and adaptive concurrency, and yields each item's outcome
as it completes. The decisions are in :mod:`velerian_sdk._core.batch`, the journal in
:mod:`velerian_sdk._core.batch_journal`. This module is the source of the synchronous twin, which
``scripts/unasync.py`` generates.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import os
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sized
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar, cast

from .._core.batch import (
    DEFAULT_BATCH_RETRY,
    MAX_RATE_LIMITED_TRIES,
    BatchItem,
    BatchOutcome,
    BatchSummary,
    ConcurrencyController,
    VelerianBatchError,
    batch_idempotency_key,
    check_batch_settings,
    failure_kind,
)
from .._core.batch_journal import BatchJournal
from .._core.batch_pool import AsyncWorkerPool
from .._core.errors import (
    VelerianAPIError,
    VelerianArgumentError,
    VelerianError,
    VelerianForbiddenError,
    VelerianRateLimitError,
    VelerianValidationError,
)
from .._core.polling import DEFAULT_RUN_TIMEOUT
from .._core.progress import ProgressCallback, TqdmProgress
from .._core.redaction import fields_repr
from .._core.retry import RetryPolicy
from .._models.abps import InvokeResult
from .._models.base import VelerianModel
from .._models.runs import Run

if TYPE_CHECKING:
    from .client import AsyncVelerianClient

__all__ = ["AsyncBatch"]

ResultT = TypeVar("ResultT", bound=VelerianModel)
ResultT_co = TypeVar("ResultT_co", bound=VelerianModel, covariant=True)


class AsyncBatchTarget(Protocol[ResultT_co]):
    """What a batch runs: one call per item, and how its result is read back."""

    @property
    def name(self) -> str:
        """``abp:<id>`` or ``network:<slug>``: part of every derived key."""
        ...

    def parse(self, text: str) -> ResultT_co:
        """Read a result the journal stored."""
        ...

    async def check(self) -> None:
        """Refuse, before any item is sent, a target that cannot run."""
        ...

    async def send(self, item: BatchItem, idempotency_key: str) -> ResultT_co:
        """Make the item's call."""
        ...


@dataclass(frozen=True)
class AsyncAbpTarget:
    """Invoke one ABP per item (``client.abps.invoke``)."""

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    client: AsyncVelerianClient
    abp_id: str

    @property
    def name(self) -> str:
        return f"abp:{self.abp_id}"

    def parse(self, text: str) -> InvokeResult:
        return InvokeResult.model_validate_json(text)

    async def check(self) -> None:
        try:
            abp = await self.client.abps.retrieve(self.abp_id)
        except VelerianForbiddenError:
            return  # a key may invoke without reading ABPs; each item then says it
        if abp.status != "deployed":
            msg = (
                f"ABP {self.abp_id!r} is {abp.status!r}, not 'deployed': deploy it before"
                " running the batch (no item was sent)"
            )
            raise VelerianBatchError(msg)

    async def send(self, item: BatchItem, idempotency_key: str) -> InvokeResult:
        return await self.client.abps.invoke(
            self.abp_id, payload=item.payload, idempotency_key=idempotency_key
        )


@dataclass(frozen=True)
class AsyncNetworkTarget:
    """Run one network per item and wait for it (``client.networks.invoke``)."""

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    client: AsyncVelerianClient
    slug: str
    run_timeout: float

    @property
    def name(self) -> str:
        return f"network:{self.slug}"

    def parse(self, text: str) -> Run:
        return Run.model_validate_json(text)

    async def check(self) -> None:
        return

    async def send(self, item: BatchItem, idempotency_key: str) -> Run:
        prompt_text = item.payload.get("prompt_text")
        metadata = item.payload.get("metadata")
        if not isinstance(prompt_text, str):
            msg = f"item {item.key!r}: a network batch item's payload needs a str 'prompt_text'"
            raise VelerianArgumentError(msg)
        if metadata is not None and not isinstance(metadata, Mapping):
            msg = f"item {item.key!r}: 'metadata' must be a JSON object"
            raise VelerianArgumentError(msg)
        return await self.client.networks.invoke(
            self.slug,
            prompt_text=prompt_text,
            metadata=metadata,  # pyright: ignore[reportUnknownArgumentType]
            idempotency_key=idempotency_key,
            timeout=self.run_timeout,
        )


@dataclass
class _Pending:
    __repr__ = fields_repr  # the generated repr raises on a half-built object

    item: BatchItem
    idempotency_key: str
    attempts: int = 0
    transient_failures: int = 0
    rate_limited: int = 0


class AsyncBatch(Generic[ResultT]):
    """
    Run one governed call per item, each executed exactly once, however often it is run.

    Build it with :meth:`for_abp` or :meth:`for_network`, then iterate :meth:`run`.
    Each item is sent under a key derived from ``batch_id``, the target and the item's
    key, so running the batch again (after a crash, on another machine with a key of
    the same tenant, or twice at once) replays the items that ran instead of running
    them again. The calls are not retried by the client; the batch retries them
    itself, pausing every call when the API answers 429.

    Example:
        .. code-block:: python

            from velerian_sdk import AsyncBatch, BatchItem

            items = (BatchItem(f.id, {"prompt": f.text}) for f in filings)
            batch = AsyncBatch.for_abp(client, abp_id, batch_id="q3-filings",
                                       journal="q3-filings.sqlite")
            async for outcome in batch.run(items):
                print(outcome.key, outcome.result or outcome.error)
            print(batch.summary)

    .. versionadded:: 0.3.0
    """

    batch_id: str
    """The batch's id, as given."""
    summary: BatchSummary
    """The counts of the current (or last) run; read it at any time."""

    def __init__(
        self,
        target: AsyncBatchTarget[ResultT],
        *,
        batch_id: str,
        journal: str | os.PathLike[str] | None = None,
        max_concurrency: int = 16,
        initial_concurrency: int | None = None,
        retry_policy: RetryPolicy | None = None,
        progress: ProgressCallback | None = None,
        stop_on_error: bool = False,
        check_target: bool = True,
    ) -> None:
        self.batch_id, self._ceiling, self._initial = check_batch_settings(
            batch_id=batch_id,
            max_concurrency=max_concurrency,
            initial_concurrency=initial_concurrency,
        )
        self._target = target
        self._journal_path = journal
        self._policy = DEFAULT_BATCH_RETRY if retry_policy is None else retry_policy
        self._progress = progress
        self._stop_on_error = stop_on_error
        self._check_target = check_target
        self.summary = BatchSummary()

    @classmethod
    def for_abp(
        cls,
        client: AsyncVelerianClient,
        abp_id: str,
        *,
        batch_id: str,
        journal: str | os.PathLike[str] | None = None,
        max_concurrency: int = 16,
        initial_concurrency: int | None = None,
        retry_policy: RetryPolicy | None = None,
        progress: ProgressCallback | None = None,
        stop_on_error: bool = False,
        check_target: bool = True,
    ) -> AsyncBatch[InvokeResult]:
        """
        A batch of invocations of one ABP, an item's payload being its input.

        Args:
            client: The client; the batch uses a copy of it that makes one attempt
                per call (the batch retries).
            abp_id: The ABP's id.
            batch_id: Names the batch for good: a rerun must pass the same id.
            journal: A SQLite file recording finished items, to resume from.
            max_concurrency: The most calls in flight, ever.
            initial_concurrency: Calls in flight at the start (default 4, or fewer).
            retry_policy: Retries of an item's transient failures (default: 8, with
                backoff from 0.1 to 5 s). 429s do not count: they pause the batch.
            progress: Called as ``progress(done, total)`` after each item
                (``total`` is ``None`` when the input has no length). A
                :class:`TqdmProgress` also shows failures, calls in flight and rate.
            stop_on_error: Stop taking items after the first that fails for good.
            check_target: Read the ABP first and refuse to start if not deployed.

        Returns:
            The batch.

        Raises:
            VelerianArgumentError: A bad setting.
        """
        target = AsyncAbpTarget(client.with_options(max_retries=0), abp_id)
        return AsyncBatch(
            target,
            batch_id=batch_id,
            journal=journal,
            max_concurrency=max_concurrency,
            initial_concurrency=initial_concurrency,
            retry_policy=retry_policy,
            progress=progress,
            stop_on_error=stop_on_error,
            check_target=check_target,
        )

    @classmethod
    def for_network(
        cls,
        client: AsyncVelerianClient,
        slug: str,
        *,
        batch_id: str,
        journal: str | os.PathLike[str] | None = None,
        max_concurrency: int = 16,
        initial_concurrency: int | None = None,
        retry_policy: RetryPolicy | None = None,
        progress: ProgressCallback | None = None,
        stop_on_error: bool = False,
        run_timeout: float = DEFAULT_RUN_TIMEOUT,
    ) -> AsyncBatch[Run]:
        """
        A batch of network runs; an item's payload holds ``prompt_text`` and ``metadata``.

        Each item queues its run and waits for it to finish; the result is the run.
        The other arguments are those of :meth:`for_abp`.

        Args:
            client: The client.
            slug: The network's slug.
            batch_id: Names the batch for good.
            journal: A SQLite file recording finished items.
            max_concurrency: The most runs in flight, ever.
            initial_concurrency: Runs in flight at the start.
            retry_policy: Retries of an item's transient failures.
            progress: Called after each item.
            stop_on_error: Stop taking items after the first that fails for good.
            run_timeout: Seconds to wait for one run.

        Returns:
            The batch.
        """
        target = AsyncNetworkTarget(client.with_options(max_retries=0), slug, run_timeout)
        return AsyncBatch(
            target,
            batch_id=batch_id,
            journal=journal,
            max_concurrency=max_concurrency,
            initial_concurrency=initial_concurrency,
            retry_policy=retry_policy,
            progress=progress,
            stop_on_error=stop_on_error,
            check_target=False,
        )

    def idempotency_key(self, item_key: str) -> str:
        """The key every call of the item with this key carries."""
        return batch_idempotency_key(self.batch_id, self._target.name, item_key)

    async def run(  # noqa: PLR0915 - one scheduling loop, read best whole
        self, items: Iterable[BatchItem]
    ) -> AsyncIterator[BatchOutcome[ResultT]]:
        """
        Send every item and yield each one's outcome as it completes.

        Items are read from ``items`` only as calls can start, so a generator of any
        length is fine. Outcomes come in the order items finish.

        Args:
            items: The items; each key at most once.

        Yields:
            One :class:`BatchOutcome` per item: its result or its typed error.

        Raises:
            VelerianBatchError: The target cannot run (e.g. the ABP is not deployed),
                or the journal belongs to another batch.
        """
        if self._check_target:
            await self._check()
        total = len(items) if isinstance(items, Sized) else None
        source = iter(items)
        journal = BatchJournal(self._journal_path, self.batch_id, self._target.name)
        control = ConcurrencyController(self._ceiling, self._initial)
        pool: AsyncWorkerPool[_Pending, tuple[_Pending, ResultT | VelerianError]]
        pool = AsyncWorkerPool(self._attempt, self._ceiling)
        summary = self.summary = BatchSummary(concurrency=control.limit)
        started = pool.clock()
        waiting: list[tuple[float, int, _Pending]] = []  # retries, by when they are due
        order = itertools.count()
        exhausted = False
        try:
            while True:
                now = pool.clock()
                while pool.in_flight < control.limit and control.pause_left(now) == 0.0:
                    if waiting and waiting[0][0] <= now:
                        pending = heapq.heappop(waiting)[2]
                    elif (
                        exhausted
                        or summary.stopped
                        or (pool.in_flight + len(waiting) >= self._ceiling)
                    ):
                        break
                    else:
                        item = next(source, None)
                        if item is None:
                            exhausted = True
                            break
                        admitted = self._admit(item, journal)
                        if isinstance(admitted, BatchOutcome):
                            self._count(admitted, summary, started, pool.clock(), total)
                            yield admitted
                            continue
                        pending = admitted
                    pending.attempts += 1
                    if pending.attempts > 1:
                        summary.retries += 1
                    pool.start(pending)
                summary.in_flight = pool.in_flight + len(waiting)
                summary.peak_in_flight = max(summary.peak_in_flight, pool.in_flight)
                if summary.in_flight == 0 and (exhausted or summary.stopped):
                    break
                wake = control.pause_left(now)
                if waiting and not wake:
                    wake = max(0.0, waiting[0][0] - now)
                finished = await pool.wait_next(wake or None)
                for pending, answer in finished:
                    now = pool.clock()
                    outcome = self._settle(
                        pending, answer, control=control, now=now, waiting=waiting, order=order
                    )
                    summary.concurrency = control.limit
                    if outcome is None:
                        continue
                    self._record(outcome, journal)
                    self._count(outcome, summary, started, now, total)
                    if outcome.error is not None and self._stop_on_error:
                        summary.stopped = True
                    yield outcome
        finally:
            await pool.close()
            journal.close()
            summary.in_flight = pool.in_flight
            summary.elapsed_s = pool.clock() - started

    async def _check(self) -> None:
        """Check the target, riding out 429s and transient failures as items do."""
        failures = 0
        while True:
            try:
                await self._target.check()
            except VelerianError as exc:
                kind = failure_kind(exc)
                failures += 1
                if kind == "final" or failures > self._policy.max_retries:
                    raise
                delay = self._policy.delay_for(failures, None) or self._policy.min_delay
                if isinstance(exc, VelerianRateLimitError) and exc.retry_after is not None:
                    delay = max(delay, exc.retry_after)
                await AsyncWorkerPool.sleep(delay)
            else:
                return

    def _admit(self, item: BatchItem, journal: BatchJournal) -> _Pending | BatchOutcome[ResultT]:
        given = cast("object", item)  # callers without a type checker pass anything
        if not isinstance(given, BatchItem):
            msg = f"a batch takes BatchItem(key, payload) items, got {type(given).__name__}"
            raise VelerianArgumentError(msg)
        key = self.idempotency_key(item.key)
        claim = journal.claim(item.key)
        if claim.action == "duplicate":
            msg = (
                f"item key {item.key!r} appears more than once in batch {self.batch_id!r};"
                " only its first item was sent: give every item its own key"
            )
            return BatchOutcome(item.key, key, error=VelerianArgumentError(msg))
        if claim.action == "expired":
            when = dt.datetime.fromtimestamp(claim.first_sent, dt.timezone.utc)
            msg = (
                f"item {item.key!r} was sent by an earlier run of batch {self.batch_id!r} on"
                f" {when:%Y-%m-%d %H:%M} UTC and its answer never reached the journal; the"
                " API keeps idempotency records 24 hours, so sending it again could run it"
                f" twice. It was not sent: check whether it ran (idempotency key {key}),"
                " then run it under a new batch_id if it did not"
            )
            return BatchOutcome(item.key, key, error=VelerianBatchError(msg))
        if claim.action == "done" and claim.result is not None:
            try:
                result = self._target.parse(claim.result)
            except ValueError:
                pass  # unreadable: send it again, and the API replays the stored answer
            else:
                return BatchOutcome(item.key, key, result=result, from_journal=True)
        return _Pending(item, key)

    async def _attempt(self, pending: _Pending) -> tuple[_Pending, ResultT | VelerianError]:
        try:
            return pending, await self._target.send(pending.item, pending.idempotency_key)
        except VelerianError as exc:
            return pending, exc

    def _settle(
        self,
        pending: _Pending,
        answer: ResultT | VelerianError,
        *,
        control: ConcurrencyController,
        now: float,
        waiting: list[tuple[float, int, _Pending]],
        order: Iterator[int],
    ) -> BatchOutcome[ResultT] | None:
        """Turn a call's answer into the item's outcome, or queue the item's next try."""
        key = pending.item.key
        if not isinstance(answer, VelerianError):
            control.on_success()
            return BatchOutcome(
                key, pending.idempotency_key, result=answer, attempts=pending.attempts
            )
        kind = failure_kind(answer)
        due: float | None = None
        if kind == "rate_limited":
            self.summary.rate_limited += 1
            retry_after = answer.retry_after if isinstance(answer, VelerianRateLimitError) else None
            control.on_rate_limited(now, retry_after)
            pending.rate_limited += 1
            if pending.rate_limited < MAX_RATE_LIMITED_TRIES:
                due = control.paused_until
        elif kind == "transient":
            pending.transient_failures += 1
            response = answer.response if isinstance(answer, VelerianAPIError) else None
            delay = self._policy.delay_before_retry(pending.transient_failures, response)
            if delay is not None:
                due = now + delay
        if due is not None:
            heapq.heappush(waiting, (due, next(order), pending))
            return None
        return BatchOutcome(
            key,
            pending.idempotency_key,
            error=self._explained(answer, key),
            attempts=pending.attempts,
        )

    def _explained(self, error: VelerianError, key: str) -> VelerianError:
        if isinstance(error, VelerianValidationError) and "idempotency_key_reused" in str(
            error.body
        ):
            msg = (
                f"item {key!r} was sent by an earlier run of batch {self.batch_id!r} with"
                " another payload, and the API keeps the first: to run changed items,"
                " give them a new batch_id (or new item keys)"
            )
            replaced = VelerianBatchError(msg)
            replaced.__cause__ = error
            return replaced
        return error

    @staticmethod
    def _record(outcome: BatchOutcome[ResultT], journal: BatchJournal) -> None:
        if outcome.result is not None:
            journal.finish(outcome.key, outcome.result.model_dump_json())
        elif outcome.error is not None:
            journal.fail(outcome.key, str(outcome.error))

    def _count(
        self,
        outcome: BatchOutcome[ResultT],
        summary: BatchSummary,
        started: float,
        now: float,
        total: int | None,
    ) -> None:
        if outcome.from_journal:
            summary.skipped += 1
        elif outcome.error is None:
            summary.succeeded += 1
        else:
            summary.failed += 1
        summary.elapsed_s = now - started
        if self._progress is not None:
            if isinstance(self._progress, TqdmProgress):
                self._progress.set_status(summary.status_line())
            self._progress(summary.done, total)
