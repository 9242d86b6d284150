"""
Run attachments: register, upload the bytes to a presigned URL, finalize.

The upload goes to the storage path (no API key, like an object store); finalize then
checks the uploaded bytes against the registered size and, when given, the SHA-256.
"""

from __future__ import annotations

from velerian_stub.schemas.attachments import (
    Attachment,
    AttachmentStatus,
    RegisterAttachmentRequest,
    RegisteredAttachment,
)
from velerian_stub.service.actor import Actor
from velerian_stub.service.audit import write_entry
from velerian_stub.service.clock import format_epoch
from velerian_stub.service.context import StubContext
from velerian_stub.service.errors import conflict, not_found, unprocessable
from velerian_stub.service.executions import record_execution
from velerian_stub.service.ids import new_id
from velerian_stub.store.database import Row, Session
from velerian_stub.store.files import (
    find_attachment,
    insert_attachment,
    mark_attachment_ready,
    record_attachment_upload,
)

__all__ = [
    "attachment_model",
    "finalize_attachment",
    "get_attachment",
    "record_upload",
    "register_attachment",
    "upload_url",
]


def upload_url(ctx: StubContext, base_url: str, attachment_id: str, expires: int) -> str:
    """
    Build the presigned ``PUT`` link of an attachment.

    Args:
        ctx: The stub's context (signing key).
        base_url: The stub's origin.
        attachment_id: The attachment.
        expires: The link's expiry in Unix seconds.

    Returns:
        The absolute link under ``/_storage/uploads/``.
    """
    return f"{base_url}/_storage/uploads/{attachment_id}?{ctx.signer.query(attachment_id, expires)}"


def _status(value: str) -> AttachmentStatus:
    return "ready" if value == "ready" else "uploaded" if value == "uploaded" else "pending_upload"


def attachment_model(ctx: StubContext, row: Row, base_url: str) -> Attachment:
    """
    Present an attachment row as the API's ``Attachment``.

    Args:
        ctx: The stub's context.
        row: The attachment's row.
        base_url: The stub's origin.

    Returns:
        The attachment; the upload link is omitted once it is ``ready``.
    """
    status = _status(row.text("status"))
    expires = row.integer("upload_expires_epoch")
    ready = status == "ready"
    return Attachment(
        id=row.text("id"),
        filename=row.text("filename"),
        content_type=row.text("content_type"),
        size_bytes=row.integer("size_bytes"),
        sha256=row.opt_text("uploaded_sha256") if ready else None,
        status=status,
        upload_url=None if ready else upload_url(ctx, base_url, row.text("id"), expires),
        upload_expires_at=None if ready else format_epoch(expires),
        created_at=row.text("created_at"),
    )


def _attachment_row(session: Session, tenant_id: str, attachment_id: str) -> Row:
    row = find_attachment(session, tenant_id, attachment_id)
    if row is None:
        raise not_found("attachment", attachment_id)
    return row


def register_attachment(
    ctx: StubContext, actor: Actor, body: RegisterAttachmentRequest, base_url: str
) -> RegisteredAttachment:
    """
    Register an attachment and hand out its presigned upload link.

    Args:
        ctx: The stub's context.
        actor: The caller.
        body: The file's name, type, size and optional SHA-256.
        base_url: The stub's origin.

    Returns:
        The ``pending_upload`` attachment.
    """
    now = ctx.now()
    attachment_id = new_id("att_")
    with ctx.db.session() as session:
        insert_attachment(
            session,
            attachment_id=attachment_id,
            tenant_id=actor.tenant_id,
            filename=body.filename,
            content_type=body.content_type,
            size_bytes=body.size_bytes,
            declared_sha256=body.sha256,
            upload_expires_epoch=int(now) + ctx.config.presign_ttl_s,
            created_at=format_epoch(now),
        )
        record_execution(session, actor, attachment_id, now)
        row = _attachment_row(session, actor.tenant_id, attachment_id)
    attachment = attachment_model(ctx, row, base_url)
    fields = {name: getattr(attachment, name) for name in Attachment.model_fields}
    return RegisteredAttachment(**fields)


def get_attachment(
    ctx: StubContext, tenant_id: str, attachment_id: str, base_url: str
) -> Attachment:
    """
    Read one attachment of a tenant.

    Args:
        ctx: The stub's context.
        tenant_id: The caller's tenant.
        attachment_id: The attachment.
        base_url: The stub's origin.

    Returns:
        The attachment.

    Raises:
        ApiError: 404 when it is not in the tenant.
    """
    with ctx.db.session() as session:
        row = _attachment_row(session, tenant_id, attachment_id)
    return attachment_model(ctx, row, base_url)


def record_upload(ctx: StubContext, attachment_id: str, size_bytes: int, sha256: str) -> None:
    """
    Note that an attachment's bytes arrived through its presigned link.

    Args:
        ctx: The stub's context.
        attachment_id: The attachment.
        size_bytes: How many bytes arrived.
        sha256: Their SHA-256.
    """
    with ctx.db.session() as session:
        record_attachment_upload(session, attachment_id, size_bytes, sha256)


def finalize_attachment(
    ctx: StubContext, actor: Actor, attachment_id: str, base_url: str
) -> Attachment:
    """
    Check the uploaded bytes and make the attachment ``ready``; repeating is harmless.

    Args:
        ctx: The stub's context.
        actor: The caller.
        attachment_id: The attachment.
        base_url: The stub's origin.

    Returns:
        The ``ready`` attachment.

    Raises:
        ApiError: 404 when not in the tenant, 409 when nothing was uploaded, 422 when
            the size or the registered SHA-256 does not match the bytes.
    """
    now = ctx.now()
    with ctx.db.session() as session:
        row = _attachment_row(session, actor.tenant_id, attachment_id)
        status = row.text("status")
        if status == "pending_upload":
            raise conflict(f"attachment {attachment_id} has no uploaded bytes yet")
        if status == "uploaded":
            uploaded = row.opt_integer("uploaded_size")
            expected = row.integer("size_bytes")
            if uploaded != expected:
                raise unprocessable(
                    ["attachment", "size_bytes"],
                    f"uploaded {uploaded} bytes but {expected} were registered",
                    "size_mismatch",
                )
            declared = row.opt_text("declared_sha256")
            if declared is not None and declared != row.opt_text("uploaded_sha256"):
                raise unprocessable(
                    ["attachment", "sha256"],
                    "the uploaded bytes do not match the registered sha256",
                    "checksum_mismatch",
                )
            mark_attachment_ready(session, attachment_id)
            write_entry(
                session,
                actor,
                action="attachment.finalize",
                resource_kind="attachment",
                resource_id=attachment_id,
                now=now,
                metadata={"size_bytes": expected},
            )
            record_execution(session, actor, attachment_id, now)
            row = _attachment_row(session, actor.tenant_id, attachment_id)
    return attachment_model(ctx, row, base_url)
