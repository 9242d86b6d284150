"""Models of run attachments: files registered, uploaded and finalized for a network run."""

from __future__ import annotations

from typing import Literal, TypeAlias

from .base import Timestamp, VelerianModel

__all__ = ["Attachment", "AttachmentStatus", "RegisteredAttachment"]

AttachmentStatus: TypeAlias = Literal["pending_upload", "uploaded", "ready"] | str
"""
An attachment's state; only a ``ready`` one can be used by a run. An unknown new value
still parses.

.. versionadded:: 0.2.0
"""


class Attachment(VelerianModel):
    """
    A file for a network run; pass its ``id`` in ``attachment_ids``.

    Only ``id`` is always present; every other field is ``None`` (or an empty
    collection) when the API leaves it out.

    .. versionadded:: 0.2.0
    """

    id: str
    """The attachment's id (``att_...``)."""
    filename: str | None = None
    """The file's name."""
    content_type: str | None = None
    """Its media type."""
    size_bytes: int | None = None
    """Its size."""
    sha256: str | None = None
    """Its SHA-256 hex digest; ``None`` until finalized."""
    status: AttachmentStatus | None = None
    """``pending_upload``, ``uploaded`` or ``ready``."""
    upload_url: str | None = None
    """The presigned ``PUT`` link (send no API key); ``None`` once ready."""
    upload_expires_at: Timestamp | None = None
    """When ``upload_url`` expires; ``None`` once ready."""
    created_at: Timestamp | None = None
    """When it was registered."""


class RegisteredAttachment(Attachment):
    """The answer to registering an attachment: the upload needs its ``upload_url``."""

    # Narrowed from `str | None`: sound, as models are frozen (no write can widen it).
    upload_url: str  # pyright: ignore[reportIncompatibleVariableOverride, reportGeneralTypeIssues]
    """The presigned ``PUT`` link for the bytes (send no API key)."""
