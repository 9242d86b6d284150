"""The tests' own event loops close the way ``asyncio.run`` closes its loop."""

from __future__ import annotations

from collections.abc import AsyncIterator

from tests.conftest import Harness


def test_a_generator_left_early_is_closed_before_the_loop_is() -> None:
    closed: list[int] = []

    async def levels(depth: int) -> AsyncIterator[int]:
        # Each level iterates the next, as httpx's body iterators do.
        try:
            if depth == 0:
                yield 0
                yield 1
            else:
                async for value in levels(depth - 1):
                    yield value
        finally:
            closed.append(depth)

    async def stop_after_one() -> int:
        async for value in levels(3):
            return value  # leaves every level suspended
        return -1

    harness = Harness("async")
    assert harness.run(stop_after_one()) == 0
    harness.close()
    assert sorted(closed) == [0, 1, 2, 3]
