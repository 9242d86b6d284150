"""Approvals: invocations held by governance, awaiting a human decision."""

from __future__ import annotations

from typing import Literal

from velerian_stub.schemas.approvals import Approval, ApprovalPage, ApprovalStatus
from velerian_stub.service.actor import Actor
from velerian_stub.service.audit import write_entry
from velerian_stub.service.clock import format_epoch
from velerian_stub.service.errors import conflict, not_found
from velerian_stub.service.executions import record_execution
from velerian_stub.store.database import Row, Session
from velerian_stub.store.invocations import find_approval, page_approvals, set_approval_decision

__all__ = ["decide_approval", "get_approval", "list_approvals"]


def _status(value: str) -> ApprovalStatus:
    return "approved" if value == "approved" else "rejected" if value == "rejected" else "pending"


def _approval_model(row: Row) -> Approval:
    return Approval(
        id=row.text("id"),
        abp_id=row.text("abp_id"),
        invocation_id=row.text("invocation_id"),
        status=_status(row.text("status")),
        reason=row.text("reason"),
        created_at=row.text("created_at"),
        decided_at=row.opt_text("decided_at"),
        decided_by_user_id=row.opt_text("decided_by_user_id"),
        note=row.opt_text("note"),
    )


def list_approvals(
    session: Session, tenant_id: str, status: ApprovalStatus | None, limit: int, offset: int
) -> ApprovalPage:
    """
    List a tenant's approvals, oldest first.

    Args:
        session: The open transaction.
        tenant_id: Whose approvals.
        status: Only approvals in this status, when given.
        limit: The page size.
        offset: How many to skip.

    Returns:
        The page.
    """
    rows, total = page_approvals(session, tenant_id, status, limit=limit, offset=offset)
    items = [_approval_model(row) for row in rows]
    return ApprovalPage(items=items, limit=limit, offset=offset, total=total)


def _approval_row(session: Session, tenant_id: str, approval_id: str) -> Row:
    row = find_approval(session, tenant_id, approval_id)
    if row is None:
        raise not_found("approval", approval_id)
    return row


def get_approval(session: Session, tenant_id: str, approval_id: str) -> Approval:
    """
    Read one approval of a tenant.

    Args:
        session: The open transaction.
        tenant_id: The caller's tenant.
        approval_id: The approval.

    Returns:
        The approval.

    Raises:
        ApiError: 404 when it is not in the tenant.
    """
    return _approval_model(_approval_row(session, tenant_id, approval_id))


def decide_approval(
    session: Session,
    actor: Actor,
    approval_id: str,
    *,
    decision: Literal["approved", "rejected"],
    note: str | None,
    now: float,
) -> Approval:
    """
    Approve or reject a pending approval.

    Args:
        session: The open transaction.
        actor: The deciding caller.
        approval_id: The approval.
        decision: ``approved`` or ``rejected``.
        note: The decider's note.
        now: The current time in Unix seconds.

    Returns:
        The decided approval.

    Raises:
        ApiError: 404 when not in the tenant, 409 unless it is ``pending``.
    """
    row = _approval_row(session, actor.tenant_id, approval_id)
    if row.text("status") != "pending":
        raise conflict(f"approval {approval_id} is already {row.text('status')}")
    set_approval_decision(
        session,
        approval_id,
        status=decision,
        decided_at=format_epoch(now),
        decided_by_user_id=actor.principal.user_id,
        note=note,
    )
    action = "approval.approve" if decision == "approved" else "approval.reject"
    write_entry(
        session,
        actor,
        action=action,
        resource_kind="approval",
        resource_id=approval_id,
        now=now,
        metadata={"invocation_id": row.text("invocation_id"), "note": note},
    )
    record_execution(session, actor, approval_id, now)
    return get_approval(session, actor.tenant_id, approval_id)
