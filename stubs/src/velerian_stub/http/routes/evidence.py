"""Routes of evidence exports: one invocation's pack, an ABP's package, the export file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from velerian_stub.http.dependencies import Ctx, EvidenceReader, base_url_of
from velerian_stub.http.routes.responses import errors, export_file
from velerian_stub.http.routing import ApiRoute
from velerian_stub.schemas.common import Instant
from velerian_stub.schemas.evidence import (
    ExportDelivery,
    ExportFormat,
    ExportResponse,
)
from velerian_stub.service.clock import format_instant
from velerian_stub.service.context import StubContext
from velerian_stub.service.errors import ApiError, not_found
from velerian_stub.service.evidence import packs_by_ids, packs_since
from velerian_stub.service.exports import (
    ArtifactKind,
    create_export,
    export_response,
    find_export,
    render_packs,
)
from velerian_stub.store.database import Session
from velerian_stub.store.invocations import find_invocation_pack_id
from velerian_stub.store.tenants import abp_exists

__all__ = ["router"]

router = APIRouter(tags=["evidence"], route_class=ApiRoute)

FormatParam = Annotated[
    ExportFormat,
    Query(alias="format", description="`json`: one document; `jsonl`: one pack per line."),
]
DeliveryParam = Annotated[
    ExportDelivery,
    Query(
        description="`presigned`: a storage link fetched WITHOUT the key; `stream`: an API"
        " path fetched WITH it."
    ),
]


def _abp_exists(session: Session, tenant_id: str, abp_id: str) -> None:
    if not abp_exists(session, tenant_id, abp_id):
        raise not_found("ABP", abp_id)


def _export(
    ctx: StubContext,
    request: Request,
    *,
    tenant_id: str,
    kind: ArtifactKind,
    packs: list[dict[str, object]],
    fmt: ExportFormat,
    delivery: ExportDelivery,
) -> ExportResponse:
    row = create_export(
        ctx,
        tenant_id=tenant_id,
        artifact_kind=kind,
        fmt=fmt,
        delivery=delivery,
        content=render_packs(packs, fmt),
        now=ctx.now(),
    )
    return export_response(ctx, row, base_url_of(request))


@router.get(
    "/api/v2/abps/{abp_id}/invocations/{invocation_id}/evidence",
    response_model=ExportResponse,
    responses=errors(404),
    operation_id="get_invocation_evidence",
)
def invocation_evidence_route(
    *,
    ctx: Ctx,
    request: Request,
    principal: EvidenceReader,
    abp_id: str,
    invocation_id: str,
    fmt: FormatParam = "json",
    delivery: DeliveryParam = "presigned",
) -> ExportResponse:
    """Export the evidence pack of one invocation."""
    with ctx.db.session() as session:
        pack_id = find_invocation_pack_id(session, principal.tenant_id, abp_id, invocation_id)
        if pack_id is None:
            raise not_found("invocation", invocation_id)
        packs = packs_by_ids(session, principal.tenant_id, [pack_id])
    return _export(
        ctx,
        request,
        tenant_id=principal.tenant_id,
        kind="invocation_evidence",
        packs=packs,
        fmt=fmt,
        delivery=delivery,
    )


@router.get(
    "/api/v2/abps/{abp_id}/evidence-package",
    response_model=ExportResponse,
    responses=errors(404),
    operation_id="get_evidence_package",
)
def evidence_package_route(
    *,
    ctx: Ctx,
    request: Request,
    principal: EvidenceReader,
    abp_id: str,
    since: Annotated[
        Instant, Query(description="Packs created at or after this instant (ISO-8601).")
    ],
    fmt: FormatParam = "json",
    delivery: DeliveryParam = "presigned",
) -> ExportResponse:
    """Export every evidence pack of an ABP created at or after ``since``, in chain order."""
    with ctx.db.session() as session:
        _abp_exists(session, principal.tenant_id, abp_id)
        packs = packs_since(session, principal.tenant_id, f"abp:{abp_id}", format_instant(since))
    return _export(
        ctx,
        request,
        tenant_id=principal.tenant_id,
        kind="evidence_package",
        packs=packs,
        fmt=fmt,
        delivery=delivery,
    )


@router.get(
    "/api/v2/exports/{export_id}/content",
    response_class=FileResponse,
    response_model=None,
    responses=export_file(404),
    operation_id="get_export_content",
)
def export_content_route(*, ctx: Ctx, principal: EvidenceReader, export_id: str) -> FileResponse:
    """
    Download an export file with the API key (``delivery=stream``).

    404 once the export has expired (``expires_at``).
    """
    row = find_export(ctx, export_id, principal.tenant_id)
    if row is None:
        raise not_found("export", export_id)
    if ctx.now() > row.integer("expires_epoch"):
        raise ApiError(404, f"export {export_id} has expired")
    return FileResponse(
        ctx.blobs.path("exports", export_id),
        media_type=row.text("content_type"),
        filename=row.text("s3_key").rsplit("/", 1)[-1],
    )


router.add_api_route(
    "/api/v2/exports/{export_id}/content",
    export_content_route,
    methods=["HEAD"],
    response_class=FileResponse,
    response_model=None,
    responses=export_file(404, head=True),
    operation_id="head_export_content",
    summary="Export Content Headers",
    description="Read an export file's size and name without its bytes.",
)
