"""The audit log: one entry per consequential action, readable with filters."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import JsonValue

from velerian_stub.schemas.audit import AuditLogEntry, AuditLogPage
from velerian_stub.service.actor import Actor
from velerian_stub.service.clock import format_epoch
from velerian_stub.service.ids import new_id
from velerian_stub.store.database import Session, dump_json
from velerian_stub.store.ledgers import insert_audit_entry, page_audit_entries

__all__ = ["AuditFilter", "list_entries", "write_entry"]


def write_entry(
    session: Session,
    actor: Actor,
    *,
    action: str,
    resource_kind: str,
    resource_id: str,
    now: float,
    metadata: dict[str, JsonValue] | None = None,
) -> str:
    """
    Append one entry to the acting tenant's audit log.

    Args:
        session: The open transaction of the action itself, so both commit together.
        actor: Who acted: their tenant, user, key, request id and trace context are
            recorded.
        action: What happened, for example ``"abp.invoke"``.
        resource_kind: The kind of the resource acted on, for example ``"invocation"``.
        resource_id: Its id.
        now: The current time in Unix seconds.
        metadata: Facts about the action worth keeping.

    Returns:
        The new entry's id.
    """
    entry_id = new_id("aud_")
    insert_audit_entry(
        session,
        entry_id=entry_id,
        tenant_id=actor.tenant_id,
        created_at=format_epoch(now),
        action=action,
        actor_user_id=actor.principal.user_id,
        actor_api_key_id=actor.principal.api_key_id,
        resource_kind=resource_kind,
        resource_id=resource_id,
        metadata_json=dump_json(metadata or {}),
        request_id=actor.request_id,
        traceparent=actor.traceparent,
    )
    return entry_id


@dataclass(frozen=True)
class AuditFilter:
    """
    The filters of ``GET /api/v2/audit-log``; ``None`` means "any".

    Attributes:
        action: Exact action name.
        resource_kind: Exact resource kind.
        resource_id: Exact resource id.
        actor_user_id: Exact acting user.
        since: Entries at or after this timestamp.
        until: Entries strictly before this timestamp.
    """

    action: str | None = None
    resource_kind: str | None = None
    resource_id: str | None = None
    actor_user_id: str | None = None
    since: str | None = None
    until: str | None = None


def list_entries(
    session: Session, tenant_id: str, matching: AuditFilter, limit: int, offset: int
) -> AuditLogPage:
    """
    Read one page of a tenant's audit log, oldest first so paging is stable.

    Args:
        session: The open transaction.
        tenant_id: Whose log.
        matching: The filters.
        limit: The page size.
        offset: How many matching entries to skip.

    Returns:
        The page.
    """
    rows, total = page_audit_entries(
        session,
        tenant_id,
        action=matching.action,
        resource_kind=matching.resource_kind,
        resource_id=matching.resource_id,
        actor_user_id=matching.actor_user_id,
        since=matching.since,
        until=matching.until,
        limit=limit,
        offset=offset,
    )
    items = [
        AuditLogEntry(
            id=row.text("id"),
            created_at=row.text("created_at"),
            action=row.text("action"),
            actor_user_id=row.opt_text("actor_user_id"),
            actor_api_key_id=row.opt_text("actor_api_key_id"),
            resource_kind=row.text("resource_kind"),
            resource_id=row.text("resource_id"),
            metadata=row.json_object("metadata"),
            request_id=row.opt_text("request_id"),
            traceparent=row.opt_text("traceparent"),
        )
        for row in rows
    ]
    return AuditLogPage(items=items, limit=limit, offset=offset, total=total)
