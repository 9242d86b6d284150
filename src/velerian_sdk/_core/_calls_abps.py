"""The requests of ``client.abps``, built and checked without I/O."""

from __future__ import annotations

from .calls import ApiCall, json_object, optional_text, page_params, path_segment

__all__ = ["invoke_abp", "list_abps", "retrieve_abp"]


def list_abps(*, status: object, limit: int, offset: int) -> ApiCall:
    """Build ``GET /api/v2/abps``."""
    return ApiCall(
        "GET",
        "abps",
        params={"status": optional_text("status", status), **page_params(limit, offset)},
    )


def retrieve_abp(abp_id: object) -> ApiCall:
    """Build ``GET /api/v2/abps/{abp_id}``."""
    return ApiCall("GET", f"abps/{path_segment('abp_id', abp_id)}")


def invoke_abp(abp_id: object, *, payload: object, idempotency_key: str | None) -> ApiCall:
    """Build ``POST /api/v2/abps/{abp_id}/invoke`` with ``{"payload": ...}``."""
    return ApiCall(
        "POST",
        f"abps/{path_segment('abp_id', abp_id)}/invoke",
        json={"payload": json_object("payload", payload)},
        idempotency_key=idempotency_key,
    )
