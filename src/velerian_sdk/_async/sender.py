"""
The asynchronous sender: the one place an async call is sent, and all a namespace sees.

Namespaces, pages and transfers hold an :class:`AsyncSender`, never the client: they
build a call, hand it over, and get a model or a response back. :class:`AsyncHttpSender`
is the client's own sender; it owns the connections, drives the middleware chain and
reads the body. This module is the source of the synchronous twin, which
``scripts/unasync.py`` generates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

import httpx
import pydantic

from .._core import connections as _connections
from .._core.calls import check_extra_headers, check_extra_query, with_extra_query
from .._core.chain import STREAM, AsyncSleep, Middleware, asend_through_chain
from .._core.connections import SharedPool
from .._core.errors import VelerianError
from .._core.raw import RAW_RESPONSES
from .._core.requests import BaseClient, attach_response, translate_transport_error
from .._core.retry import AsyncAttemptTimer, AsyncDeadlineStream, check_total_timeout
from .._core.settings import NOT_GIVEN, ClientSettings, NotGiven
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

    def derive(
        self,
        *,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str | int | float | bool] | None = None,
    ) -> AsyncSender:
        """A sender with some settings changed, sharing this one's connections."""
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
        self.extra_headers: dict[str, str] = {}
        """Headers added to every API call (``with_options(extra_headers=...)``)."""
        self.extra_query: dict[str, str | int | float | bool] = {}
        """Query parameters added to every API call (``with_options(extra_query=...)``)."""

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
        response = await self.send(self._call_request(call))
        result = self.parse(response, cast_to)
        if isinstance(result, pydantic.BaseModel):
            attach_response(result, response)
        seen = RAW_RESPONSES.get()
        if seen is not None:  # inside raw_response(...)
            seen.append(response)
        return result

    async def send_call(self, call: ApiCall) -> None:
        """Send ``call`` for its effect only (a ``204`` answer)."""
        await self.send(self._call_request(call))

    def _call_request(self, call: ApiCall) -> httpx.Request:
        # Extras go on API calls only: a transfer's request to a storage host is built
        # by build_request directly and never carries them.
        extra_query = self.extra_query
        return self.build_request(
            call.method,
            call.path,
            params=with_extra_query(call, extra_query) if extra_query else call.params,
            json=call.json,
            headers=self.extra_headers or None,
            idempotency_key=call.idempotency_key,
        )

    def derive(
        self,
        *,
        api_key: str | NotGiven = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        user_agent: str | NotGiven = NOT_GIVEN,
        middleware: Sequence[Middleware] | NotGiven = NOT_GIVEN,
        max_response_bytes: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str | int | float | bool] | None = None,
    ) -> AsyncHttpSender:
        """
        Return a sender with some settings changed that shares this one's connections.

        Arguments left out keep this sender's values; ``extra_headers`` and
        ``extra_query`` add to this sender's extras.

        Returns:
            The new sender; closing it leaves the shared pool open.
        """
        s = self.settings
        retry = s.retry
        if not isinstance(total_timeout, NotGiven):
            retry = dataclasses.replace(retry, total_timeout=check_total_timeout(total_timeout))
        sender = AsyncHttpSender(self.sleeper)
        sender.configure(
            api_key=s.api_key if isinstance(api_key, NotGiven) else api_key,
            base_url=s.root if isinstance(base_url, NotGiven) else base_url,
            timeout=_kept_timeout(s.timeout) if isinstance(timeout, NotGiven) else timeout,
            max_retries=s.retry.max_retries if isinstance(max_retries, NotGiven) else max_retries,
            default_headers=s.default_headers
            if isinstance(default_headers, NotGiven)
            else default_headers,
            user_agent=s.user_agent if isinstance(user_agent, NotGiven) else user_agent,
            middleware=self.user_middleware if isinstance(middleware, NotGiven) else middleware,
            allow_insecure_http=s.allow_insecure_http,
            injected=True,
            retry_policy=retry,
            max_response_bytes=s.max_response_bytes
            if isinstance(max_response_bytes, NotGiven)
            else max_response_bytes,
            http_headers=self.http.headers,
        )
        sender.extra_headers = {**self.extra_headers, **check_extra_headers(extra_headers)}
        sender.extra_query = {**self.extra_query, **check_extra_query(extra_query)}
        sender.pool = self.pool
        sender.http = self.http
        sender.generation = self.generation
        sender.owns_http = False
        return sender

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


def _kept_timeout(resolved: httpx.Timeout | None) -> httpx.Timeout | NotGiven:
    # ``None`` in the settings means "the injected http_client's own timeout"; handed
    # back as ``None`` it would mean "no timeout at all".
    return NOT_GIVEN if resolved is None else resolved
