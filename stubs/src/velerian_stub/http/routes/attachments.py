"""Routes of run attachments: register, read, finalize (the upload is a storage route)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from velerian_stub.http.dependencies import Ctx, RunsReader, RunsWriter, base_url_of
from velerian_stub.http.routes.responses import errors
from velerian_stub.http.routing import ApiRoute
from velerian_stub.schemas.attachments import (
    Attachment,
    RegisterAttachmentRequest,
    RegisteredAttachment,
)
from velerian_stub.service.attachments import (
    finalize_attachment,
    get_attachment,
    register_attachment,
)
from velerian_stub.service.claims import answer

__all__ = ["router"]

router = APIRouter(prefix="/api/v2/run-attachments", tags=["attachments"], route_class=ApiRoute)


@router.post(
    "",
    status_code=201,
    response_model=RegisteredAttachment,
    responses=errors(409),
    operation_id="register_attachment",
)
def register_route(
    *, ctx: Ctx, request: Request, actor: RunsWriter, body: RegisterAttachmentRequest
) -> Response:
    """
    Register an attachment: step 1 of 3.

    Then ``PUT`` the bytes to ``upload_url`` WITHOUT the API key (step 2) and finalize
    (step 3).
    """
    with ctx.db.session() as session:
        registered = register_attachment(ctx, actor, body, base_url_of(request))
        return answer(session, actor.claim, registered, status_code=201)


@router.get(
    "/{attachment_id}",
    response_model=Attachment,
    responses=errors(404),
    operation_id="get_attachment",
)
def get_route(
    *, ctx: Ctx, request: Request, principal: RunsReader, attachment_id: str
) -> Attachment:
    """Read one attachment."""
    return get_attachment(ctx, principal.tenant_id, attachment_id, base_url_of(request))


@router.post(
    "/{attachment_id}/finalize",
    response_model=Attachment,
    responses=errors(404, 409),
    operation_id="finalize_attachment",
)
def finalize_route(
    *, ctx: Ctx, request: Request, actor: RunsWriter, attachment_id: str
) -> Response:
    """
    Check the uploaded bytes and make the attachment ``ready``: step 3 of 3.

    409 when no bytes were uploaded; 422 when their size or the registered sha256 does
    not match.
    """
    with ctx.db.session() as session:
        finalized = finalize_attachment(ctx, actor, attachment_id, base_url_of(request))
        return answer(session, actor.claim, finalized)
