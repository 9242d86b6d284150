"""
Offset pagination, decided without I/O: when to stop, where to go next, what to refuse.

The pages (:class:`~velerian_sdk.Page`, :class:`~velerian_sdk.AsyncPage`) only fetch;
every decision is here so that it is tested without sockets and shared by both:

- a page is the last when it is empty, shorter than its ``limit``, or reaches ``total``;
- the next page starts at ``offset + len(items)``, so a server that clamps ``limit``
  loses no rows;
- a server that answers another offset than the one asked for, or repeats a page (the
  same first item again), raises :class:`VelerianPaginationError` instead of looping;
- ``max_items`` caps what a walk yields.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeAlias, TypeVar

import pydantic_core

from .calls import JSONObject, check_count
from .errors import VelerianError
from .redaction import fields_repr
from .requests import ResponseInfo

__all__ = [
    "AsyncPageFetcher",
    "PageData",
    "PageFetcher",
    "PageWalk",
    "VelerianPaginationError",
    "check_continuation",
    "has_more",
    "next_offset",
    "rows_page",
]

ItemT = TypeVar("ItemT")


class VelerianPaginationError(VelerianError):
    """
    The server's pages do not add up, so walking them further could loop forever.

    Raised when a page answers another offset than the one asked for, or starts with
    the same item as a page already seen, and when :meth:`Page.next_page` is called on
    the last page. Items already yielded are good; resume from :attr:`offset` with the
    list method's ``offset`` argument once the server is fixed.

    Attributes:
        offset: The offset being fetched when the problem was found.

    .. versionadded:: 0.2.0
    """

    def __init__(self, message: str, *, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


# Shown in tracebacks as the name users import (see the end of _exceptions).
VelerianPaginationError.__module__ = "velerian_sdk"


@dataclass(frozen=True, slots=True)
class PageData(Generic[ItemT]):
    """
    One parsed page: its items and where it sits.

    Attributes:
        items: The rows.
        limit: The page size the server answered with (or the one asked for).
        offset: How many rows precede this page.
        total: How many rows match in all, when the server says.
        raw: Builds the page's body as JSON values, on demand.
        response: The response the page came from, when it was fetched.
    """

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    items: Sequence[ItemT]
    limit: int
    offset: int
    total: int | None = None
    raw: Callable[[], JSONObject] = field(default=dict, repr=False, compare=False)
    response: ResponseInfo | None = field(default=None, repr=False, compare=False)


PageFetcher: TypeAlias = Callable[[int], PageData[ItemT]]
"""Fetches the page at an offset (sync)."""
AsyncPageFetcher: TypeAlias = Callable[[int], Awaitable[PageData[ItemT]]]
"""Fetches the page at an offset (async)."""


def next_offset(page: PageData[ItemT]) -> int:
    """
    Return where the page after ``page`` starts.

    Args:
        page: The current page.

    Returns:
        ``offset + len(items)``.
    """
    return page.offset + len(page.items)


def has_more(page: PageData[ItemT]) -> bool:
    """
    Tell whether another page may follow ``page``.

    Args:
        page: The current page.

    Returns:
        False for an empty page, a page shorter than its limit, or one that reaches
        ``total``; True otherwise.
    """
    count = len(page.items)
    if count == 0 or count < page.limit:
        return False
    return page.total is None or page.offset + count < page.total


def check_continuation(
    previous: PageData[ItemT], requested_offset: int, received: PageData[ItemT]
) -> None:
    """
    Refuse a page that does not continue ``previous``.

    Args:
        previous: The page before.
        requested_offset: The offset that was asked for.
        received: What the server answered.

    Raises:
        VelerianPaginationError: The server answered another offset, or the same
            first item as the page before.
    """
    if received.offset != requested_offset:
        msg = (
            f"asked for the page at offset {requested_offset} but the server answered "
            f"offset {received.offset}; stopping so as not to loop"
        )
        raise VelerianPaginationError(msg, offset=requested_offset)
    if (
        received.items
        and previous.items
        and _fingerprint(received.items[0]) == _fingerprint(previous.items[0])
    ):
        msg = (
            f"the page at offset {requested_offset} starts with the same item as the page "
            f"at offset {previous.offset}: the server is repeating a page"
        )
        raise VelerianPaginationError(msg, offset=requested_offset)


def rows_page(
    body: JSONObject,
    *,
    items_key: str,
    limit_param: str,
    offset_param: str,
    limit: int,
    offset: int,
) -> PageData[JSONObject]:
    """
    Read a page of plain rows from a body whose keys are named by the caller.

    For routes paged by other names, such as the usage summary's ``evidence_limit`` /
    ``evidence_offset`` over ``evidence_packs``. The limit and offset the server echoes
    under ``limit_param`` / ``offset_param`` win over the requested ones; the total is
    read from the key named like the limit with ``total`` for ``limit``
    (``total``, ``evidence_total``). A missing ``items_key`` is an empty page.

    Args:
        body: The response body.
        items_key: The key of the row list.
        limit_param: The name of the limit, in the query and the body.
        offset_param: The name of the offset, in the query and the body.
        limit: The limit asked for.
        offset: The offset asked for.

    Returns:
        The page.

    Raises:
        VelerianPaginationError: ``items_key`` does not hold a list of JSON objects.
    """
    rows = body.get(items_key, [])
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        msg = f"the body's {items_key!r} is not a list of JSON objects"
        raise VelerianPaginationError(msg, offset=offset)
    total_key = limit_param[: -len("limit")] + "total" if limit_param.endswith("limit") else None
    items = [row for row in rows if isinstance(row, dict)]
    echoed_limit = _int_at(body, limit_param)
    echoed_offset = _int_at(body, offset_param)
    return PageData(
        items,
        limit=limit if echoed_limit is None else echoed_limit,
        offset=offset if echoed_offset is None else echoed_offset,
        total=None if total_key is None else _int_at(body, total_key),
        raw=lambda: body,
    )


def _int_at(body: JSONObject, key: str) -> int | None:
    value = body.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class PageWalk:
    """
    The state of a walk over every item from one page onward.

    It refuses a page whose first item was already seen (a server cycling through
    pages) and stops after ``max_items`` items.

    Args:
        max_items: Yield at most this many items; ``None`` for all.

    Raises:
        VelerianArgumentError: ``max_items`` is negative or not a whole number.
    """

    def __init__(self, max_items: int | None = None) -> None:
        if max_items is not None:
            check_count("max_items", max_items, minimum=0)
        self._remaining = max_items
        self._seen: set[bytes] = set()

    @property
    def done(self) -> bool:
        """Whether ``max_items`` items have been yielded."""
        return self._remaining == 0

    def admit(self, page: PageData[ItemT]) -> Sequence[ItemT]:
        """
        Take a page into the walk and return the items to yield from it.

        Args:
            page: The next page of the walk.

        Returns:
            Its items, cut short at ``max_items``.

        Raises:
            VelerianPaginationError: The page starts with an item already seen.
        """
        if page.items:
            first = _fingerprint(page.items[0])
            if first in self._seen:
                msg = (
                    f"the page at offset {page.offset} starts with an item already seen "
                    "in this walk: the server is repeating pages"
                )
                raise VelerianPaginationError(msg, offset=page.offset)
            self._seen.add(first)
        if self._remaining is None:
            return page.items
        taken = page.items[: self._remaining]
        self._remaining -= len(taken)
        return taken


def _fingerprint(item: object) -> bytes:
    return pydantic_core.to_json(item, fallback=repr)
