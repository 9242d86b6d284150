"""Fixtures shared by every test: a harness that runs one test body on both clients."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Literal, TypedDict, TypeVar, cast, overload

import httpx
import pytest
from typing_extensions import Unpack

from tests.recording import SentRequest, record_into
from velerian_sdk import AsyncVelerianClient, Middleware, RetryPolicy, VelerianClient

T = TypeVar("T")
Handler = Callable[[httpx.Request], httpx.Response]
Flavour = Literal["sync", "async"]

_ELAPSED = re.compile(r"over \d+\.\d s")


def without_elapsed(message: str) -> str:
    """The message with its "over N.N s" timing written as "over N s"."""
    return _ELAPSED.sub("over N s", message)


TEST_KEY = "vk_live_TESTKEYabcdefghijklmnopqrstuvwxyz0123456789"
BASE = "https://api.test"
MAX_REQUESTS = 5_000
"""More requests than any test makes: a harness client fails the test past this many."""


class ClientOptions(TypedDict, total=False):
    """The constructor's keywords, for typed pass-through in tests."""

    api_key: str | None
    base_url: str | None
    timeout: float | httpx.Timeout | None
    max_retries: int
    default_headers: Mapping[str, str] | None
    user_agent: str | None
    middleware: Sequence[Middleware]
    allow_insecure_http: bool
    retry_policy: RetryPolicy | None
    max_response_bytes: int


class Harness:
    """One test body, either flavour: builds the client and runs its calls."""

    def __init__(self, flavour: Flavour) -> None:
        self.flavour = flavour
        self.loop = asyncio.new_event_loop()
        self.sleeps: list[float] = []
        # One snapshot per attempt, taken as it is sent: every retry of a call sends the
        # same httpx.Request object, so keeping the object would show each attempt as the
        # last one was.
        self.requests: list[SentRequest] = []

    @overload
    def run(self, value: Awaitable[T]) -> T: ...
    @overload
    def run(self, value: T | Awaitable[T]) -> T: ...
    def run(self, value: T | Awaitable[T]) -> T:
        """Return a sync result as is; run an awaitable on the harness loop."""
        if isinstance(value, Awaitable):
            awaitable = cast("Awaitable[T]", value)
            return self.loop.run_until_complete(_as_coroutine(awaitable))
        return value

    def client(
        self,
        handler: Handler,
        **options: Unpack[ClientOptions],
    ) -> VelerianClient | AsyncVelerianClient:
        """Build a client of this flavour over a MockTransport that records each attempt."""
        record = record_into(self.requests, handler, limit=MAX_REQUESTS)
        options.setdefault("api_key", TEST_KEY)
        options.setdefault("base_url", BASE)
        client: VelerianClient | AsyncVelerianClient
        if self.flavour == "sync":
            client = VelerianClient(
                http_client=httpx.Client(transport=httpx.MockTransport(record)),
                **options,
            )

            def sleep(seconds: float) -> None:
                self.sleeps.append(seconds)

            client._sleep = sleep  # pyright: ignore[reportPrivateUsage]
        else:
            client = AsyncVelerianClient(
                http_client=httpx.AsyncClient(transport=httpx.MockTransport(record)),
                **options,
            )

            async def asleep(seconds: float) -> None:
                self.sleeps.append(seconds)

            client._sleep = asleep  # pyright: ignore[reportPrivateUsage]
        return client

    def close(self) -> None:
        close_loop(self.loop)


async def _as_coroutine(value: Awaitable[T]) -> T:
    return await value


def close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Close a loop of the tests' own once the closes handed to it have run."""
    # A body read that stops early (at a cap, on a corrupt stream) leaves httpx's async
    # generators suspended, one inside another. The garbage collector hands each to the
    # loop to close, one level every two turns, as a running application's loop would run
    # them. Closing the loop first drops them unrun (3.13 reports each as a coroutine
    # never awaited), so turn it until no task is left; a task that never ends is left
    # as before, after a bounded number of turns.
    loop.run_until_complete(_turn_until_no_task_is_left(turns=50))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


async def _turn_until_no_task_is_left(turns: int) -> None:
    this = asyncio.current_task()
    quiet = 0
    for _ in range(turns):
        await asyncio.sleep(0)
        # A close handed over in this turn is still a callback, a task only in the next:
        # two turns in a row without a task means none is coming.
        quiet = 0 if asyncio.all_tasks() - {this} else quiet + 1
        if quiet == 2:
            return


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """Run the test once with the sync client and once with the async client."""
    h = Harness(request.param)
    yield h
    h.close()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests must not pick up a developer's real settings.
    for name in ("VELERIAN_API_KEY", "VELERIAN_BASE_URL", "VELERIAN_LOG"):
        monkeypatch.delenv(name, raising=False)
