"""
The statements on network runs (table ``runs``).

A run's status is stored only once it is final; before that it follows from the clock
(``queued`` until ``created_epoch + queue_s``, then ``running``). Every function runs in
the caller's transaction.
"""

from __future__ import annotations

from velerian_stub.store.database import Filter, Row, Session

__all__ = [
    "count_runs_in_period",
    "find_run",
    "find_run_deadline",
    "find_run_tenant",
    "find_tenant_run",
    "insert_run",
    "list_due_runs",
    "page_runs",
    "set_run_final",
]

_STATUS_SQL = (
    "CASE WHEN final_status IS NOT NULL THEN final_status"
    " WHEN ? < created_epoch + queue_s THEN 'queued' ELSE 'running' END"
)


def insert_run(
    session: Session,
    *,
    run_id: str,
    tenant_id: str,
    network_slug: str,
    prompt_text: str,
    metadata_json: str,
    attachment_ids_json: str,
    revision_of: str | None,
    created_at: str,
    created_epoch: float,
    queue_s: float,
    duration_s: float,
    model_id: str,
) -> None:
    """
    Add a run, not yet final.

    Args:
        session: The open transaction.
        run_id: Its id.
        tenant_id: The tenant.
        network_slug: The network it runs on.
        prompt_text: Its prompt.
        metadata_json: Its metadata, as a JSON object.
        attachment_ids_json: Its attachments, as a JSON list.
        revision_of: The run it revises, if any.
        created_at: The creation instant, as stored.
        created_epoch: The same instant in Unix seconds.
        queue_s: How long it stays queued.
        duration_s: How long it then runs.
        model_id: The model that answers it.
    """
    session.execute(
        "INSERT INTO runs (id, tenant_id, network_slug, prompt_text, metadata, attachment_ids,"
        " revision_of, created_at, created_epoch, queue_s, duration_s, model_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            run_id,
            tenant_id,
            network_slug,
            prompt_text,
            metadata_json,
            attachment_ids_json,
            revision_of,
            created_at,
            created_epoch,
            queue_s,
            duration_s,
            model_id,
        ),
    )


def set_run_final(
    session: Session,
    run_id: str,
    *,
    status: str,
    output_text: str | None,
    governance_pass: bool,
    governance_reasons_json: str,
    error: str | None,
    evidence_pack_id: str,
    evidence_export_id: str,
) -> None:
    """
    Store a run's final state, unless it already has one.

    Args:
        session: The open transaction.
        run_id: The run.
        status: ``succeeded``, ``failed`` or ``blocked``.
        output_text: Its output, if released.
        governance_pass: Whether governance let it through.
        governance_reasons_json: Governance's reasons, as a JSON list.
        error: Why it failed, if it did.
        evidence_pack_id: The pack that records it.
        evidence_export_id: The export of that pack.
    """
    session.execute(
        "UPDATE runs SET final_status = ?, output_text = ?, governance_pass = ?,"
        " governance_reasons = ?, error = ?, evidence_pack_id = ?, evidence_export_id = ?"
        " WHERE id = ? AND final_status IS NULL",
        (
            status,
            output_text,
            governance_pass,
            governance_reasons_json,
            error,
            evidence_pack_id,
            evidence_export_id,
            run_id,
        ),
    )


def find_run(session: Session, run_id: str) -> Row | None:
    """
    Read one run, whatever its tenant.

    Args:
        session: The open transaction.
        run_id: The run.

    Returns:
        The whole row, or ``None``.
    """
    return session.one("SELECT * FROM runs WHERE id = ?", (run_id,))


def find_tenant_run(session: Session, tenant_id: str, run_id: str) -> Row | None:
    """
    Read one run of a tenant.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        run_id: The run.

    Returns:
        The whole row, or ``None``.
    """
    return session.one("SELECT * FROM runs WHERE id = ? AND tenant_id = ?", (run_id, tenant_id))


def find_run_tenant(session: Session, run_id: str) -> str | None:
    """
    Find which tenant a run belongs to.

    Args:
        session: The open transaction.
        run_id: The run.

    Returns:
        The tenant's id, or ``None`` for an unknown run.
    """
    row = session.one("SELECT tenant_id FROM runs WHERE id = ?", (run_id,))
    return None if row is None else row.text("tenant_id")


def find_run_deadline(session: Session, run_id: str) -> float | None:
    """
    Read when a run finishes: its creation plus its queue and run times.

    Args:
        session: The open transaction.
        run_id: The run.

    Returns:
        The instant in Unix seconds, or ``None`` for an unknown run.
    """
    row = session.one(
        "SELECT created_epoch + queue_s + duration_s AS deadline FROM runs WHERE id = ?",
        (run_id,),
    )
    return None if row is None else row.real("deadline")


def list_due_runs(session: Session, tenant_id: str, now: float) -> list[Row]:
    """
    Read a tenant's runs that are past their deadline but not yet final.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        now: The current time in Unix seconds.

    Returns:
        The whole rows.
    """
    return session.all(
        "SELECT * FROM runs WHERE tenant_id = ? AND final_status IS NULL"
        " AND created_epoch + queue_s + duration_s <= ?",
        (tenant_id, now),
    )


def page_runs(
    session: Session,
    tenant_id: str,
    *,
    network_slug: str | None,
    status: str | None,
    now: float,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """
    Read one page of a tenant's runs, oldest first.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        network_slug: Only runs on this network; ``None`` for all.
        status: Only runs with this status at ``now``; ``None`` for all.
        now: The current time in Unix seconds, which decides unfinished runs' status.
        limit: The page size.
        offset: How many matching runs to skip.

    Returns:
        The rows and the number of matching runs.
    """
    query = Filter(tenant_id).equals("network_slug", network_slug)
    if status is not None:
        query.where(f"({_STATUS_SQL}) = ?", now, status)
    return session.page("runs", query, order_by="created_epoch, id", limit=limit, offset=offset)


def count_runs_in_period(session: Session, tenant_id: str, start: str, end: str) -> int:
    """
    Count a tenant's runs created in a period.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        start: The period's first instant, as stored.
        end: The instant after its last, as stored.

    Returns:
        The count.
    """
    return session.count(
        "SELECT COUNT(*) FROM runs WHERE tenant_id = ? AND created_at >= ? AND created_at < ?",
        (tenant_id, start, end),
    )
