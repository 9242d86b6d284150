"""
``client.usage`` on the asynchronous client: the tenant's usage summary.

This module is the source of the synchronous twin, which ``scripts/unasync.py``
generates.
"""

from __future__ import annotations

from .._core.calls import ApiCall, check_count
from .._models.usage import UsageSummary
from .namespace import AsyncAPIResource

__all__ = ["AsyncUsage"]


class AsyncUsage(AsyncAPIResource):
    """
    The usage summary: ``client.usage``.

    .. versionadded:: 0.2.0
    """

    async def summary(
        self, *, evidence_limit: int | None = None, evidence_offset: int | None = None
    ) -> UsageSummary:
        """
        Read the tenant's usage this month, with one page of its evidence packs.

        ``GET /api/v2/usage/summary``. To walk every evidence pack, call again with
        ``evidence_offset`` advanced by ``len(summary.evidence_packs)`` until it
        reaches ``summary.evidence_total``, or, when the server leaves the total out
        (it is then ``None``), until a page is shorter than ``evidence_limit``.

        Args:
            evidence_limit: Evidence packs per page; the server's default (50) when
                omitted.
            evidence_offset: Evidence packs to skip.

        Returns:
            The summary.

        Raises:
            VelerianArgumentError: ``evidence_limit`` or ``evidence_offset`` is out
                of range.
        """
        call = usage_summary(evidence_limit=evidence_limit, evidence_offset=evidence_offset)
        return await self._sender.fetch(call, UsageSummary)


def usage_summary(*, evidence_limit: int | None, evidence_offset: int | None) -> ApiCall:
    """Build ``GET /api/v2/usage/summary``; omitted page arguments use the server's."""
    if evidence_limit is not None:
        check_count("evidence_limit", evidence_limit, minimum=1)
    if evidence_offset is not None:
        check_count("evidence_offset", evidence_offset, minimum=0)
    return ApiCall(
        "GET",
        "usage/summary",
        params={"evidence_limit": evidence_limit, "evidence_offset": evidence_offset},
    )
