"""Routes of API key management: list, mint, revoke (owner or admin, ``write`` scope)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from velerian_stub.http.dependencies import Ctx, KeyAdmin, KeyAdminActor, Limit, Offset
from velerian_stub.http.routes.responses import errors
from velerian_stub.http.routing import ApiRoute
from velerian_stub.schemas.api_keys import ApiKeyPage, CreateApiKeyRequest, CreatedApiKey
from velerian_stub.service.api_keys import list_keys, mint_key, revoke_key
from velerian_stub.service.claims import answer

__all__ = ["router"]

router = APIRouter(prefix="/api/v2/api-keys", tags=["api-keys"], route_class=ApiRoute)


@router.get("", response_model=ApiKeyPage, responses=errors(), operation_id="list_api_keys")
def list_route(
    *, ctx: Ctx, principal: KeyAdmin, limit: Limit = 50, offset: Offset = 0
) -> ApiKeyPage:
    """List the tenant's keys without secrets, revoked ones included."""
    with ctx.db.session() as session:
        return list_keys(session, principal.tenant_id, limit, offset)


@router.post(
    "",
    status_code=201,
    response_model=CreatedApiKey,
    responses=errors(409),
    operation_id="create_api_key",
)
def mint_route(*, ctx: Ctx, actor: KeyAdminActor, body: CreateApiKeyRequest) -> Response:
    """
    Mint a key acting as the caller's user; ``secret`` is returned this once only.

    403 names any asked scope beyond the minting key's effective scopes.
    """
    with ctx.db.session() as session:
        created = mint_key(
            session,
            actor,
            name=body.name,
            scopes=body.scopes,
            expires_at=body.expires_at,
            now=ctx.now(),
        )
        return answer(session, actor.claim, created, status_code=201)


@router.delete(
    "/{key_id}",
    status_code=204,
    response_class=Response,
    response_model=None,
    responses=errors(404, 409),
    operation_id="revoke_api_key",
)
def revoke_route(*, ctx: Ctx, actor: KeyAdminActor, key_id: str) -> Response:
    """Revoke a key; from then on it gets 401. Revoking twice is harmless."""
    with ctx.db.session() as session:
        revoke_key(session, actor, key_id, ctx.now())
        return answer(session, actor.claim, None, status_code=204)
