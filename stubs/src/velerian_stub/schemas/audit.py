"""Models of the audit log."""

from __future__ import annotations

from pydantic import JsonValue

from velerian_stub.schemas.common import ApiModel, Page, Timestamp

__all__ = ["AuditLogEntry", "AuditLogPage"]


class AuditLogEntry(ApiModel):
    """One recorded action, such as ``abp.invoke`` or ``api_key.revoke``."""

    CONTRACT_REQUIRED = frozenset({"id", "created_at", "action"})

    id: str
    created_at: Timestamp
    action: str
    actor_user_id: str | None
    actor_api_key_id: str | None
    resource_kind: str
    resource_id: str
    metadata: dict[str, JsonValue]
    request_id: str | None
    traceparent: str | None = None


class AuditLogPage(Page[AuditLogEntry]):
    """A page of audit entries, oldest first."""
