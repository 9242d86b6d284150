"""
The sans-IO half of batches: items, outcomes, derived keys, retry decisions, concurrency.

The async runner (``_batch_async``) and its generated sync twin only start calls, wait
for them and sleep; every decision they act on is made here and tested without sockets:
which idempotency key an item gets, whether a failed call is tried again, and how many
calls may be in flight (additive increase while calls succeed, halved on a 429, with one
batch-wide pause for the server's ``Retry-After``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar, cast

from .errors import (
    VelerianAPIError,
    VelerianArgumentError,
    VelerianConflictError,
    VelerianConnectionError,
    VelerianError,
    VelerianRateLimitError,
    VelerianServerError,
)
from .redaction import fields_repr
from .retry import RetryPolicy

__all__ = [
    "DEFAULT_BATCH_RETRY",
    "BatchItem",
    "BatchOutcome",
    "BatchSummary",
    "ConcurrencyController",
    "VelerianBatchError",
    "batch_idempotency_key",
    "check_batch_settings",
    "failure_kind",
]

ResultT = TypeVar("ResultT")

KEY_PREFIX = "vbatch1-"
"""Marks derived keys (and their scheme's version) in the server's records and logs."""

DEFAULT_BATCH_RETRY = RetryPolicy(max_retries=8, initial_backoff=0.1, max_backoff=5.0)
"""Per item: up to 8 more tries of a transient failure (5xx, dropped connection, timeout)."""

MAX_RATE_LIMITED_TRIES = 100
"""An item answered 429 this many times is given up: the limit is not transient."""

DEFAULT_RETRY_AFTER_S = 1.0
"""The pause after a 429 that did not say how long to wait."""

_IN_FLIGHT_MARK = "still being processed"
"""In the 409 of a key whose first request is still executing (decisions.md)."""


class VelerianBatchError(VelerianError):
    """
    A batch cannot start: its target or its journal does not fit the batch.

    Per-item problems (a refused payload, a duplicate key) are not raised: they are
    the item's :attr:`BatchOutcome.error`, and the rest of the batch goes on.

    .. versionadded:: 0.3.0
    """


# Tracebacks and pickles name the error as users import it, like every other one.
VelerianBatchError.__module__ = "velerian_sdk"


@dataclass(frozen=True, slots=True)
class BatchItem:
    """
    One unit of a batch: a key of your choosing and the payload to send.

    The key names the item for good: it is what the journal records and what the
    item's idempotency key is derived from, so give each item the same key on every
    run (a filing's id, a claim number), never a counter over a changing input.

    For an ABP batch the payload is the invocation's input. For a network batch it
    holds ``prompt_text`` (a str) and optionally ``metadata`` (a JSON object).

    Attributes:
        key: Unique within the batch; any non-empty str.
        payload: A JSON object.

    .. versionadded:: 0.3.0
    """

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    key: str
    payload: Mapping[str, object]

    def __post_init__(self) -> None:
        key = cast("object", self.key)  # callers without a type checker pass anything
        if not isinstance(key, str) or not key:
            msg = f"a BatchItem's key must be a non-empty str, got {key!r}"
            raise VelerianArgumentError(msg)
        payload = cast("object", self.payload)
        if not isinstance(payload, Mapping):
            kind = type(payload).__name__
            msg = f"item {key!r}: payload must be a JSON object (a mapping), got {kind}"
            raise VelerianArgumentError(msg)


@dataclass(frozen=True, slots=True)
class BatchOutcome(Generic[ResultT]):
    """
    How one item ended: its result, or the typed error that stopped it.

    Attributes:
        key: The item's key.
        idempotency_key: The key its calls carried (derived from batch id and item key).
        result: The result, when the item succeeded.
        error: The error, when it failed (after any retries the error allowed).
        attempts: Requests made for it in this run (0 when the journal had it already).
        from_journal: True when a previous run had finished it: no request was made.

    .. versionadded:: 0.3.0
    """

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    key: str
    idempotency_key: str
    result: ResultT | None = None
    error: VelerianError | None = None
    attempts: int = 0
    from_journal: bool = False

    @property
    def ok(self) -> bool:
        """Whether the item succeeded (in this run or an earlier one)."""
        return self.error is None


@dataclass
class BatchSummary:
    """
    Counts of a batch run so far, and at its end.

    Attributes:
        succeeded: Items that succeeded in this run.
        failed: Items that ended with an error.
        skipped: Items a previous run had finished (read from the journal).
        in_flight: Items being tried now.
        retries: Requests that repeated an earlier one of the same item.
        rate_limited: 429 answers seen.
        elapsed_s: Seconds since the run started.
        concurrency: The current limit on calls in flight.
        peak_in_flight: The most items in flight at once.
        stopped: The run stopped early (``stop_on_error`` and an item failed).

    .. versionadded:: 0.3.0
    """

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    in_flight: int = 0
    retries: int = 0
    rate_limited: int = 0
    elapsed_s: float = 0.0
    concurrency: int = 0
    peak_in_flight: int = 0
    stopped: bool = False

    @property
    def done(self) -> int:
        """Items finished either way (succeeded, failed or skipped)."""
        return self.succeeded + self.failed + self.skipped

    @property
    def rate(self) -> float:
        """Items finished per second in this run (journal skips excluded)."""
        if self.elapsed_s <= 0.0:
            return 0.0
        return (self.succeeded + self.failed) / self.elapsed_s

    def status_line(self) -> str:
        """A short line for a progress bar: failed, in flight and rate."""
        return (
            f"failed={self.failed} in_flight={self.in_flight}"
            f" limit={self.concurrency} {self.rate:.1f}/s"
        )


def batch_idempotency_key(batch_id: str, target: str, item_key: str) -> str:
    """
    Derive an item's idempotency key: the same batch, target and item give the same key.

    Every run of the batch, on any machine, sends an item under this one key, so the
    API executes it once and replays that answer to every repeat (within the record
    retention of ``docs/api/decisions.md``).

    Args:
        batch_id: The batch's id.
        target: What the batch runs: ``abp:<id>`` or ``network:<slug>``.
        item_key: The item's key.

    Returns:
        ``vbatch1-`` and 64 hex digits: printable ASCII, within the API's 255 characters,
        whatever the item key holds.
    """
    digest = hashlib.sha256()
    for part in (batch_id, target, item_key):
        encoded = part.encode("utf-8", "surrogatepass")
        # Length-prefixed, so ("ab", "c") and ("a", "bc") cannot give the same key.
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
    return KEY_PREFIX + digest.hexdigest()


def check_batch_settings(
    *,
    batch_id: object,
    max_concurrency: object,
    initial_concurrency: object,
) -> tuple[str, int, int]:
    """
    Check a batch's settings before anything is sent.

    Returns:
        The batch id, the ceiling and the starting concurrency.

    Raises:
        VelerianArgumentError: An empty or non-str batch id, a ceiling below 1, or a
            starting concurrency outside 1..ceiling.
    """
    if not isinstance(batch_id, str) or not batch_id:
        msg = f"batch_id must be a non-empty str naming the batch, got {batch_id!r}"
        raise VelerianArgumentError(msg)
    if not isinstance(max_concurrency, int) or isinstance(max_concurrency, bool):
        msg = f"max_concurrency must be an int, got {type(max_concurrency).__name__}"
        raise VelerianArgumentError(msg)
    if max_concurrency < 1:
        msg = f"max_concurrency must be at least 1, got {max_concurrency}"
        raise VelerianArgumentError(msg)
    if initial_concurrency is None:
        initial_concurrency = min(4, max_concurrency)
    if not isinstance(initial_concurrency, int) or isinstance(initial_concurrency, bool):
        msg = f"initial_concurrency must be an int, got {type(initial_concurrency).__name__}"
        raise VelerianArgumentError(msg)
    if not 1 <= initial_concurrency <= max_concurrency:
        msg = (
            f"initial_concurrency must be between 1 and max_concurrency ({max_concurrency}),"
            f" got {initial_concurrency}"
        )
        raise VelerianArgumentError(msg)
    return batch_id, max_concurrency, initial_concurrency


def failure_kind(error: VelerianError) -> Literal["rate_limited", "transient", "final"]:
    """
    Tell what a failed call of an item calls for.

    The item's key is the same on every try, so trying again can only replay work
    that ran, never run it twice: any failure that may pass is tried again.

    Args:
        error: What the call raised.

    Returns:
        ``rate_limited`` (pause the whole batch, then try again), ``transient`` (try
        again after a backoff: 5xx, 408, a dropped connection, a timeout, or a 409
        because an earlier request with the key is still executing) or ``final``.
    """
    if isinstance(error, VelerianRateLimitError):
        return "rate_limited"
    if isinstance(error, VelerianServerError | VelerianConnectionError):
        return "transient"
    if isinstance(error, VelerianConflictError) and _IN_FLIGHT_MARK in (error.detail or ""):
        return "transient"
    if isinstance(error, VelerianAPIError) and error.status_code == 408:
        return "transient"
    return "final"


@dataclass
class ConcurrencyController:
    """
    How many calls may be in flight, and until when none may start.

    Additive increase, multiplicative decrease: after as many successes in a row as
    the current limit, the limit grows by one, up to the ceiling; a 429 halves it
    (once per pause, however many calls were answered 429 in the same burst) and
    stops every new call until the server's ``Retry-After`` has passed.

    Attributes:
        ceiling: The limit never goes above this.
        limit: The current limit.
        paused_until: Monotonic time before which no call starts.
    """

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    ceiling: int
    limit: int
    paused_until: float = 0.0
    _streak: int = field(default=0, repr=False)

    def on_success(self) -> None:
        """Count a success; grow the limit after a full round of them."""
        self._streak += 1
        if self._streak >= self.limit:
            self._streak = 0
            self.limit = min(self.ceiling, self.limit + 1)

    def on_rate_limited(self, now: float, retry_after: float | None) -> None:
        """
        Back off the whole batch after a 429.

        Args:
            now: The monotonic time of the answer.
            retry_after: The server's ``Retry-After`` in seconds, if it gave one.
        """
        self._streak = 0
        if now >= self.paused_until:
            self.limit = max(1, self.limit // 2)
        wait = DEFAULT_RETRY_AFTER_S if retry_after is None else max(0.0, retry_after)
        self.paused_until = max(self.paused_until, now + wait)

    def pause_left(self, now: float) -> float:
        """Seconds until calls may start again (0 when they may now)."""
        return max(0.0, self.paused_until - now)
