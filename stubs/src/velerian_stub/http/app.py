"""
The app factory: one FastAPI app per stub, with its middleware stack and routes.

Middleware, outermost first: request ids (every response, even unplanned 500s), then
the body limit (a 413 before anything reads or buffers a large body), then faults
(latency; fail-after replaces the answer here), then idempotency, then routing. The
rate limit and fail-before refuse a request only once routing and authentication have
passed (:mod:`velerian_stub.http.faults`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.middleware import Middleware

from velerian_stub.http.body_limit import BodyLimitMiddleware
from velerian_stub.http.faults import FaultMiddleware
from velerian_stub.http.idempotency import IdempotencyMiddleware, IdempotencyStore
from velerian_stub.http.portable_contract import ContractApp
from velerian_stub.http.request_ids import RequestIdMiddleware
from velerian_stub.http.routes import (
    abps,
    admin,
    api_keys,
    approvals,
    attachments,
    audit,
    evidence,
    run_pages,
    runs,
    storage,
    usage,
)
from velerian_stub.http.routing import RouteTable
from velerian_stub.schemas.sparse import SparseMiddleware
from velerian_stub.service.config import StubConfig
from velerian_stub.service.context import open_context
from velerian_stub.service.errors import ApiError

__all__ = ["API_DESCRIPTION", "create_app"]

API_DESCRIPTION = """\
The Velerian v2 API: governed ABP invocations, network runs, evidence, audit, usage.

Generated from the local stub server (`velerian-stub`); the decisions behind every
shape are in `docs/api/decisions.md`. The production origin is `https://app.velerian.ai`.

- Authenticate with `Authorization: Bearer vk_live_...`.
- Every response carries `x-request-id`.
- Errors are `{"detail": "<sentence>"}`; 422 is a list of `{loc, msg, type}`, also for a
  body that is not valid UTF-8 JSON (`json_invalid`).
- A method a path does not take is a 405 whose `Allow` header lists the ones it does.
- Mutating routes accept `Idempotency-Key`; a replayed answer has `idempotent-replayed: true`.
- 429 carries `Retry-After` (seconds); 5xx is retryable.
"""


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    del request
    if not isinstance(exc, ApiError):  # pragma: no cover - registered for ApiError only
        raise exc
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def create_app(config: StubConfig | None = None) -> FastAPI:
    """
    Build a stub app: opens (and seeds, when new) its database at once.

    The database is closed when the app's lifespan ends; an app that is never started
    should be closed with ``context_of(app).close()``.

    Args:
        config: The settings; the defaults when ``None``.

    Returns:
        The app, with its :class:`~velerian_stub.service.context.StubContext` in ``app.state.stub``.

    Example:
        >>> from fastapi.testclient import TestClient
        >>> app = create_app(StubConfig(db_path=":memory:"))
        >>> with TestClient(app) as client:  # doctest: +SKIP
        ...     client.get("/api/v2/abps", headers={"Authorization": "Bearer ..."})
    """
    config = config or StubConfig()
    ctx = open_context(config)
    route_table = RouteTable()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncGenerator[None, None]:
        del app
        try:
            yield
        finally:
            ctx.close()

    # Only a sparse stub sets the flag that response models read as they serialize.
    sparse = [Middleware(SparseMiddleware)] if config.sparse else []
    app = ContractApp(
        title="Velerian API",
        version="2.0.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        redoc_url=None,
        middleware=[
            *sparse,
            Middleware(RequestIdMiddleware),
            Middleware(BodyLimitMiddleware, max_bytes=config.max_body_bytes),
            Middleware(FaultMiddleware, config=config),
            Middleware(
                IdempotencyMiddleware,
                store=IdempotencyStore(ctx.db, config.clock, ctx.sealer),
                route_table=route_table,
            ),
        ],
    )
    app.state.stub = ctx
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(405, route_table.method_not_allowed)
    for module in (
        abps,
        evidence,
        usage,
        audit,
        approvals,
        runs,
        attachments,
        api_keys,
        storage,
        admin,
        run_pages,
    ):
        app.include_router(module.router)
        route_table.add(module.router.routes)
    route_table.add(app.router.routes)  # FastAPI's own: /openapi.json, /docs
    return app
