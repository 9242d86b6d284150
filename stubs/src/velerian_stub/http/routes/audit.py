"""The audit log route."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from velerian_stub.http.dependencies import AuditReader, Ctx, Limit, Offset
from velerian_stub.http.routes.responses import errors
from velerian_stub.http.routing import ApiRoute
from velerian_stub.schemas.audit import AuditLogPage
from velerian_stub.schemas.common import Instant
from velerian_stub.service.audit import AuditFilter, list_entries
from velerian_stub.service.clock import format_instant

__all__ = ["router"]

router = APIRouter(tags=["audit"], route_class=ApiRoute)


@router.get(
    "/api/v2/audit-log",
    response_model=AuditLogPage,
    responses=errors(),
    operation_id="list_audit_log",
)
def audit_log_route(
    *,
    ctx: Ctx,
    principal: AuditReader,
    action: Annotated[str | None, Query(description="Exact action, e.g. `abp.invoke`.")] = None,
    resource_kind: Annotated[str | None, Query(description="Exact resource kind.")] = None,
    resource_id: Annotated[str | None, Query(description="Exact resource id.")] = None,
    actor_user_id: Annotated[str | None, Query(description="Exact acting user.")] = None,
    since: Annotated[Instant | None, Query(description="Entries at or after this.")] = None,
    until: Annotated[Instant | None, Query(description="Entries strictly before this.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AuditLogPage:
    """List the tenant's audit entries, oldest first."""
    matching = AuditFilter(
        action=action,
        resource_kind=resource_kind,
        resource_id=resource_id,
        actor_user_id=actor_user_id,
        since=None if since is None else format_instant(since),
        until=None if until is None else format_instant(until),
    )
    with ctx.db.session() as session:
        return list_entries(session, principal.tenant_id, matching, limit, offset)
