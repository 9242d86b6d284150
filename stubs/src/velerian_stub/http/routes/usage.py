"""Routes of the usage summary and the plans."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from velerian_stub.http.dependencies import MAX_OFFSET, Ctx, Limit, Offset, Reader
from velerian_stub.http.routes.responses import errors
from velerian_stub.http.routing import ApiRoute
from velerian_stub.schemas.evidence import TenantUsageSummaryResponse
from velerian_stub.schemas.plans import PlanPage
from velerian_stub.service.usage import list_plans, usage_summary

__all__ = ["router"]

router = APIRouter(tags=["usage"], route_class=ApiRoute)


@router.get(
    "/api/v2/usage/summary",
    response_model=TenantUsageSummaryResponse,
    responses=errors(),
    operation_id="get_usage_summary",
)
def usage_summary_route(
    *,
    ctx: Ctx,
    principal: Reader,
    evidence_limit: Annotated[int, Query(ge=1, le=500, description="Evidence page size.")] = 50,
    evidence_offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Evidence packs to skip.")
    ] = 0,
) -> TenantUsageSummaryResponse:
    """Summarise this month's governed runs, with one page of the tenant's evidence packs."""
    with ctx.db.session() as session:
        return usage_summary(ctx, session, principal.tenant_id, evidence_limit, evidence_offset)


@router.get("/api/v2/plans", response_model=PlanPage, responses=errors(), operation_id="list_plans")
def plans_route(*, ctx: Ctx, principal: Reader, limit: Limit = 50, offset: Offset = 0) -> PlanPage:
    """List the plans; the tenant's own is marked ``current``."""
    with ctx.db.session() as session:
        return list_plans(session, principal.tenant_id, limit, offset)
