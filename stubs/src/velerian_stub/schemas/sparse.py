"""
Sparse responses: every answer carries only the fields the contract requires.

The real API is known to send less than the stub does (docs/api/decisions.md,
"Tolerant reader"). With ``--sparse`` (``StubConfig.sparse``), every ``/api/`` response model
drops each field outside its contract's ``required`` list, in nested objects and page
items too, so a client can be tested against the least the contract allows. Response
models do it as they serialize (:class:`~velerian_stub.schemas.common.ApiModel`),
reading a context variable that :class:`SparseMiddleware` sets for each request.
"""

from __future__ import annotations

from contextvars import ContextVar

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["SparseMiddleware", "sparse_responses"]

sparse_responses: ContextVar[bool] = ContextVar("velerian_stub_sparse", default=False)
"""Whether the response being built drops the fields the contract does not require."""


class SparseMiddleware:
    """
    Make every response of the app sparse (installed only with ``--sparse``).

    Args:
        app: The wrapped application.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection; only ``/api/`` answers are sparse."""
        if not str(scope.get("path", "")).startswith("/api/"):
            # The stub's own /_stub routes are no part of the contract.
            await self.app(scope, receive, send)
            return
        token = sparse_responses.set(True)
        try:
            await self.app(scope, receive, send)
        finally:
            sparse_responses.reset(token)
