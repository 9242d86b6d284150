"""
:class:`AsyncAPIResource`: what every async namespace shares, which is only sending.

A namespace method validates its arguments and builds an :class:`ApiCall` without I/O
(with a builder function at the end of its module), then hands it to one of these
methods. This module is the source of the synchronous twin, which ``scripts/unasync.py``
generates.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Mapping
from typing import TypeVar

import httpx
from typing_extensions import Self

from .._core.calls import ApiCall, check_count
from .._core.pagination import AsyncPageFetcher, PageData
from .._core.settings import NOT_GIVEN, NotGiven
from .._models.pages import PageEnvelope, page_envelope
from .pages import AsyncFetchedPage, AsyncPage
from .sender import AsyncSender

__all__ = ["AsyncAPIResource"]

ItemT = TypeVar("ItemT")


class AsyncAPIResource:
    """
    The base of the async namespaces: it holds the client's sender.

    Args:
        sender: Sends the calls, with the client's settings, middleware and connections.
    """

    def __init__(self, sender: AsyncSender) -> None:
        self._sender = sender

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str | int | float | bool] | None = None,
    ) -> Self:
        """
        Return this namespace with options for the calls made through it.

        The client and this namespace keep their settings; the returned one shares
        their connections, so it is cheap to make for a single call::

            result = await client.abps.with_options(timeout=5, total_timeout=20).invoke(
                abp_id, payload={"prompt": "Summarize."}
            )

        Args:
            timeout: The timeout of each attempt, in seconds (or an ``httpx.Timeout``);
                ``None`` waits without limit.
            total_timeout: The deadline of each call, every attempt and wait included,
                in seconds; ``None`` for none. No retry starts after it.
            max_retries: Retries after a retryable failure (0 for none).
            extra_headers: Headers added to each API call, for features this SDK does
                not know yet. They go to the API's origin only, never to a storage
                host; ``Authorization``, ``Idempotency-Key`` and the body's headers
                cannot be set here.
            extra_query: Query parameters added to each API call; one the method sets
                from its own arguments is refused when the call is made.

        Returns:
            The namespace with the options.

        Raises:
            VelerianArgumentError: An option out of range or a header HTTP cannot carry.

        .. versionadded:: 0.2.0
        """
        sender = self._sender.derive(
            timeout=timeout,
            max_retries=max_retries,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        derived = copy.copy(self)
        derived._rebind(sender)
        return derived

    def _rebind(self, sender: AsyncSender) -> None:
        """Send through ``sender`` from now on (a copy made by :meth:`with_options`)."""
        self._sender = sender

    async def _fetch_page(self, call: ApiCall, item_type: type[ItemT]) -> AsyncPage[ItemT]:
        """Fetch the page of a list call; the page can fetch the ones after it."""
        fetch = self._page_fetcher(call, item_type)
        data = await fetch(call.offset)
        return AsyncFetchedPage(data, fetch)

    def _iterate(
        self, call: ApiCall, item_type: type[ItemT], max_items: int | None
    ) -> AsyncIterator[ItemT]:
        """Walk every item of a list call; arguments are checked now, not on first use."""
        if max_items is not None:
            check_count("max_items", max_items, minimum=0)
        return self._walk(call, item_type, max_items)

    async def _walk(
        self, call: ApiCall, item_type: type[ItemT], max_items: int | None
    ) -> AsyncIterator[ItemT]:
        if max_items == 0:
            return
        page = await self._fetch_page(call, item_type)
        async for item in page.iter_all(max_items=max_items):  # noqa: RUF100, UP028 - no `yield from` in an async generator
            yield item

    def _page_fetcher(self, call: ApiCall, item_type: type[ItemT]) -> AsyncPageFetcher[ItemT]:
        envelope = page_envelope(item_type)

        async def fetch(offset: int) -> PageData[ItemT]:
            page_call = call.at_offset(offset)
            body = await self._sender.fetch(page_call, envelope)
            return _page_data(body, page_call)

        return fetch


def _page_data(body: PageEnvelope[ItemT], call: ApiCall) -> PageData[ItemT]:
    return PageData(
        body.items,
        limit=call.limit if body.limit is None else body.limit,
        offset=call.offset if body.offset is None else body.offset,
        total=body.total,
        raw=lambda: body.raw,
        response=body.last_response,
    )
