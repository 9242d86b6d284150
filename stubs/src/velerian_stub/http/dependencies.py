"""
FastAPI dependencies: the context, authentication by scope, mutations, paging.

This module does not use postponed annotations: the dependency factories below put
locally created callables into ``Annotated`` metadata, which FastAPI must be able to
evaluate.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from velerian_stub.http.faults import fault_gate_of
from velerian_stub.http.idempotency import IDEMPOTENCY_KEY_PATTERN
from velerian_stub.http.request_ids import request_id_of
from velerian_stub.schemas.api_keys import Scope
from velerian_stub.service.actor import Actor, well_formed_traceparent
from velerian_stub.service.admin_token import ADMIN_TOKEN_HEADER, check_admin_token
from velerian_stub.service.auth import AuthError, Principal, authenticate
from velerian_stub.service.claims import claim_of
from velerian_stub.service.context import StubContext, context_of

__all__ = [
    "MAX_OFFSET",
    "AuditReader",
    "Ctx",
    "EvidenceReader",
    "IdempotencyKey",
    "KeyAdmin",
    "KeyAdminActor",
    "Limit",
    "Offset",
    "Reader",
    "RunsReader",
    "RunsWriter",
    "StubAdmin",
    "authorize",
    "base_url_of",
]

_bearer = HTTPBearer(
    scheme_name="bearerAuth",
    description="An API key: `Authorization: Bearer vk_live_...`.",
    auto_error=False,
)


def _context(request: Request) -> StubContext:
    return context_of(request.app)


Ctx = Annotated[StubContext, Depends(_context)]
"""The app-wide context of the request's app."""

MAX_OFFSET = 2**53
"""The largest offset of any page: JavaScript's safe integers, well inside SQLite's 64 bits."""

Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description=(
            "Makes a retry safe: a repeat with the same key and request replays the first"
            " answer (`idempotent-replayed: true`) instead of running again. 1..255"
            " printable ASCII characters; records live 24 hours, per tenant."
        ),
    ),
]


def base_url_of(request: Request) -> str:
    """
    Give the origin the caller reached the stub at, for absolute links.

    Args:
        request: The request.

    Returns:
        For example ``http://127.0.0.1:8787`` (no trailing slash).
    """
    return str(request.base_url).rstrip("/")


def _principal(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    ctx = context_of(request.app)
    secret = None if credentials is None else credentials.credentials
    with ctx.db.session() as session:
        return authenticate(session, secret, ctx.now())


def authorize(scope: Scope) -> Callable[..., Principal]:
    """
    Build a dependency that authenticates the caller and requires one scope.

    A caller that passes is then counted by the rate limit and drawn for injected
    faults (:mod:`velerian_stub.http.faults`), when the stub has them.

    Args:
        scope: The scope the route needs.

    Returns:
        The dependency, resolving to the caller's principal.
    """

    def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        principal = _principal(request, credentials)
        principal.require(scope)
        # Injected faults and the rate limit come after routing and authentication.
        gate = fault_gate_of(request.scope)
        if gate is not None:
            gate.admit(principal.api_key_id)
        return principal

    return dependency


def _actor(request: Request, principal: Principal, idempotency_key: str | None) -> Actor:
    route = request.scope.get("route")
    return Actor(
        principal=principal,
        request_id=request_id_of(request.scope),
        idempotency_key=idempotency_key,
        method=request.method,
        route=route.path if isinstance(route, APIRoute) else request.url.path,
        claim=claim_of(request.scope),
        traceparent=well_formed_traceparent(request.headers.get("traceparent")),
    )


def _acting(scope: Scope) -> Callable[..., Actor]:
    def dependency(
        request: Request,
        principal: Annotated[Principal, Depends(authorize(scope))],
        idempotency_key: IdempotencyKey = None,
    ) -> Actor:
        return _actor(request, principal, idempotency_key)

    return dependency


def _stub_admin(
    request: Request,
    admin_token: Annotated[
        str | None,
        Header(
            alias=ADMIN_TOKEN_HEADER,
            description="The stub's admin token, printed at start as VELERIAN_STUB_ADMIN_TOKEN.",
        ),
    ] = None,
) -> None:
    problem = check_admin_token(
        context_of(request.app).admin_token,
        admin_token,
        sent_api_key="authorization" in request.headers,
    )
    if problem is not None:
        raise AuthError(403 if admin_token else 401, problem)


Reader = Annotated[Principal, Depends(authorize("read"))]
"""A caller with the ``read`` scope."""
RunsReader = Annotated[Principal, Depends(authorize("runs:read"))]
"""A caller with ``runs:read``."""
EvidenceReader = Annotated[Principal, Depends(authorize("evidence:read"))]
"""A caller with ``evidence:read``."""
AuditReader = Annotated[Principal, Depends(authorize("audit:read"))]
"""A caller with ``audit:read``."""
KeyAdmin = Annotated[Principal, Depends(authorize("write"))]
"""A caller with ``write``, which only owner and admin roles permit."""
RunsWriter = Annotated[Actor, Depends(_acting("runs:write"))]
"""A mutating caller with ``runs:write``."""
KeyAdminActor = Annotated[Actor, Depends(_acting("write"))]
"""A mutating caller with ``write`` (owner or admin role)."""
StubAdmin = Depends(_stub_admin)
"""The guard of the ``/_stub`` routes: the stub's admin token, never a tenant key."""
