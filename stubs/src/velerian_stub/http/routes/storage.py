"""
The storage paths: presigned links served like an object store, never with an API key.

A link carries ``expires`` and ``sig`` (see :mod:`velerian_stub.service.signing`). As object
stores do, a request that also sends ``Authorization`` is refused with 400, and a bad
signature or an expired link gets 403 with a plain sentence.
"""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse

from velerian_stub.http.body_limit import content_length_of
from velerian_stub.http.dependencies import Ctx, base_url_of
from velerian_stub.http.routes.responses import errors, export_file
from velerian_stub.http.routing import ApiRoute
from velerian_stub.schemas.runs import Run
from velerian_stub.service.attachments import record_upload
from velerian_stub.service.context import StubContext
from velerian_stub.service.errors import ApiError, conflict
from velerian_stub.service.exports import find_export
from velerian_stub.service.runs import load_run, run_model
from velerian_stub.store.blobs import BlobTooLargeError
from velerian_stub.store.files import find_attachment_upload_state
from velerian_stub.store.runs import find_run_tenant

__all__ = ["router"]

router = APIRouter(prefix="/_storage", tags=["storage"], route_class=ApiRoute)

Expires = Annotated[str | None, Query(description="Link expiry, Unix seconds.")]
Signature = Annotated[str | None, Query(description="HMAC-SHA256 of the link, hex.")]
_MISSING_OBJECT = "The specified key does not exist."


def _check_link(
    ctx: StubContext, request: Request, resource_id: str, expires: str | None, sig: str | None
) -> None:
    if "authorization" in request.headers:
        raise ApiError(
            400,
            "Only one auth mechanism allowed: a presigned URL must be sent without an"
            " Authorization header",
        )
    problem = ctx.signer.problem(resource_id, expires, sig, ctx.now())
    if problem is not None:
        raise ApiError(403, problem)


@router.get(
    "/exports/{export_id}",
    response_class=FileResponse,
    response_model=None,
    responses=export_file(400, 403, 404, api=False),
    operation_id="download_presigned_export",
)
def download_export(
    *, ctx: Ctx, request: Request, export_id: str, expires: Expires = None, sig: Signature = None
) -> FileResponse:
    """Download an export through its presigned link (``delivery=presigned``)."""
    _check_link(ctx, request, export_id, expires, sig)
    row = find_export(ctx, export_id)
    if row is None:
        raise ApiError(404, _MISSING_OBJECT)
    return FileResponse(
        ctx.blobs.path("exports", export_id),
        media_type=row.text("content_type"),
        filename=row.text("s3_key").rsplit("/", 1)[-1],
    )


# Object stores answer HEAD too; Range requests are served by FileResponse itself.
router.add_api_route(
    "/exports/{export_id}",
    download_export,
    methods=["HEAD"],
    response_class=FileResponse,
    response_model=None,
    responses=export_file(400, 403, 404, api=False, head=True),
    operation_id="head_presigned_export",
    summary="Presigned Export Headers",
    description="Read an export file's size and name through its presigned link, without"
    " its bytes.",
)


def _attachment_state(ctx: StubContext, attachment_id: str) -> tuple[str, int] | None:
    with ctx.db.session() as session:
        return find_attachment_upload_state(session, attachment_id)


def _larger_than_registered(attachment_id: str, size: int) -> ApiError:
    return ApiError(
        413,
        f"the upload is larger than the {size} bytes registered for attachment"
        f" {attachment_id}; nothing was stored",
    )


@router.put(
    "/uploads/{attachment_id}",
    response_class=Response,
    response_model=None,
    responses={
        200: {"description": "Stored; `ETag` is the quoted sha256 of the bytes."},
        **errors(400, 403, 404, 409, 413, api=False),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
    operation_id="upload_attachment_bytes",
)
async def upload_attachment(
    *,
    ctx: Ctx,
    request: Request,
    attachment_id: str,
    expires: Expires = None,
    sig: Signature = None,
) -> Response:
    """
    Store an attachment's bytes through its presigned ``upload_url``.

    The body is streamed to disk as it arrives and may not pass the registered size: a
    larger ``Content-Length`` is a 413 before a byte is read, and a body that grows
    past it is a 413 at that point, with nothing stored. Uploading again before
    finalize replaces the bytes; after finalize it is a 409.
    """
    _check_link(ctx, request, attachment_id, expires, sig)
    state = await anyio.to_thread.run_sync(_attachment_state, ctx, attachment_id)
    if state is None:
        raise ApiError(404, _MISSING_OBJECT)
    status, registered = state
    if status == "ready":
        raise conflict(f"attachment {attachment_id} is already finalized")
    declared = content_length_of(request.scope)
    if isinstance(declared, str):
        raise ApiError(400, "Content-Length must be a number of bytes in ASCII digits")
    if declared is not None and declared > registered:
        raise _larger_than_registered(attachment_id, registered)
    try:
        stored = await ctx.blobs.write_stream(
            "uploads", attachment_id, request.stream(), max_bytes=registered
        )
    except BlobTooLargeError:
        raise _larger_than_registered(attachment_id, registered) from None
    await anyio.to_thread.run_sync(
        record_upload, ctx, attachment_id, stored.size_bytes, stored.sha256
    )
    return Response(status_code=200, headers={"ETag": f'"{stored.sha256}"'})


@router.get(
    "/run-shares/{run_id}",
    response_model=Run,
    responses=errors(400, 403, 404, api=False),
    operation_id="get_shared_run",
)
def shared_run(
    *, ctx: Ctx, request: Request, run_id: str, expires: Expires = None, sig: Signature = None
) -> Run:
    """Read a shared run through the link made by ``POST /api/v2/pack-runs/{run_id}/share``."""
    _check_link(ctx, request, run_id, expires, sig)
    now = ctx.now()
    with ctx.db.session() as session:
        tenant_id = find_run_tenant(session, run_id)
        if tenant_id is None:
            raise ApiError(404, _MISSING_OBJECT)
        run_row = load_run(ctx, session, tenant_id, run_id, now)
        return run_model(ctx, run_row, now, base_url_of(request))
