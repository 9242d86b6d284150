"""
:class:`AsyncPage`: one page of a list route, and the way to the pages after it.

This module is the source of the synchronous :class:`~velerian_sdk.Page`, which
``scripts/unasync.py`` generates; the decisions both share live in ``_core.pagination``.
"""

from __future__ import annotations

import asyncio  # unasync: remove
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import ClassVar, Generic, TypeVar, cast

from .._core.calls import JSONObject
from .._core.pagination import (
    AsyncPageFetcher,
    PageData,
    PageWalk,
    VelerianPaginationError,
    check_continuation,
    has_more,
    next_offset,
)
from .._core.redaction import attribute
from .._core.requests import ResponseInfo

__all__ = ["AsyncPage"]

ItemT = TypeVar("ItemT")


class AsyncPage(Generic[ItemT]):
    """
    One page of a ``limit`` / ``offset`` list, from the asynchronous client.

    ``len(page)`` and ``for item in page`` cover this page's items, as in 0.1.
    :meth:`iter_all` walks every item from this page onward, fetching the pages after
    it as needed, up to an optional ``max_items``. With the async client, ``async for``
    over a page does the same walk.

    The walk stops after an empty page, a page shorter than ``limit``, or at
    ``total``. A server that answers the wrong offset or repeats a page raises
    :class:`VelerianPaginationError` rather than looping.

    To resume after a crash, keep the offset of the last item you finished: item
    ``i`` of a page sits at ``page.offset + i``, and every list method takes
    ``offset=``.

    With the async client, a walk (:meth:`iter_all`, :meth:`iter_pages`, ``async for``)
    requests the next page as soon as it starts handing out the current one, so a
    consumer that awaits other work per item does not wait for the network on top:
    N pages take about N x max(latency, your time per page), not the sum.

    The list methods build pages; build one yourself only to wrap rows you already
    have (it then has no page after it).

    Args:
        items: The page's items.
        limit: The page size.
        offset: How many items precede this page.
        total: How many items match in all, if known.
        raw: The page's body, returned by :attr:`raw`.

    Attributes:
        items: This page's items.
        limit: The page size the server answered with.
        offset: How many items precede this page.
        total: How many items match in all, or ``None`` when the server does not say.

    Example:
        .. code-block:: python

            page = await client.runs.list(status="failed", limit=100)
            async for run in page.iter_all():  # every failed run, page after page
                print(run.id, run.error)

    .. versionadded:: 0.2.0
    """

    __slots__ = ("_data", "_fetch", "items", "limit", "offset", "total")
    _shown_as: ClassVar[str | None] = None

    def __init__(
        self,
        items: Iterable[ItemT],
        *,
        limit: int,
        offset: int = 0,
        total: int | None = None,
        raw: JSONObject | None = None,
    ) -> None:
        self.items: list[ItemT] = list(items)
        self.limit: int = limit
        self.offset: int = offset
        self.total: int | None = total
        body = dict(raw) if raw is not None else None
        self._data = PageData(
            self.items, limit, offset, total, raw=lambda: dict(body) if body else {}
        )
        self._fetch: AsyncPageFetcher[ItemT] | None = None

    @property
    def last_response(self) -> ResponseInfo | None:
        """
        The HTTP response this page came from, or ``None`` for a page built by hand.

        Its ``request_id`` is what to quote to support about the call.

        .. versionadded:: 0.2.0
        """
        return self._data.response

    @property
    def raw(self) -> JSONObject:
        """The page's body as JSON values (as ``.raw`` was in 0.1)."""
        return self._data.raw()

    def has_next_page(self) -> bool:
        """
        Tell whether a page may follow this one.

        Returns:
            False when this page is empty, shorter than ``limit`` or reaches ``total``.
        """
        return self._fetch is not None and has_more(self._data)

    async def next_page(self) -> AsyncPage[ItemT]:
        """
        Fetch the page after this one.

        Returns:
            The next page.

        Raises:
            VelerianPaginationError: This is the last page (check
                :meth:`has_next_page` first), or the server's answer does not continue
                this page.
        """
        offset = next_offset(self._data)
        if self._fetch is None or not has_more(self._data):
            msg = f"the page at offset {self.offset} is the last; check has_next_page() first"
            raise VelerianPaginationError(msg, offset=offset)
        data = await self._fetch(offset)
        check_continuation(self._data, offset, data)
        return AsyncFetchedPage(data, self._fetch)

    async def iter_pages(self) -> AsyncIterator[AsyncPage[ItemT]]:
        """
        Yield this page, then each page after it.

        Yields:
            Pages, in order; each knows its ``offset``, which is where to resume.

        Raises:
            VelerianPaginationError: The server repeats a page.
        """
        walk = PageWalk()
        page = self
        ahead = _PageAhead[ItemT]()
        try:
            while True:
                walk.admit(page._data)
                last = not page.has_next_page()
                if not last:
                    ahead.start(page)
                yield page
                if last:
                    return
                page = await ahead.take(page)
        finally:
            ahead.cancel()

    async def iter_all(self, *, max_items: int | None = None) -> AsyncIterator[ItemT]:
        """
        Yield every item from this page onward, fetching pages as needed.

        Args:
            max_items: Stop after this many items; ``None`` for every one.

        Yields:
            Items, in order.

        Raises:
            VelerianArgumentError: ``max_items`` is negative.
            VelerianPaginationError: The server repeats a page.
        """
        walk = PageWalk(max_items)
        page = self
        ahead = _PageAhead[ItemT]()
        try:
            while True:
                items = walk.admit(page._data)
                last = walk.done or not page.has_next_page()
                if not last:
                    ahead.start(page)
                for item in items:  # noqa: RUF100, UP028 - no `yield from` in an async generator
                    yield item
                if last:
                    return
                page = await ahead.take(page)
        finally:
            ahead.cancel()

    def __aiter__(self) -> AsyncIterator[ItemT]:  # unasync: remove
        return self.iter_all()  # unasync: remove

    def __iter__(self) -> Iterator[ItemT]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __rich_repr__(self) -> Iterator[tuple[str, object]]:
        """Fields for ``rich``'s pretty printer (REPL, notebooks): the items in full."""
        for name in ("items", "limit", "offset", "total"):
            yield name, attribute(self, name)

    def __repr__(self) -> str:
        # Safe on a half-built page (see _core._reprs).
        items = attribute(self, "items")
        count = (
            f"<{len(cast('list[object]', items))} items>"
            if isinstance(items, list)
            else repr(items)
        )
        total = attribute(self, "total")
        name = self._shown_as or type(self).__name__
        return (
            f"{name}(items={count}, limit={attribute(self, 'limit')!r}, "
            f"offset={attribute(self, 'offset')!r}, total={'?' if total is None else total!r})"
        )


class AsyncFetchedPage(AsyncPage[ItemT]):
    """
    A page the client fetched, which can fetch the pages after it.

    Built by the namespaces; typed, shown and used as an :class:`AsyncPage`.
    """

    __slots__ = ()
    _shown_as = "AsyncPage"

    def __init__(self, data: PageData[ItemT], fetch: AsyncPageFetcher[ItemT]) -> None:
        """
        Hold ``data`` and the way to the pages after it.

        Args:
            data: The page as fetched.
            fetch: Fetches the page at a given offset.
        """
        self.items = list(data.items)
        self.limit = data.limit
        self.offset = data.offset
        self.total = data.total
        self._data = data
        self._fetch = fetch


class _PageAhead(Generic[ItemT]):
    """
    The page after the current one, requested while the current one is consumed.

    Async only: the synchronous walk fetches each page when it needs it.
    """

    __slots__ = ("_task",)

    def __init__(self) -> None:
        """Nothing is requested yet."""
        self._task: asyncio.Task[AsyncPage[ItemT]] | None = None  # unasync: remove

    def start(self, page: AsyncPage[ItemT]) -> None:
        """Start requesting the page after ``page``."""
        self._task = asyncio.ensure_future(page.next_page())  # unasync: remove

    async def take(self, page: AsyncPage[ItemT]) -> AsyncPage[ItemT]:
        """Return the page after ``page``: the one requested ahead, else fetched now."""
        task, self._task = self._task, None  # unasync: remove
        if task is not None:  # unasync: remove
            return await task  # unasync: remove
        return await page.next_page()

    def cancel(self) -> None:
        """Drop a request nobody will take; if it failed already, its error is retrieved."""
        task, self._task = self._task, None  # unasync: remove
        if task is not None and not task.cancel() and not task.cancelled():  # unasync: remove
            task.exception()  # unasync: remove
