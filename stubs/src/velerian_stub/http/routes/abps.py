"""Routes of agent blueprints: list, read, invoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from velerian_stub.http.dependencies import Ctx, Limit, Offset, Reader, RunsWriter
from velerian_stub.http.routes.responses import errors
from velerian_stub.http.routing import ApiRoute
from velerian_stub.schemas.abps import Abp, AbpPage, AbpStatus, InvokeRequest, InvokeResponse
from velerian_stub.service.abps import get_abp, invoke_abp, list_abps
from velerian_stub.service.claims import answer

__all__ = ["router"]

router = APIRouter(prefix="/api/v2/abps", tags=["abps"], route_class=ApiRoute)


@router.get("", response_model=AbpPage, responses=errors(), operation_id="list_abps")
def list_abps_route(
    *,
    ctx: Ctx,
    principal: Reader,
    status: Annotated[AbpStatus | None, Query(description="Only ABPs in this status.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AbpPage:
    """List the tenant's agent blueprints, oldest first."""
    with ctx.db.session() as session:
        return list_abps(session, principal.tenant_id, status, limit, offset)


@router.get("/{abp_id}", response_model=Abp, responses=errors(404), operation_id="get_abp")
def get_abp_route(*, ctx: Ctx, principal: Reader, abp_id: str) -> Abp:
    """Read one agent blueprint."""
    with ctx.db.session() as session:
        return get_abp(session, principal.tenant_id, abp_id)


@router.post(
    "/{abp_id}/invoke",
    response_model=InvokeResponse,
    responses=errors(404, 409),
    operation_id="invoke_abp",
)
def invoke_abp_route(*, ctx: Ctx, actor: RunsWriter, abp_id: str, body: InvokeRequest) -> Response:
    """
    Run a governed invocation of a deployed ABP.

    Every invocation writes an evidence pack (chained in scope ``abp:<abp_id>``) and an
    ``abp.invoke`` audit entry; a held one also creates an approval. 409 unless the ABP
    is ``deployed``.
    """
    with ctx.db.session() as session:
        result = invoke_abp(session, actor, abp_id, body.payload, ctx.now())
        return answer(session, actor.claim, result)
