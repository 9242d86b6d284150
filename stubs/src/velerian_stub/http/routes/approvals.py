"""Routes of approvals: list, read, approve, reject."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from velerian_stub.http.dependencies import Ctx, Limit, Offset, Reader, RunsWriter
from velerian_stub.http.routes.responses import errors
from velerian_stub.http.routing import ApiRoute
from velerian_stub.schemas.approvals import Approval, ApprovalDecision, ApprovalPage, ApprovalStatus
from velerian_stub.service.approvals import decide_approval, get_approval, list_approvals
from velerian_stub.service.claims import answer

__all__ = ["router"]

router = APIRouter(prefix="/api/v2/approvals", tags=["approvals"], route_class=ApiRoute)

OptionalDecision = Annotated[ApprovalDecision | None, Body()]


@router.get("", response_model=ApprovalPage, responses=errors(), operation_id="list_approvals")
def list_approvals_route(
    *,
    ctx: Ctx,
    principal: Reader,
    status: Annotated[ApprovalStatus | None, Query(description="Only this status.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ApprovalPage:
    """List the tenant's approvals, oldest first."""
    with ctx.db.session() as session:
        return list_approvals(session, principal.tenant_id, status, limit, offset)


@router.get(
    "/{approval_id}", response_model=Approval, responses=errors(404), operation_id="get_approval"
)
def get_approval_route(*, ctx: Ctx, principal: Reader, approval_id: str) -> Approval:
    """Read one approval."""
    with ctx.db.session() as session:
        return get_approval(session, principal.tenant_id, approval_id)


@router.post(
    "/{approval_id}/approve",
    response_model=Approval,
    responses=errors(404, 409),
    operation_id="approve_approval",
)
def approve_route(
    *, ctx: Ctx, actor: RunsWriter, approval_id: str, body: OptionalDecision = None
) -> Response:
    """Approve a pending approval; 409 unless it is ``pending``."""
    note = None if body is None else body.note
    with ctx.db.session() as session:
        decided = decide_approval(
            session, actor, approval_id, decision="approved", note=note, now=ctx.now()
        )
        return answer(session, actor.claim, decided)


@router.post(
    "/{approval_id}/reject",
    response_model=Approval,
    responses=errors(404, 409),
    operation_id="reject_approval",
)
def reject_route(
    *, ctx: Ctx, actor: RunsWriter, approval_id: str, body: OptionalDecision = None
) -> Response:
    """Reject a pending approval; 409 unless it is ``pending``."""
    note = None if body is None else body.note
    with ctx.db.session() as session:
        decided = decide_approval(
            session, actor, approval_id, decision="rejected", note=note, now=ctx.now()
        )
        return answer(session, actor.claim, decided)
