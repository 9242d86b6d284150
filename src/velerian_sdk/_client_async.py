"""
:class:`AsyncVelerianClient`: the I/O of the asynchronous flavour.

It adds to :class:`~velerian_sdk._base_client.BaseClient` only what differs between the
flavours: sending one request, driving the middleware chain, and closing. This module
is the source of the synchronous twin, which ``scripts/unasync.py`` generates.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import cast

import httpx
from typing_extensions import Self

from . import _connections
from ._base_client import STREAM, BaseClient, ModelT, Params, translate_transport_error
from ._compat_async import AsyncLegacyMethods
from ._connections import SharedPool
from ._deadline import AsyncAttemptTimer, AsyncDeadlineStream
from ._exceptions import VelerianArgumentError, VelerianError
from ._middleware import AsyncSleep, Middleware, asend_through_chain
from ._response_body_async import read_body
from ._retry import RetryPolicy
from ._settings import DEFAULT_LIMITS, NOT_GIVEN, NotGiven

__all__ = ["AsyncVelerianClient"]


class AsyncVelerianClient(BaseClient[httpx.AsyncClient], AsyncLegacyMethods):
    """
    The asynchronous client of the Velerian governed-run and evidence API.

    Each area of the API is an attribute holding its methods: ``client.abps``,
    ``client.evidence``, ``client.runs``, ``client.networks``, ``client.attachments``,
    ``client.audit``, ``client.api_keys``, ``client.approvals``, ``client.usage`` and
    ``client.plans``. ``client.get(...)`` and friends call a route that has no method.

    Args:
        api_key: Your key (``vk_live_...``). Defaults to ``VELERIAN_API_KEY``.
        base_url: The API's origin. Defaults to ``VELERIAN_BASE_URL``, then
            ``https://app.velerian.ai``; ``/api/v2`` is added. Must be https except
            for loopback hosts.
        timeout: Per-attempt timeout in seconds, or an :class:`httpx.Timeout`.
            Default: 60 s to read, 5 s to connect.
        max_retries: Retries after a retryable failure (0 for none). Default: the
            ``retry_policy``'s, else 3.
        default_headers: Headers added to every request.
        user_agent: Replaces the ``velerian-python-sdk/<version>`` user agent.
        http_client: Your own :class:`httpx.AsyncClient` (proxies, custom transports,
            tests). You keep ownership: closing this client does not close it. Build
            it in the process (and event loop) that uses it: see the configuration guide.
        middleware: Your own links, appended to the chain (see :class:`Middleware`).
        allow_insecure_http: Allow plain ``http`` to a non-loopback host, for a
            trusted private network. The key then crosses the network unencrypted.
        retry_policy: Full control over retries; ``max_retries``, when given,
            overrides its ``max_retries``.
        max_response_bytes: The largest API response body read, in bytes after
            decoding; a larger one raises :class:`VelerianResponseTooLargeError`.
            Default: :data:`DEFAULT_MAX_RESPONSE_BYTES` (32 MiB). Downloads are bounded
            by their stated size instead. Bodies are decoded by the SDK (gzip and
            deflate only), so memory stays within this plus about 200 KiB.

    Raises:
        VelerianArgumentError: A missing key or an invalid setting. It is also a
            :class:`ValueError` and says which setting to fix.

    Example:
        .. code-block:: python

            import os
            from velerian_sdk import AsyncVelerianClient

            abp_id = os.environ["VELERIAN_ABP_ID"]
            async with AsyncVelerianClient() as client:  # reads VELERIAN_API_KEY
                result = await client.abps.invoke(abp_id, payload={"prompt": "Hi"})
                print(result.outcome)
                async for entry in client.audit.iter(action="abp.invoke"):
                    print(entry.created_at, entry.action)
    """

    _sleep: AsyncSleep

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | None = None,
        user_agent: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        middleware: Sequence[Middleware] = (),
        allow_insecure_http: bool = False,
        retry_policy: RetryPolicy | None = None,
        max_response_bytes: int | NotGiven = NOT_GIVEN,
    ) -> None:
        given = cast("object", http_client)  # callers without a type checker can pass anything
        if given is not None and not isinstance(given, httpx.AsyncClient):
            msg = f"http_client must be an httpx.AsyncClient, got {type(given).__name__}"
            raise VelerianArgumentError(msg)
        self._configure(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            user_agent=user_agent,
            middleware=middleware,
            allow_insecure_http=allow_insecure_http,
            injected=http_client is not None,
            retry_policy=retry_policy,
            max_response_bytes=max_response_bytes,
            http_headers=None if http_client is None else http_client.headers,
        )
        self._owns_http = http_client is None
        import asyncio  # here, not at the top: importing the SDK does not load it

        self._sleep = asyncio.sleep
        if http_client is None:
            build = functools.partial(_own_http_client, self._preset_headers())
            self._pool = SharedPool(build(), build)
        else:
            self._pool = SharedPool(http_client, None)
        self._http = self._pool.http
        self._generation = self._pool.generation

    def with_options(
        self,
        *,
        api_key: str | NotGiven = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        user_agent: str | NotGiven = NOT_GIVEN,
        middleware: Sequence[Middleware] | NotGiven = NOT_GIVEN,
        max_response_bytes: int | NotGiven = NOT_GIVEN,
    ) -> Self:
        """
        Return a client with some settings changed that shares this one's connections.

        Closing the returned client leaves the shared pool open; closing this client
        closes it for both.

        Args:
            api_key: Another key.
            base_url: Another origin.
            timeout: Another per-attempt timeout.
            max_retries: Another retry count.
            default_headers: Replaces the default headers.
            user_agent: Another user agent.
            middleware: Replaces your middleware.
            max_response_bytes: Another limit on API response bodies.

        Returns:
            The new client.
        """
        derived = type(self).__new__(type(self))
        s = self._settings
        derived._configure(
            api_key=s.api_key if isinstance(api_key, NotGiven) else api_key,
            base_url=s.root if isinstance(base_url, NotGiven) else base_url,
            timeout=s.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=s.retry.max_retries if isinstance(max_retries, NotGiven) else max_retries,
            default_headers=s.default_headers
            if isinstance(default_headers, NotGiven)
            else default_headers,
            user_agent=s.user_agent if isinstance(user_agent, NotGiven) else user_agent,
            middleware=self._user_middleware if isinstance(middleware, NotGiven) else middleware,
            allow_insecure_http=s.allow_insecure_http,
            injected=True,
            retry_policy=s.retry,
            max_response_bytes=s.max_response_bytes
            if isinstance(max_response_bytes, NotGiven)
            else max_response_bytes,
            http_headers=self._http.headers,
        )
        derived._pool = self._pool
        derived._http = self._http
        derived._generation = self._generation
        derived._owns_http = False
        derived._sleep = self._sleep
        return derived

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: object = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
    ) -> httpx.Response:
        """
        Send an authenticated, retried, error-mapped request to any route.

        The escape hatch for routes without a typed method. A bare path is mounted
        under ``/api/v2/``; a path starting with ``/`` is taken from the origin.
        ``None`` query values are dropped, so optional filters can be passed as is.

        Args:
            method: The HTTP method.
            path: ``"plans"``, ``"/api/agenticx/..."`` or an absolute URL (which gets
                the key only on the API's own origin).
            params: Query parameters.
            json: A JSON body.
            content: A raw body, instead of ``json``.
            headers: Extra headers for this call.
            idempotency_key: The key for a mutating call; a uuid4 by default.
            timeout: This call's per-attempt timeout.

        Returns:
            The 2xx response, body read.

        Raises:
            VelerianAPIError: A non-2xx answer, once retries are spent.
            VelerianConnectionError: No complete response, once retries are spent.
        """
        built = self._build_request(
            method,
            path,
            params=params,
            json=json,
            content=content,
            headers=headers,
            idempotency_key=idempotency_key,
            timeout=timeout,
        )
        return await self._send(built)

    async def get(
        self,
        path: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
    ) -> httpx.Response:
        """
        Send a GET through :meth:`request`.

        Args:
            path: The route (see :meth:`request`).
            params: Query parameters.
            headers: Extra headers.
            timeout: This call's per-attempt timeout.

        Returns:
            The 2xx response.
        """
        return await self.request("GET", path, params=params, headers=headers, timeout=timeout)

    async def post(
        self,
        path: str,
        *,
        params: Params | None = None,
        json: object = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
    ) -> httpx.Response:
        """
        Send a POST through :meth:`request`; it carries an ``Idempotency-Key``.

        Args:
            path: The route (see :meth:`request`).
            params: Query parameters.
            json: A JSON body.
            content: A raw body, instead of ``json``.
            headers: Extra headers.
            idempotency_key: Reuse a key to make a repeated call safe across processes.
            timeout: This call's per-attempt timeout.

        Returns:
            The 2xx response.
        """
        return await self.request(
            "POST",
            path,
            params=params,
            json=json,
            content=content,
            headers=headers,
            idempotency_key=idempotency_key,
            timeout=timeout,
        )

    async def delete(
        self,
        path: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
    ) -> httpx.Response:
        """
        Send a DELETE through :meth:`request`; it carries an ``Idempotency-Key``.

        Args:
            path: The route (see :meth:`request`).
            params: Query parameters.
            headers: Extra headers.
            idempotency_key: The call's idempotency key; a uuid4 by default.
            timeout: This call's per-attempt timeout.

        Returns:
            The 2xx response.
        """
        return await self.request(
            "DELETE",
            path,
            params=params,
            headers=headers,
            idempotency_key=idempotency_key,
            timeout=timeout,
        )

    async def _request_model(
        self,
        method: str,
        path: str,
        cast_to: type[ModelT],
        *,
        params: Params | None = None,
        json: object = None,
        idempotency_key: str | None = None,
    ) -> ModelT:
        """Send a call through the chain and validate its 2xx body into ``cast_to``."""
        built = self._build_request(
            method, path, params=params, json=json, idempotency_key=idempotency_key
        )
        return self._parse(await self._send(built), cast_to)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        # An integer comparison per call: the process has not been forked since the
        # last one. The slow path renews the pool in a forked child, or raises.
        if self._generation != _connections.generation or self._http.is_closed:
            self._http = self._pool.current(type(self).__name__)
            self._generation = self._pool.generation
        response = await asend_through_chain(self._chain, request, self._send_once, self._sleep)
        return self._raise_for_status(response)

    async def _send_once(self, request: httpx.Request) -> httpx.Response:
        failure: VelerianError | None
        try:
            with AsyncAttemptTimer(request) as bounded:
                response = await self._http.send(request, stream=True, auth=None)
                if response.is_success and request.extensions.get(STREAM):
                    return response
                if not bounded:  # the timer already bounds the body it reads
                    AsyncDeadlineStream.attach(response)
                try:
                    await read_body(response, self._settings.max_response_bytes)
                finally:
                    await response.aclose()
        except httpx.HTTPError as exc:
            failure = translate_transport_error(exc, request)
        except RuntimeError as exc:  # unasync: remove
            failure = _connections.moved_loop_error(exc)  # unasync: remove
            if failure is None:  # unasync: remove
                raise  # unasync: remove
        else:
            return response
        raise failure

    async def close(self) -> None:
        """
        Close the connection pool, if this client created it.

        In a forked child, the pool inherited from the parent is left open: the parent
        still uses its connections.
        """
        if self._owns_http:
            http = self._pool.release()
            if http is not None:
                await http.aclose()

    aclose = close  # unasync: remove

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def _own_http_client(headers: dict[str, str]) -> httpx.AsyncClient:
    """The ``httpx`` client that the client builds for itself, and after a fork."""
    from ._owned_transport import owned_transport_async

    return httpx.AsyncClient(
        headers=headers,
        transport=owned_transport_async(DEFAULT_LIMITS),
        limits=DEFAULT_LIMITS,
        follow_redirects=False,
    )
