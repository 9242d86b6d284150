"""
The workers of a batch, in both flavours: asyncio tasks, or threads.

The runner (``_batch_async``, and the sync twin generated from it) is written once; it
starts calls, waits for the next to finish and sleeps through this small surface,
which is the only place where the two flavours differ. :class:`AsyncWorkerPool` and
:class:`WorkerPool` have the same methods, so the generated twin's renaming of
``AsyncWorkerPool`` to ``WorkerPool`` is the whole port.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["AsyncWorkerPool", "WorkerPool"]

TaskT = TypeVar("TaskT")
DoneT = TypeVar("DoneT")


class AsyncWorkerPool(Generic[TaskT, DoneT]):
    """
    Calls in flight as asyncio tasks.

    Args:
        work: The coroutine function run for each task.
    """

    def __init__(self, work: Callable[[TaskT], Awaitable[DoneT]], size: int) -> None:
        del size  # tasks need no pool size; the runner bounds how many it starts
        self._work = work
        self._running: set[asyncio.Task[DoneT]] = set()

    @property
    def in_flight(self) -> int:
        """Tasks started and not yet collected."""
        return len(self._running)

    def start(self, task: TaskT) -> None:
        """Start one call."""
        self._running.add(asyncio.ensure_future(self._work(task)))

    async def wait_next(self, timeout: float | None) -> list[DoneT]:
        """
        Wait until at least one call finishes, or ``timeout`` seconds pass.

        Returns:
            What the finished calls returned (empty after a timeout).
        """
        if not self._running:
            if timeout:
                await asyncio.sleep(timeout)
            return []
        done, _ = await asyncio.wait(
            self._running, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        self._running -= done
        return [task.result() for task in done]

    @staticmethod
    async def sleep(seconds: float) -> None:
        """Sleep without blocking other tasks."""
        await asyncio.sleep(seconds)

    @staticmethod
    def clock() -> float:
        """Monotonic seconds."""
        return time.monotonic()

    async def close(self) -> None:
        """Cancel the calls still running and wait for them to end."""
        running = list(self._running)
        self._running.clear()
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)


class WorkerPool(Generic[TaskT, DoneT]):
    """
    Calls in flight on a pool of threads.

    Args:
        work: The function run for each task.
        size: Threads in the pool: the most calls that can ever be in flight.
    """

    def __init__(self, work: Callable[[TaskT], DoneT], size: int) -> None:
        self._work = work
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=size, thread_name_prefix="velerian-batch"
        )
        self._running: set[concurrent.futures.Future[DoneT]] = set()

    @property
    def in_flight(self) -> int:
        """Calls started and not yet collected."""
        return len(self._running)

    def start(self, task: TaskT) -> None:
        """Start one call."""
        self._running.add(self._executor.submit(self._work, task))

    def wait_next(self, timeout: float | None) -> list[DoneT]:
        """
        Wait until at least one call finishes, or ``timeout`` seconds pass.

        Returns:
            What the finished calls returned (empty after a timeout).
        """
        if not self._running:
            if timeout:
                time.sleep(timeout)
            return []
        done, _ = concurrent.futures.wait(
            self._running, timeout=timeout, return_when=concurrent.futures.FIRST_COMPLETED
        )
        self._running -= done
        return [future.result() for future in done]

    @staticmethod
    def sleep(seconds: float) -> None:
        """Sleep."""
        time.sleep(seconds)

    @staticmethod
    def clock() -> float:
        """Monotonic seconds."""
        return time.monotonic()

    def close(self) -> None:
        """Drop calls not yet started and wait for the running ones to end."""
        self._running.clear()
        self._executor.shutdown(wait=True, cancel_futures=True)
