"""
The statements on what invoking an ABP records: ``invocations`` and ``approvals``.

Every function runs in the caller's transaction.
"""

from __future__ import annotations

from velerian_stub.store.database import Filter, Row, Session

__all__ = [
    "count_invocations_by_outcome",
    "find_approval",
    "find_invocation_pack_id",
    "insert_invocation",
    "insert_pending_approval",
    "page_approvals",
    "set_approval_decision",
]


def insert_invocation(
    session: Session,
    *,
    invocation_id: str,
    tenant_id: str,
    abp_id: str,
    outcome: str,
    evidence_pack_id: str,
    created_at: str,
) -> None:
    """
    Record one invocation of an ABP.

    Args:
        session: The open transaction.
        invocation_id: Its id.
        tenant_id: The caller's tenant.
        abp_id: The ABP invoked.
        outcome: ``allowed``, ``denied`` or ``held``.
        evidence_pack_id: The pack that records it.
        created_at: The instant, as stored.
    """
    session.execute(
        "INSERT INTO invocations (id, tenant_id, abp_id, outcome, evidence_pack_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (invocation_id, tenant_id, abp_id, outcome, evidence_pack_id, created_at),
    )


def find_invocation_pack_id(
    session: Session, tenant_id: str, abp_id: str, invocation_id: str
) -> str | None:
    """
    Find the evidence pack of one invocation of a tenant's ABP.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        abp_id: The ABP.
        invocation_id: The invocation.

    Returns:
        The pack's id, or ``None`` when there is no such invocation.
    """
    row = session.one(
        "SELECT evidence_pack_id FROM invocations WHERE id = ? AND abp_id = ? AND tenant_id = ?",
        (invocation_id, abp_id, tenant_id),
    )
    return None if row is None else row.text("evidence_pack_id")


def count_invocations_by_outcome(
    session: Session, tenant_id: str, start: str, end: str
) -> dict[str, int]:
    """
    Count a tenant's invocations in a period, by outcome.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        start: The period's first instant, as stored.
        end: The instant after its last, as stored.

    Returns:
        The count of each outcome that occurred.
    """
    return {
        row.text("outcome"): row.integer("n")
        for row in session.all(
            "SELECT outcome, COUNT(*) AS n FROM invocations WHERE tenant_id = ?"
            " AND created_at >= ? AND created_at < ? GROUP BY outcome",
            (tenant_id, start, end),
        )
    }


def insert_pending_approval(
    session: Session,
    *,
    approval_id: str,
    tenant_id: str,
    abp_id: str,
    invocation_id: str,
    reason: str,
    created_at: str,
) -> None:
    """
    Record an approval a held invocation waits for.

    Args:
        session: The open transaction.
        approval_id: Its id.
        tenant_id: The tenant.
        abp_id: The ABP invoked.
        invocation_id: The held invocation.
        reason: Why it is held.
        created_at: The instant, as stored.
    """
    session.execute(
        "INSERT INTO approvals (id, tenant_id, abp_id, invocation_id, status, reason,"
        " created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
        (approval_id, tenant_id, abp_id, invocation_id, reason, created_at),
    )


def find_approval(session: Session, tenant_id: str, approval_id: str) -> Row | None:
    """
    Read one approval of a tenant.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        approval_id: The approval.

    Returns:
        The whole row, or ``None``.
    """
    return session.one(
        "SELECT * FROM approvals WHERE id = ? AND tenant_id = ?", (approval_id, tenant_id)
    )


def set_approval_decision(
    session: Session,
    approval_id: str,
    *,
    status: str,
    decided_at: str,
    decided_by_user_id: str,
    note: str | None,
) -> None:
    """
    Record the decision on an approval.

    Args:
        session: The open transaction.
        approval_id: The approval.
        status: ``approved`` or ``rejected``.
        decided_at: The instant, as stored.
        decided_by_user_id: Who decided.
        note: Their note, if any.
    """
    session.execute(
        "UPDATE approvals SET status = ?, decided_at = ?, decided_by_user_id = ?, note = ?"
        " WHERE id = ?",
        (status, decided_at, decided_by_user_id, note, approval_id),
    )


def page_approvals(
    session: Session, tenant_id: str, status: str | None, *, limit: int, offset: int
) -> tuple[list[Row], int]:
    """
    Read one page of a tenant's approvals, oldest first.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        status: Only approvals in this status; ``None`` for all.
        limit: The page size.
        offset: How many approvals to skip.

    Returns:
        The rows and the number of matching approvals.
    """
    return session.page(
        "approvals",
        Filter(tenant_id).equals("status", status),
        order_by="created_at, id",
        limit=limit,
        offset=offset,
    )
