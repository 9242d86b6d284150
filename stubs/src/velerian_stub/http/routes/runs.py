"""Routes of pack runs: list, read, revise, share; and the network invoke that starts them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response

from velerian_stub.http.dependencies import Ctx, Limit, Offset, RunsReader, RunsWriter, base_url_of
from velerian_stub.http.routes.responses import errors
from velerian_stub.http.routing import ApiRoute
from velerian_stub.schemas.runs import (
    NetworkInvokeRequest,
    NetworkRunResult,
    QueuedRun,
    ReviseRequest,
    Run,
    RunPage,
    RunShare,
    RunStatus,
    ShareRequest,
)
from velerian_stub.service.claims import answer
from velerian_stub.service.run_actions import (
    invoke_network_async,
    invoke_network_sync,
    revise_run,
    share_run,
)
from velerian_stub.service.runs import list_runs, load_run, run_model

__all__ = ["router"]

router = APIRouter(tags=["runs"], route_class=ApiRoute)


@router.get(
    "/api/v2/pack-runs", response_model=RunPage, responses=errors(), operation_id="list_runs"
)
def list_runs_route(
    *,
    ctx: Ctx,
    request: Request,
    principal: RunsReader,
    status: Annotated[RunStatus | None, Query(description="Only runs in this status now.")] = None,
    network_slug: Annotated[str | None, Query(description="Only runs of this network.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> RunPage:
    """List the tenant's runs, oldest first."""
    with ctx.db.session() as session:
        return list_runs(
            ctx,
            session,
            principal.tenant_id,
            status=status,
            network_slug=network_slug,
            limit=limit,
            offset=offset,
            now=ctx.now(),
            base_url=base_url_of(request),
        )


@router.get(
    "/api/v2/pack-runs/{run_id}", response_model=Run, responses=errors(404), operation_id="get_run"
)
def get_run_route(*, ctx: Ctx, request: Request, principal: RunsReader, run_id: str) -> Run:
    """
    Read a run; poll it until ``status`` is terminal (``succeeded``, ``failed``, ``blocked``).

    ``poll_after_s`` suggests when to poll next.
    """
    now = ctx.now()
    with ctx.db.session() as session:
        row = load_run(ctx, session, principal.tenant_id, run_id, now)
        return run_model(ctx, row, now, base_url_of(request))


@router.post(
    "/api/v2/pack-runs/{run_id}/revise",
    status_code=202,
    response_model=QueuedRun,
    responses=errors(404, 409),
    operation_id="revise_run",
)
def revise_run_route(
    *, ctx: Ctx, request: Request, actor: RunsWriter, run_id: str, body: ReviseRequest
) -> Response:
    """Queue a revision of a finished run; 409 while the run is still queued or running."""
    with ctx.db.session() as session:
        queued = revise_run(ctx, actor, run_id, body.instructions, base_url_of(request))
        return answer(session, actor.claim, queued, status_code=202)


@router.post(
    "/api/v2/pack-runs/{run_id}/share",
    status_code=201,
    response_model=RunShare,
    responses=errors(404, 409),
    operation_id="share_run",
)
def share_run_route(
    *,
    ctx: Ctx,
    request: Request,
    actor: RunsWriter,
    run_id: str,
    body: Annotated[ShareRequest | None, Body()] = None,
) -> Response:
    """Create a read-only link to a run that needs no API key (one day unless told)."""
    expires_in_s = None if body is None else body.expires_in_s
    with ctx.db.session() as session:
        shared = share_run(ctx, actor, run_id, expires_in_s, base_url_of(request))
        return answer(session, actor.claim, shared, status_code=201)


@router.post(
    "/api/agenticx/networks/{slug}/invoke",
    response_model=NetworkRunResult,
    responses={
        202: {"model": QueuedRun, "description": "With `async=true`: the run is queued."},
        **errors(404, 409),
    },
    operation_id="invoke_network",
)
def invoke_network_route(
    *,
    ctx: Ctx,
    request: Request,
    actor: RunsWriter,
    slug: str,
    body: NetworkInvokeRequest,
    run_async: Annotated[
        bool, Query(alias="async", description="Queue the run and answer 202 at once.")
    ] = False,
) -> Response:
    """
    Start a network run.

    With ``async=true`` the run is queued: 202 with its ``run_id`` and ``run_url``; poll
    ``GET /api/v2/pack-runs/{run_id}``. Without it the request waits for the run and
    answers 200 in the 0.1 shape.
    """
    base_url = base_url_of(request)
    if run_async:
        with ctx.db.session() as session:
            queued = invoke_network_async(ctx, actor, slug, body, base_url)
            return answer(session, actor.claim, queued, status_code=202)
    return invoke_network_sync(ctx, actor, slug, body, base_url)
