"""
The asynchronous sender: the one place an async call is sent, and all a namespace sees.

Namespaces, pages and transfers hold an :class:`AsyncSender`, never the client: they
build a call, hand it over, and get a model or a response back. :class:`AsyncHttpSender`
is the client's own sender; it owns the connections, drives the middleware chain and
reads the body. This module is the source of the synchronous twin, which
``scripts/unasync.py`` generates.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Protocol, TypeVar

import httpx

from .._core import connections as _connections
from .._core.chain import STREAM, AsyncSleep, asend_through_chain
from .._core.connections import SharedPool
from .._core.errors import VelerianError
from .._core.requests import BaseClient, translate_transport_error
from .._core.retry import AsyncAttemptTimer, AsyncDeadlineStream
from .._core.settings import ClientSettings
from ._response_body import read_body

if TYPE_CHECKING:
    from .._core.calls import ApiCall

__all__ = ["AsyncHttpSender", "AsyncSender"]

ModelT = TypeVar("ModelT")


class AsyncSender(Protocol):
    """What the namespaces, pages and transfers of the async client may use of it."""

    @property
    def settings(self) -> ClientSettings:
        """The client's resolved settings (insecure links, body limits, retry policy)."""
        ...

    def build_request(
        self,
        method: str,
        path: str,
        *,
        content: bytes | AsyncIterator[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        authenticate: bool = True,
    ) -> httpx.Request:
        """Build a request to an API path or a server's link, without sending it."""
        ...

    async def send(self, request: httpx.Request) -> httpx.Response:
        """Send a request through the chain; a non-2xx answer raises its error."""
        ...

    async def fetch(self, call: ApiCall, cast_to: type[ModelT]) -> ModelT:
        """Send ``call`` and validate its 2xx body into ``cast_to``."""
        ...

    async def send_call(self, call: ApiCall) -> None:
        """Send ``call`` for its effect only (a ``204`` answer)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait between two attempts or two polls, as the client's sleep does."""
        ...


class AsyncHttpSender(BaseClient[httpx.AsyncClient]):
    """
    The async client's sender: request building, the chain and the connections.

    Args:
        sleep: How to wait between attempts (``asyncio.sleep``; tests replace it).
    """

    _client_name = "AsyncVelerianClient"
    """The client's name, for the error a pool used across a fork raises."""

    def __init__(self, sleep: AsyncSleep) -> None:
        self.sleeper = sleep

    def use_pool(self, pool: SharedPool[httpx.AsyncClient], *, owns: bool) -> None:
        """
        Send through ``pool``'s current ``httpx`` client from now on.

        Args:
            pool: The pool, shared with ``with_options`` copies.
            owns: Whether :meth:`close` closes it.
        """
        self.pool = pool
        self.http = pool.http
        self.generation = pool.generation
        self.owns_http = owns

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` with the client's sleep."""
        await self.sleeper(seconds)

    async def fetch(self, call: ApiCall, cast_to: type[ModelT]) -> ModelT:
        """Send ``call`` through the chain and validate its 2xx body into ``cast_to``."""
        built = self.build_request(
            call.method,
            call.path,
            params=call.params,
            json=call.json,
            idempotency_key=call.idempotency_key,
        )
        return self.parse(await self.send(built), cast_to)

    async def send_call(self, call: ApiCall) -> None:
        """Send ``call`` for its effect only (a ``204`` answer)."""
        built = self.build_request(
            call.method,
            call.path,
            params=call.params,
            json=call.json,
            idempotency_key=call.idempotency_key,
        )
        await self.send(built)

    async def send(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the chain; a non-2xx answer raises its error."""
        # An integer comparison per call: the process has not been forked since the
        # last one. The slow path renews the pool in a forked child, or raises.
        if self.generation != _connections.generation or self.http.is_closed:
            self.http = self.pool.current(self._client_name)
            self.generation = self.pool.generation
        response = await asend_through_chain(self.chain, request, self._send_once, self.sleeper)
        return self._raise_for_status(response)

    async def _send_once(self, request: httpx.Request) -> httpx.Response:
        failure: VelerianError | None
        try:
            with AsyncAttemptTimer(request) as bounded:
                response = await self.http.send(request, stream=True, auth=None)
                if response.is_success and request.extensions.get(STREAM):
                    return response
                if not bounded:  # the timer already bounds the body it reads
                    AsyncDeadlineStream.attach(response)
                try:
                    read = await read_body(response, self._settings.max_response_bytes)
                finally:
                    await response.aclose()
                response = read
        except httpx.HTTPError as exc:
            failure = translate_transport_error(exc, request)
        except RuntimeError as exc:  # unasync: remove
            failure = _connections.moved_loop_error(exc)  # unasync: remove
            if failure is None:  # unasync: remove
                raise  # unasync: remove
        else:
            return response
        raise failure

    def __repr__(self) -> str:
        # What it holds, as a debugger shows it: the settings mask the key themselves.
        return f"{type(self).__name__}({vars(self)!r})"

    async def close(self) -> None:
        """Close the pool if the client owns it; a forked child leaves its parent's open."""
        if self.owns_http:
            http = self.pool.release()
            if http is not None:
                await http.aclose()
