"""
``client.approvals`` on the asynchronous client: invocations held for a human decision.

This module is the source of the synchronous twin, which ``scripts/unasync.py``
generates.
"""

from __future__ import annotations

from .._core.calls import ApiCall, optional_text, page_params, path_segment
from .._models.approvals import Approval, ApprovalStatus
from .namespace import AsyncAPIResource
from .pages import AsyncPage

__all__ = ["AsyncApprovals"]


class AsyncApprovals(AsyncAPIResource):
    """
    Approvals: ``client.approvals``.

    .. versionadded:: 0.2.0
    """

    async def list(
        self, *, status: ApprovalStatus | None = None, limit: int = 50, offset: int = 0
    ) -> AsyncPage[Approval]:
        """
        List approvals, one page at a time (``GET /api/v2/approvals``).

        Args:
            status: Only approvals in this state (``pending``, ``approved``,
                ``rejected``).
            limit: Rows per page.
            offset: Rows to skip.

        Returns:
            The page; it can fetch the pages after it.

        Raises:
            VelerianArgumentError: A bad filter, ``limit`` or ``offset``.
        """
        call = list_approvals(status=status, limit=limit, offset=offset)
        return await self._fetch_page(call, Approval)

    async def retrieve(self, approval_id: str) -> Approval:
        """
        Read one approval (``GET /api/v2/approvals/{approval_id}``).

        Args:
            approval_id: The approval's id (``InvokeResult.approval_id``).

        Returns:
            The approval.

        Raises:
            VelerianArgumentError: A bad id.
            VelerianNotFoundError: No such approval in your tenant.
        """
        return await self._sender.fetch(retrieve_approval(approval_id), Approval)

    async def approve(
        self, approval_id: str, *, note: str | None = None, idempotency_key: str | None = None
    ) -> Approval:
        """
        Approve a pending approval (``POST /api/v2/approvals/{approval_id}/approve``).

        Args:
            approval_id: The approval's id.
            note: Why, for the record.
            idempotency_key: Your own key, to make a repeat safe across processes.

        Returns:
            The approval, now ``approved``.

        Raises:
            VelerianArgumentError: A bad id or note.
            VelerianConflictError: It is no longer ``pending``.
        """
        call = decide_approval(approval_id, "approve", note=note, idempotency_key=idempotency_key)
        return await self._sender.fetch(call, Approval)

    async def reject(
        self, approval_id: str, *, note: str | None = None, idempotency_key: str | None = None
    ) -> Approval:
        """
        Reject a pending approval (``POST /api/v2/approvals/{approval_id}/reject``).

        Args:
            approval_id: The approval's id.
            note: Why, for the record.
            idempotency_key: Your own key, to make a repeat safe across processes.

        Returns:
            The approval, now ``rejected``.

        Raises:
            VelerianArgumentError: A bad id or note.
            VelerianConflictError: It is no longer ``pending``.
        """
        call = decide_approval(approval_id, "reject", note=note, idempotency_key=idempotency_key)
        return await self._sender.fetch(call, Approval)


def list_approvals(*, status: object, limit: int, offset: int) -> ApiCall:
    """Build ``GET /api/v2/approvals``."""
    return ApiCall(
        "GET",
        "approvals",
        params={"status": optional_text("status", status), **page_params(limit, offset)},
    )


def retrieve_approval(approval_id: object) -> ApiCall:
    """Build ``GET /api/v2/approvals/{approval_id}``."""
    return ApiCall("GET", f"approvals/{path_segment('approval_id', approval_id)}")


def decide_approval(
    approval_id: object, decision: str, *, note: object, idempotency_key: str | None
) -> ApiCall:
    """Build ``POST /api/v2/approvals/{approval_id}/{approve|reject}``; no body without a note."""
    text = optional_text("note", note)
    return ApiCall(
        "POST",
        f"approvals/{path_segment('approval_id', approval_id)}/{decision}",
        json=None if text is None else {"note": text},
        idempotency_key=idempotency_key,
    )
