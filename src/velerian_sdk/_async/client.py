"""
:class:`AsyncVelerianClient`: the I/O of the asynchronous flavour.

The client checks its settings, holds an :class:`~velerian_sdk._async.sender.AsyncHttpSender`
(which sends every call), builds its namespaces on first use and offers the public
methods; the 0.1 methods come from its one base. This module is the source of the
synchronous twin, which ``scripts/unasync.py`` generates.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, cast

import httpx
from typing_extensions import Self

from .._core.calls import Params
from .._core.chain import AsyncSleep, Middleware
from .._core.connections import SharedPool
from .._core.errors import VelerianArgumentError
from .._core.namespace_property import NamespaceProperty
from .._core.redaction import attribute, masked_key
from .._core.retry import RetryPolicy
from .._core.settings import DEFAULT_LIMITS, NOT_GIVEN, NotGiven
from .legacy import AsyncLegacyMethods
from .sender import AsyncHttpSender

if TYPE_CHECKING:
    from .abps import AsyncAbps
    from .api_keys import AsyncApiKeys
    from .approvals import AsyncApprovals
    from .attachments import AsyncAttachments
    from .audit import AsyncAudit
    from .evidence import AsyncEvidence
    from .networks import AsyncNetworks
    from .plans import AsyncPlans
    from .runs import AsyncRuns
    from .usage import AsyncUsage

__all__ = ["AsyncVelerianClient"]


class AsyncVelerianClient(AsyncLegacyMethods):
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
        import asyncio  # here, not at the top: importing the SDK does not load it

        sender = AsyncHttpSender(asyncio.sleep)
        sender.configure(
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
        if http_client is None:
            build = functools.partial(_own_http_client, sender.preset_headers())
            sender.use_pool(SharedPool(build(), build), owns=True)
        else:
            sender.use_pool(SharedPool(http_client, None), owns=False)
        self._sender = sender

    # Each namespace's module is imported the first time its property is read, so
    # importing the package stays cheap; a client made by with_options gets its own.

    @NamespaceProperty
    def abps(self) -> AsyncAbps:
        """Agent blueprints: list, retrieve and invoke."""
        from .abps import AsyncAbps

        return AsyncAbps(self._sender)

    @NamespaceProperty
    def evidence(self) -> AsyncEvidence:
        """Evidence exports of invocations and ABPs."""
        from .evidence import AsyncEvidence

        return AsyncEvidence(self._sender)

    @NamespaceProperty
    def audit(self) -> AsyncAudit:
        """The audit log: one page, or every entry."""
        from .audit import AsyncAudit

        return AsyncAudit(self._sender)

    @NamespaceProperty
    def api_keys(self) -> AsyncApiKeys:
        """API keys: mint, list and revoke."""
        from .api_keys import AsyncApiKeys

        return AsyncApiKeys(self._sender)

    @NamespaceProperty
    def usage(self) -> AsyncUsage:
        """The tenant's usage summary."""
        from .usage import AsyncUsage

        return AsyncUsage(self._sender)

    @NamespaceProperty
    def runs(self) -> AsyncRuns:
        """Network runs: list, retrieve, wait, revise and share."""
        from .runs import AsyncRuns

        return AsyncRuns(self._sender)

    @NamespaceProperty
    def networks(self) -> AsyncNetworks:
        """Governed network runs: queue, and wait for them."""
        from .networks import AsyncNetworks

        return AsyncNetworks(self._sender, runs=self.runs)

    @NamespaceProperty
    def approvals(self) -> AsyncApprovals:
        """Invocations held for a human decision: list, approve, reject."""
        from .approvals import AsyncApprovals

        return AsyncApprovals(self._sender)

    @NamespaceProperty
    def plans(self) -> AsyncPlans:
        """The billing plans."""
        from .plans import AsyncPlans

        return AsyncPlans(self._sender)

    @NamespaceProperty
    def attachments(self) -> AsyncAttachments:
        """Files for network runs."""
        from .attachments import AsyncAttachments

        return AsyncAttachments(self._sender)

    @property
    def base_url(self) -> str:
        """The API root this client talks to, without the ``/api/v2`` prefix."""
        return self._sender.settings.root

    @property
    def max_retries(self) -> int:
        """How many times a failed call is retried."""
        return self._sender.settings.retry.max_retries

    @property
    def _sleep(self) -> AsyncSleep:
        # How the client waits between attempts and polls; tests replace it.
        return self._sender.sleeper

    @_sleep.setter
    def _sleep(self, sleep: AsyncSleep) -> None:
        self._sender.sleeper = sleep

    def with_options(
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
    ) -> Self:
        """
        Return a client with some settings changed that shares this one's connections.

        Closing the returned client leaves the shared pool open; closing this client
        closes it for both. For options on a few calls, ``client.abps.with_options(...)``
        and the other namespaces' ``with_options`` take the per-call ones.

        Args:
            api_key: Another key.
            base_url: Another origin.
            timeout: Another per-attempt timeout.
            max_retries: Another retry count.
            total_timeout: Another deadline for a whole call, attempts and waits
                included, in seconds; ``None`` for none.
            default_headers: Replaces the default headers.
            user_agent: Another user agent.
            middleware: Replaces your middleware.
            max_response_bytes: Another limit on API response bodies.

        Returns:
            The new client.
        """
        derived = type(self).__new__(type(self))
        derived._sender = self._sender.derive(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            total_timeout=total_timeout,
            default_headers=default_headers,
            user_agent=user_agent,
            middleware=middleware,
            max_response_bytes=max_response_bytes,
        )
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
        built = self._sender.build_request(
            method,
            path,
            params=params,
            json=json,
            content=content,
            headers=headers,
            idempotency_key=idempotency_key,
            timeout=timeout,
        )
        return await self._sender.send(built)

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

    async def close(self) -> None:
        """
        Close the connection pool, if this client created it.

        In a forked child, the pool inherited from the parent is left open: the parent
        still uses its connections.
        """
        await self._sender.close()

    aclose = close  # unasync: remove

    def __repr__(self) -> str:
        # Safe on a client whose constructor raised halfway (see _core._reprs).
        settings = attribute(attribute(self, "_sender"), "settings")
        retry = attribute(settings, "retry")
        return (
            f"{type(self).__name__}(base_url={attribute(settings, 'root')!r}, "
            f"api_key={masked_key(attribute(settings, 'api_key'))!r}, "
            f"max_retries={attribute(retry, 'max_retries')!r})"
        )

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
    # Imported with the first client built.
    from .transport import own_http_client, owned_transport_async

    return own_http_client(headers, owned_transport_async(DEFAULT_LIMITS), DEFAULT_LIMITS)
