"""
:class:`AsyncRows`: list routes read as plain ``dict`` rows, for the 0.1 methods.

The typed namespaces return models; the 0.1 compatibility methods promised plain rows
(``entry["created_at"]`` is the ISO string), and ``iter_paginated`` walks any route. This
is the one place that does both. Source of the synchronous twin (``scripts/unasync.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from .._core.calls import ApiCall, JSONObject, JSONValue, Params, check_count
from .._core.pagination import (
    PageWalk,
    check_continuation,
    has_more,
    next_offset,
    rows_page,
)
from .namespace import AsyncAPIResource
from .pages import AsyncPage

__all__ = ["AsyncRows"]

_ROW = dict[str, JSONValue]


class AsyncRows(AsyncAPIResource):
    """Plain-row pages and walks; reached by the 0.1 methods only."""

    async def page(self, call: ApiCall) -> AsyncPage[JSONObject]:
        """
        Fetch one page of a list call with ``dict`` rows.

        Args:
            call: The list call.

        Returns:
            The page; it can fetch the pages after it.
        """
        return await self._fetch_page(call, _ROW)

    def iterate(self, call: ApiCall, *, max_items: int | None = None) -> AsyncIterator[JSONObject]:
        """
        Walk every ``dict`` row of a list call.

        Args:
            call: The list call, at its first offset.
            max_items: Stop after this many rows.

        Returns:
            The rows, fetched page by page as they are consumed.
        """
        return self._iterate(call, _ROW, max_items)

    def walk(
        self,
        path: str,
        *,
        params: Params | None,
        page_size: int,
        limit_param: str,
        offset_param: str,
        items_key: str,
    ) -> AsyncIterator[JSONObject]:
        """
        Walk any limit/offset route whose parameter and body keys are named by the caller.

        Args:
            path: The route.
            params: Extra query parameters (filters).
            page_size: Rows per request.
            limit_param: The query (and body) name of the limit.
            offset_param: The query (and body) name of the offset.
            items_key: The body key of the rows.

        Returns:
            The rows, fetched page by page as they are consumed.

        Raises:
            VelerianArgumentError: ``page_size`` is not a whole number >= 1.
        """
        check_count("page_size", page_size, minimum=1)
        return self._walk_custom(
            path,
            params=dict(params or {}),
            page_size=page_size,
            limit_param=limit_param,
            offset_param=offset_param,
            items_key=items_key,
        )

    async def _walk_custom(
        self,
        path: str,
        *,
        params: Params,
        page_size: int,
        limit_param: str,
        offset_param: str,
        items_key: str,
    ) -> AsyncIterator[JSONObject]:
        walk = PageWalk()
        offset = 0
        previous = None
        while True:
            call = ApiCall(
                "GET", path, params={**params, limit_param: page_size, offset_param: offset}
            )
            body = await self._sender.fetch(call, _ROW)
            data = rows_page(
                body,
                items_key=items_key,
                limit_param=limit_param,
                offset_param=offset_param,
                limit=page_size,
                offset=offset,
            )
            if previous is not None:
                check_continuation(previous, offset, data)
            for row in walk.admit(data):  # noqa: RUF100, UP028 - no `yield from` in an async generator
                yield row
            if not has_more(data):
                return
            previous = data
            offset = next_offset(data)
