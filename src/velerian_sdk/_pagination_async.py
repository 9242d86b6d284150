"""
:class:`AsyncPage`: one page of a list route, and the way to the pages after it.

This module is the source of the synchronous :class:`~velerian_sdk.Page`, which
``scripts/unasync.py`` generates; the decisions both share live in ``_pagination``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Generic, TypeVar

from ._json import JSONObject
from ._pagination import (
    AsyncPageFetcher,
    PageData,
    PageWalk,
    VelerianPaginationError,
    check_continuation,
    has_more,
    next_offset,
)

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

    @classmethod
    def _bound(cls, data: PageData[ItemT], fetch: AsyncPageFetcher[ItemT]) -> AsyncPage[ItemT]:
        page = cls.__new__(cls)
        page.items = list(data.items)
        page.limit = data.limit
        page.offset = data.offset
        page.total = data.total
        page._data = data
        page._fetch = fetch
        return page

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
        return type(self)._bound(data, self._fetch)

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
        while True:
            walk.admit(page._data)
            yield page
            if not page.has_next_page():
                return
            page = await page.next_page()

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
        while True:
            for item in walk.admit(page._data):  # noqa: RUF100, UP028 - no `yield from` in an async generator
                yield item
            if walk.done or not page.has_next_page():
                return
            page = await page.next_page()

    def __aiter__(self) -> AsyncIterator[ItemT]:  # unasync: remove
        return self.iter_all()  # unasync: remove

    def __iter__(self) -> Iterator[ItemT]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __rich_repr__(self) -> Iterator[tuple[str, object]]:
        """Fields for ``rich``'s pretty printer (REPL, notebooks): the items in full."""
        yield "items", self.items
        yield "limit", self.limit
        yield "offset", self.offset
        yield "total", self.total

    def __repr__(self) -> str:
        total = "?" if self.total is None else self.total
        return (
            f"{type(self).__name__}(items=<{len(self.items)} items>, limit={self.limit}, "
            f"offset={self.offset}, total={total})"
        )
