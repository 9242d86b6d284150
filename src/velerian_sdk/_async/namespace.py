"""
:class:`AsyncAPIResource`: what every async namespace shares, which is only sending.

A namespace method validates its arguments and builds an :class:`ApiCall` without I/O
(with a builder function at the end of its module), then hands it to one of these
methods. This module is the source of the synchronous twin, which ``scripts/unasync.py``
generates.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVar

from .._core.calls import ApiCall, check_count
from .._core.pagination import AsyncPageFetcher, PageData
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
    )
