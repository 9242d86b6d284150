"""The requests of ``client.approvals``, built and checked without I/O."""

from __future__ import annotations

from .calls import ApiCall, optional_text, page_params, path_segment

__all__ = ["decide_approval", "list_approvals", "retrieve_approval"]


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
