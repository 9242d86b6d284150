"""The requests of ``client.audit``, built and checked without I/O."""

from __future__ import annotations

from .calls import ApiCall, optional_text, page_params, timestamp

__all__ = ["list_audit_log"]


def list_audit_log(
    *,
    action: object,
    resource_kind: object,
    resource_id: object,
    actor_user_id: object,
    since: object,
    until: object,
    limit: int,
    offset: int,
) -> ApiCall:
    """Build ``GET /api/v2/audit-log`` with its filters."""
    return ApiCall(
        "GET",
        "audit-log",
        params={
            "action": optional_text("action", action),
            "resource_kind": optional_text("resource_kind", resource_kind),
            "resource_id": optional_text("resource_id", resource_id),
            "actor_user_id": optional_text("actor_user_id", actor_user_id),
            "since": timestamp("since", since),
            "until": timestamp("until", until),
            **page_params(limit, offset),
        },
    )
