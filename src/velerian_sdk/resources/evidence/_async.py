"""
``client.evidence`` on the asynchronous client: evidence exports of invocations and ABPs.

This module is the source of the synchronous twin, which ``scripts/unasync.py``
generates.
"""

from __future__ import annotations

import datetime as dt

from ..._models.evidence import EvidenceExport, ExportDelivery, ExportFormat
from .._base import AsyncAPIResource
from . import _requests

__all__ = ["AsyncEvidence"]


class AsyncEvidence(AsyncAPIResource):
    """
    Evidence exports: ``client.evidence``. Needs the ``evidence:read`` scope.

    .. versionadded:: 0.2.0
    """

    async def for_invocation(
        self,
        abp_id: str,
        invocation_id: str,
        *,
        format: ExportFormat | None = None,
        delivery: ExportDelivery | None = None,
    ) -> EvidenceExport:
        """
        Export the evidence of one invocation.

        ``GET /api/v2/abps/{abp_id}/invocations/{invocation_id}/evidence``.

        Args:
            abp_id: The ABP that was invoked.
            invocation_id: The invocation (``InvokeResult.invocation_id``).
            format: ``json`` or ``jsonl``; the server's default when omitted.
            delivery: ``presigned`` or ``stream``; the server's default when omitted.

        Returns:
            Where and until when to download the export.

        Raises:
            VelerianArgumentError: A bad id.
            VelerianNotFoundError: No such invocation in your tenant.
        """
        call = _requests.invocation_evidence(
            abp_id, invocation_id, format=format, delivery=delivery
        )
        return await self._fetch(call, EvidenceExport)

    async def package(
        self,
        abp_id: str,
        *,
        since: dt.datetime | str,
        format: ExportFormat | None = None,
        delivery: ExportDelivery | None = None,
    ) -> EvidenceExport:
        """
        Export all of an ABP's evidence at or after ``since``.

        ``GET /api/v2/abps/{abp_id}/evidence-package``.

        Args:
            abp_id: The ABP.
            since: The earliest evidence to include: an aware ``datetime`` or an
                ISO-8601 string such as ``"2025-03-01T00:00:00Z"``.
            format: ``json`` or ``jsonl``; the server's default when omitted.
            delivery: ``presigned`` or ``stream``; the server's default when omitted.

        Returns:
            Where and until when to download the export.

        Raises:
            VelerianArgumentError: A bad id, a naive ``datetime`` or a string that is
                not ISO-8601.
            VelerianNotFoundError: No such ABP in your tenant.
        """
        call = _requests.evidence_package(abp_id, since=since, format=format, delivery=delivery)
        return await self._fetch(call, EvidenceExport)
