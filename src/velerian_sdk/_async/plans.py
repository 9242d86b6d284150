"""
``client.plans`` on the asynchronous client: the billing plans.

This module is the source of the synchronous twin, which ``scripts/unasync.py``
generates.
"""

from __future__ import annotations

from .._core import _calls_plans as _requests
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
        return await self._fetch_page(_requests.list_plans(limit=limit, offset=offset), Plan)
