"""
The statements on network runs and the files around them: attachments and exports.

Tables ``runs``, ``attachments`` and ``exports``. A run's status is stored only once it
is final; before that it follows from the clock (``queued`` until
``created_epoch + queue_s``, then ``running``). Every function runs in the caller's
transaction.
"""

from __future__ import annotations

from velerian_stub.store.database import Filter, Row, Session

__all__ = [
    "count_runs_in_period",
    "find_attachment",
    "find_attachment_status",
    "find_attachment_upload_state",
    "find_export_row",
    "find_run",
    "find_run_deadline",
    "find_run_tenant",
    "find_tenant_run",
    "insert_attachment",
    "insert_export",
    "insert_run",
    "list_due_runs",
    "list_export_ids",
    "mark_attachment_ready",
    "page_runs",
    "record_attachment_upload",
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


def insert_attachment(
    session: Session,
    *,
    attachment_id: str,
    tenant_id: str,
    filename: str,
    content_type: str,
    size_bytes: int,
    declared_sha256: str | None,
    upload_expires_epoch: int,
    created_at: str,
) -> None:
    """
    Register an attachment, waiting for its upload.

    Args:
        session: The open transaction.
        attachment_id: Its id.
        tenant_id: The tenant.
        filename: The file's name.
        content_type: Its media type.
        size_bytes: Its registered size.
        declared_sha256: Its SHA-256 as declared, if it was.
        upload_expires_epoch: When the upload link expires, in Unix seconds.
        created_at: The instant, as stored.
    """
    session.execute(
        "INSERT INTO attachments (id, tenant_id, filename, content_type, size_bytes,"
        " declared_sha256, status, upload_expires_epoch, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, 'pending_upload', ?, ?)",
        (
            attachment_id,
            tenant_id,
            filename,
            content_type,
            size_bytes,
            declared_sha256,
            upload_expires_epoch,
            created_at,
        ),
    )


def find_attachment(session: Session, tenant_id: str, attachment_id: str) -> Row | None:
    """
    Read one attachment of a tenant.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        attachment_id: The attachment.

    Returns:
        The whole row, or ``None``.
    """
    return session.one(
        "SELECT * FROM attachments WHERE id = ? AND tenant_id = ?", (attachment_id, tenant_id)
    )


def find_attachment_status(session: Session, tenant_id: str, attachment_id: str) -> str | None:
    """
    Read the status of one attachment of a tenant.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        attachment_id: The attachment.

    Returns:
        Its status, or ``None`` when the tenant has no such attachment.
    """
    row = session.one(
        "SELECT status FROM attachments WHERE id = ? AND tenant_id = ?",
        (attachment_id, tenant_id),
    )
    return None if row is None else row.text("status")


def find_attachment_upload_state(session: Session, attachment_id: str) -> tuple[str, int] | None:
    """
    Read an attachment's status and registered size, whatever its tenant.

    Args:
        session: The open transaction.
        attachment_id: The attachment.

    Returns:
        The status and size in bytes, or ``None`` for an unknown attachment.
    """
    row = session.one("SELECT status, size_bytes FROM attachments WHERE id = ?", (attachment_id,))
    return None if row is None else (row.text("status"), row.integer("size_bytes"))


def record_attachment_upload(
    session: Session, attachment_id: str, size_bytes: int, sha256: str
) -> None:
    """
    Record the bytes uploaded for an attachment that is not ``ready`` yet.

    Args:
        session: The open transaction.
        attachment_id: The attachment.
        size_bytes: How many bytes arrived.
        sha256: Their SHA-256.
    """
    session.execute(
        "UPDATE attachments SET uploaded_size = ?, uploaded_sha256 = ?, status = 'uploaded'"
        " WHERE id = ? AND status != 'ready'",
        (size_bytes, sha256, attachment_id),
    )


def mark_attachment_ready(session: Session, attachment_id: str) -> None:
    """
    Mark an attachment ``ready``.

    Args:
        session: The open transaction.
        attachment_id: The attachment.
    """
    session.execute("UPDATE attachments SET status = 'ready' WHERE id = ?", (attachment_id,))


def insert_export(
    session: Session,
    *,
    export_id: str,
    tenant_id: str,
    artifact_kind: str,
    fmt: str,
    delivery: str,
    s3_key: str,
    content_type: str,
    size_bytes: int,
    sha256: str,
    created_at: str,
    expires_epoch: int,
) -> None:
    """
    Record an export whose file is written.

    Args:
        session: The open transaction.
        export_id: Its id.
        tenant_id: The tenant.
        artifact_kind: What it exports.
        fmt: Its format.
        delivery: How it is delivered.
        s3_key: Its object key.
        content_type: Its media type.
        size_bytes: Its size.
        sha256: Its SHA-256.
        created_at: The instant, as stored.
        expires_epoch: When its link expires, in Unix seconds.
    """
    session.execute(
        "INSERT INTO exports (id, tenant_id, artifact_kind, format, delivery, s3_key,"
        " content_type, size_bytes, sha256, created_at, expires_epoch)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            export_id,
            tenant_id,
            artifact_kind,
            fmt,
            delivery,
            s3_key,
            content_type,
            size_bytes,
            sha256,
            created_at,
            expires_epoch,
        ),
    )


def find_export_row(session: Session, export_id: str) -> Row | None:
    """
    Read one export, whatever its tenant.

    Args:
        session: The open transaction.
        export_id: The export.

    Returns:
        The whole row, or ``None``.
    """
    return session.one("SELECT * FROM exports WHERE id = ?", (export_id,))


def list_export_ids(session: Session) -> set[str]:
    """
    Read the id of every export.

    Args:
        session: The open transaction.

    Returns:
        The ids.
    """
    return {row.text("id") for row in session.all("SELECT id FROM exports")}
