"""
The statements on the stub's files: uploaded attachments and generated exports.

Tables ``attachments`` and ``exports``; the bytes live in the blob store. Every function
runs in the caller's transaction.
"""

from __future__ import annotations

from velerian_stub.store.database import Row, Session

__all__ = [
    "find_attachment",
    "find_attachment_status",
    "find_attachment_upload_state",
    "find_export_row",
    "insert_attachment",
    "insert_export",
    "list_export_ids",
    "mark_attachment_ready",
    "record_attachment_upload",
]


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
