"""
The stub-only admin routes under ``/_stub`` (not in the contract; see stubs/README.md).

They let tests set up what the real platform does through its web app: more tenants,
users of each role, role changes; and inspect what the stub executed. Every route needs
the stub's admin token (:mod:`velerian_stub.service.admin_token`); no tenant key opens them.
Routes that act in a tenant take it as ``?tenant_id=``, the seeded tenant by default.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from velerian_stub.http.dependencies import Ctx, Limit, Offset, StubAdmin, base_url_of
from velerian_stub.http.routing import ApiRoute
from velerian_stub.schemas.admin import (
    CreatedTenant,
    CreatedUser,
    CreateTenantRequest,
    CreateUserRequest,
    ExecutionPage,
    StubUser,
    SyntheticExportRequest,
    UpdateUserRequest,
)
from velerian_stub.schemas.evidence import ExportResponse
from velerian_stub.service.context import StubContext
from velerian_stub.service.errors import conflict, not_found
from velerian_stub.service.executions import list_executions
from velerian_stub.service.exports import create_export, export_response, synthetic_content
from velerian_stub.service.provisioning import create_tenant, create_user
from velerian_stub.store.keys import set_user_role
from velerian_stub.store.tenants import tenant_exists

__all__ = ["router"]

router = APIRouter(
    prefix="/_stub", include_in_schema=False, route_class=ApiRoute, dependencies=[StubAdmin]
)

TenantId = Annotated[
    str | None, Query(max_length=64, description="The tenant to act in; the seeded one if unset.")
]


def _tenant(ctx: StubContext, tenant_id: str | None) -> str:
    if tenant_id is None:
        return ctx.seed.tenant_id
    with ctx.db.session() as session:
        if not tenant_exists(session, tenant_id):
            raise not_found("tenant", tenant_id)
    return tenant_id


@router.post("/tenants", status_code=201, response_model=CreatedTenant)
def create_tenant_route(*, ctx: Ctx, body: CreateTenantRequest) -> CreatedTenant:
    """Create another tenant with an owner key, ABPs and a network."""
    with ctx.db.session() as session:
        tenant = create_tenant(
            session, name=body.name, network_slug=body.network_slug, now=ctx.now()
        )
    return CreatedTenant(
        tenant_id=tenant.tenant_id,
        owner_user_id=tenant.owner_user_id,
        api_key_id=tenant.api_key_id,
        api_key=tenant.api_key,
        abp_id=tenant.abp_id,
        draft_abp_id=tenant.draft_abp_id,
        network_slug=tenant.network_slug,
    )


@router.post("/users", status_code=201, response_model=CreatedUser)
def create_user_route(
    *, ctx: Ctx, body: CreateUserRequest, tenant_id: TenantId = None
) -> CreatedUser:
    """Add a user with a role to a tenant, with one key of the given scopes."""
    tenant = _tenant(ctx, tenant_id)
    with ctx.db.session() as session:
        user_id, key_id, secret = create_user(
            session,
            tenant_id=tenant,
            role=body.role,
            scopes=body.scopes,
            now=ctx.now(),
            email=body.email,
        )
    return CreatedUser(user_id=user_id, role=body.role, api_key_id=key_id, api_key=secret)


@router.patch("/users/{user_id}", response_model=StubUser)
def update_user_route(
    *, ctx: Ctx, user_id: str, body: UpdateUserRequest, tenant_id: TenantId = None
) -> StubUser:
    """Change a user's role; their keys' power changes at once."""
    tenant = _tenant(ctx, tenant_id)
    with ctx.db.session() as session:
        changed = set_user_role(session, tenant, user_id, body.role)
    if not changed:
        raise not_found("user", user_id)
    return StubUser(user_id=user_id, role=body.role)


@router.get("/executions", response_model=ExecutionPage)
def executions_route(
    *,
    ctx: Ctx,
    tenant_id: TenantId = None,
    idempotency_key: Annotated[str | None, Query(max_length=255)] = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> ExecutionPage:
    """List the mutations the stub really executed for a tenant."""
    tenant = _tenant(ctx, tenant_id)
    with ctx.db.session() as session:
        return list_executions(
            session, tenant, idempotency_key=idempotency_key, limit=limit, offset=offset
        )


@router.post("/exports", status_code=201, response_model=ExportResponse)
def synthetic_export_route(
    *, ctx: Ctx, request: Request, body: SyntheticExportRequest, tenant_id: TenantId = None
) -> ExportResponse:
    """Create an export of ``size_bytes`` deterministic filler bytes."""
    tenant = _tenant(ctx, tenant_id)
    free = ctx.blobs.free_bytes()
    if body.size_bytes > free:
        raise conflict(f"not enough disk space for {body.size_bytes} bytes ({free} free)")
    row = create_export(
        ctx,
        tenant_id=tenant,
        artifact_kind="evidence_package",
        fmt=body.format,
        delivery=body.delivery,
        content=synthetic_content(body.size_bytes),
        now=ctx.now(),
    )
    return export_response(ctx, row, base_url_of(request))
