"""
Interleaved rounds and the ratios taken from them.

Each round runs every contender once, one batch each, in an order that rotates from
round to round, so that a burst of noise from a neighbour on the machine lands on all
contenders alike. A contender's ratio is its time divided by the basis contender's
time *in the same round*; the summary is the min / median / max of those per-round
ratios. Absolute times are reported beside them, never alone.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Contender",
    "RatioSummary",
    "RoundResults",
    "interleaved_rounds",
    "paired_rounds",
    "paired_rounds_async",
    "repeated",
    "summarise",
    "timed",
]

Batch = Callable[[int], float]
"""Runs ``n`` operations and returns the seconds they took."""


@dataclass(frozen=True, slots=True)
class Contender:
    """A named way of doing the operation under test."""

    name: str
    run: Batch


@dataclass(frozen=True, slots=True)
class RatioSummary:
    """The min / median / max of per-round ratios, and the median time per operation."""

    low: float
    median: float
    high: float
    per_op_us: float

    def ratio_text(self) -> str:
        """Return ``1.03x (0.98-1.10)``."""
        return f"{self.median:.2f}x ({self.low:.2f}-{self.high:.2f})"


@dataclass(slots=True)
class RoundResults:
    """Seconds per round for each contender, in round order."""

    operations: int
    seconds: dict[str, list[float]] = field(default_factory=dict[str, list[float]])

    def ratios(self, name: str, basis: str) -> list[float]:
        """Return ``name``'s time over ``basis``'s time, round by round."""
        return [a / b for a, b in zip(self.seconds[name], self.seconds[basis], strict=True)]

    def summary(self, name: str, basis: str) -> RatioSummary:
        """Summarise ``name`` against ``basis``."""
        return summarise(self.ratios(name, basis), self.seconds[name], self.operations)


def summarise(ratios: Sequence[float], seconds: Sequence[float], operations: int) -> RatioSummary:
    """
    Reduce per-round ratios and times to a :class:`RatioSummary`.

    Args:
        ratios: One ratio per round.
        seconds: The contender's seconds per round.
        operations: Operations per round, to turn seconds into time per operation.

    Returns:
        The summary.
    """
    return RatioSummary(
        low=min(ratios),
        median=statistics.median(ratios),
        high=max(ratios),
        per_op_us=statistics.median(seconds) / max(operations, 1) * 1e6,
    )


def interleaved_rounds(
    contenders: Sequence[Contender], *, rounds: int, batch: int, warmup: int = 1
) -> RoundResults:
    """
    Run every contender ``rounds`` times, ``batch`` operations at a time, interleaved.

    Args:
        contenders: What to compare; the order rotates every round.
        rounds: How many rounds to keep.
        batch: Operations per contender per round.
        warmup: Rounds run first and thrown away (imports, caches, connections).

    Returns:
        The seconds of every kept round.
    """
    results = RoundResults(operations=batch, seconds={c.name: [] for c in contenders})
    count = len(contenders)
    for index in range(warmup + rounds):
        for step in range(count):
            contender = contenders[(index + step) % count]
            gc.collect()
            elapsed = contender.run(batch)
            if index >= warmup:
                results.seconds[contender.name].append(elapsed)
    return results


def paired_rounds(
    names: Sequence[str],
    operations: Sequence[Callable[[], object]],
    *,
    rounds: int,
    batch: int,
    warmup: int = 1,
) -> RoundResults:
    """
    Time contenders call by call, alternating, and sum each one's calls per round.

    Noise on a shared machine comes in bursts of milliseconds that a batch of calls
    catches whole; alternating single calls (A B, then B A: the first contender rotates
    from call to call) puts every contender under the same burst. In a direct test,
    per-round ratios of sync in-process calls ranged over 0.99-1.19 this way, against
    0.25-2.77 for batches of 100 calls.

    Args:
        names: The contenders' names, the basis first.
        operations: One call of each, in the same order.
        rounds: How many rounds to keep.
        batch: Calls per contender per round.
        warmup: Rounds run first and thrown away.

    Returns:
        The seconds of every kept round, per contender.
    """
    orders = _rotations(len(operations))
    clock = time.perf_counter_ns

    def one_round() -> list[int]:
        spent = [0] * len(operations)
        for call in range(batch):
            for which in orders[call % len(orders)]:
                started = clock()
                operations[which]()
                spent[which] += clock() - started
        return spent

    return _kept_rounds(names, one_round, rounds=rounds, batch=batch, warmup=warmup)


def paired_rounds_async(
    loop: asyncio.AbstractEventLoop,
    names: Sequence[str],
    operations: Sequence[Callable[[], Awaitable[object]]],
    *,
    rounds: int,
    batch: int,
    warmup: int = 1,
) -> RoundResults:
    """
    The async twin of :func:`paired_rounds`: the calls are awaited one at a time.

    Args:
        loop: The event loop all contenders' clients live on.
        names: The contenders' names, the basis first.
        operations: Each starts one call, in the same order as ``names``.
        rounds: How many rounds to keep.
        batch: Calls per contender per round.
        warmup: Rounds run first and thrown away.

    Returns:
        The seconds of every kept round, per contender.
    """
    orders = _rotations(len(operations))
    clock = time.perf_counter_ns

    async def one_round() -> list[int]:
        spent = [0] * len(operations)
        for call in range(batch):
            for which in orders[call % len(orders)]:
                started = clock()
                await operations[which]()
                spent[which] += clock() - started
        return spent

    return _kept_rounds(
        names,
        lambda: loop.run_until_complete(one_round()),
        rounds=rounds,
        batch=batch,
        warmup=warmup,
    )


def _kept_rounds(
    names: Sequence[str],
    one_round: Callable[[], list[int]],
    *,
    rounds: int,
    batch: int,
    warmup: int,
) -> RoundResults:
    """Run ``one_round`` (nanoseconds per contender) after a collection, keep the later."""
    results = RoundResults(operations=batch, seconds={name: [] for name in names})
    for index in range(warmup + rounds):
        gc.collect()
        spent = one_round()
        if index >= warmup:
            for name, nanoseconds in zip(names, spent, strict=True):
                results.seconds[name].append(nanoseconds / 1e9)
    return results


def _rotations(count: int) -> list[list[int]]:
    """Return every rotation of ``0 .. count - 1``: each contender goes first in turn."""
    return [[(start + step) % count for step in range(count)] for start in range(count)]


def repeated(operation: Callable[[], object]) -> Batch:
    """
    Turn one operation into a :data:`Batch` that runs it ``n`` times.

    Args:
        operation: One operation.

    Returns:
        The batch.
    """
    return lambda n: timed(operation, n)


def timed(operation: Callable[[], object], n: int) -> float:
    """
    Call ``operation`` ``n`` times and return the seconds it took.

    Args:
        operation: One operation.
        n: How many times.

    Returns:
        Elapsed wall-clock seconds.
    """
    started = time.perf_counter()
    for _ in range(n):
        operation()
    return time.perf_counter() - started
