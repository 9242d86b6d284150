"""The requests of ``client.attachments``, built and checked without I/O."""

from __future__ import annotations

from .calls import ApiCall, path_segment

__all__ = ["retrieve_attachment"]


def retrieve_attachment(attachment_id: object) -> ApiCall:
    """Build ``GET /api/v2/run-attachments/{attachment_id}``."""
    return ApiCall("GET", f"run-attachments/{path_segment('attachment_id', attachment_id)}")
