"""Models of run attachments: register, upload to the presigned URL, finalize."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from velerian_stub.schemas.common import JSON_INTEGER, ApiModel, Timestamp

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "Attachment",
    "AttachmentStatus",
    "RegisterAttachmentRequest",
    "RegisteredAttachment",
]

AttachmentStatus = Literal["pending_upload", "uploaded", "ready"]
MAX_ATTACHMENT_BYTES = 5 * 1024**3
"""The largest attachment, 5 GiB: one presigned ``PUT``, as object stores allow."""
_SHA256_HEX = r"^[0-9a-f]{64}$"


class RegisterAttachmentRequest(ApiModel):
    """The body of an attachment registration."""

    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(min_length=1, max_length=255)
    size_bytes: Annotated[int, Field(ge=0, le=MAX_ATTACHMENT_BYTES), JSON_INTEGER]
    sha256: str | None = Field(default=None, pattern=_SHA256_HEX)


class Attachment(ApiModel):
    """
    A file for a network run.

    ``upload_url`` is a presigned ``PUT`` link (send no API key); it and
    ``upload_expires_at`` are null once the attachment is ``ready``.
    """

    CONTRACT_REQUIRED = frozenset({"id"})

    id: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str | None
    status: AttachmentStatus
    upload_url: str | None
    upload_expires_at: Timestamp | None
    created_at: Timestamp


class RegisteredAttachment(Attachment):
    """
    The answer to a registration: the new attachment and where to upload its bytes.

    ``upload_url`` is required here: the upload (step 2) cannot happen without it.
    """

    CONTRACT_REQUIRED = frozenset({"id", "upload_url"})

    # Narrowed from `str | None`: sound, as models are frozen (no write can widen it).
    upload_url: str  # pyright: ignore[reportIncompatibleVariableOverride]
