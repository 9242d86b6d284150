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
    "repeated",
    "summarise",
    "timed",
    "timed_async",
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


def timed_async(
    loop: asyncio.AbstractEventLoop, operation: Callable[[], Awaitable[object]], n: int
) -> float:
    """
    Await ``operation()`` ``n`` times, one after another, and return the seconds it took.

    Args:
        loop: The event loop the contender's client lives on.
        operation: Starts one operation.
        n: How many times.

    Returns:
        Elapsed wall-clock seconds, measured inside the loop.
    """

    async def batch() -> float:
        started = time.perf_counter()
        for _ in range(n):
            await operation()
        return time.perf_counter() - started

    return loop.run_until_complete(batch())
