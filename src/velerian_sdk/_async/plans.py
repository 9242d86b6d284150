"""
``client.plans`` on the asynchronous client: the billing plans.

This module is the source of the synchronous twin, which ``scripts/unasync.py``
generates.
"""

from __future__ import annotations

from .._core.calls import ApiCall, page_params
from .._models.plans import Plan
from .namespace import AsyncAPIResource
from .pages import AsyncPage

__all__ = ["AsyncPlans"]


class AsyncPlans(AsyncAPIResource):
    """
    Billing plans: ``client.plans``.

    .. versionadded:: 0.2.0
    """

    async def list(self, *, limit: int = 50, offset: int = 0) -> AsyncPage[Plan]:
        """
        List the plans; the tenant's own is marked ``current`` (``GET /api/v2/plans``).

        Args:
            limit: Rows per page.
            offset: Rows to skip.

        Returns:
            The page; it can fetch the pages after it.

        Raises:
            VelerianArgumentError: ``limit`` or ``offset`` is out of range.
        """
        return await self._fetch_page(list_plans(limit=limit, offset=offset), Plan)


def list_plans(*, limit: int, offset: int) -> ApiCall:
    """Build ``GET /api/v2/plans``."""
    return ApiCall("GET", "plans", params=page_params(limit, offset))
