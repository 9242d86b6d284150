"""
The outermost middleware: an ``x-request-id`` on every response, even unplanned 500s.

It sits outside every other layer (faults, idempotency, routing), so 401s, 404s of
unknown routes, injected faults and the storage paths all carry the header too.
"""

from __future__ import annotations

import logging
from typing import cast

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from velerian_stub.service.ids import new_request_id

__all__ = ["REQUEST_ID_HEADER", "RequestIdMiddleware", "request_id_of"]

REQUEST_ID_HEADER = "x-request-id"
_STATE_KEY = "request_id"
_log = logging.getLogger("velerian_stub")


def request_id_of(scope: Scope) -> str:
    """
    Give the request id that :class:`RequestIdMiddleware` assigned to a request.

    Args:
        scope: The request's ASGI scope.

    Returns:
        The id, or ``"req_unknown"`` outside the middleware (never in the app).
    """
    state = cast("dict[str, object]", scope.get("state") or {})
    value = state.get(_STATE_KEY)
    return value if isinstance(value, str) else "req_unknown"


class RequestIdMiddleware:
    """
    Assign each HTTP request an id and stamp it on the response.

    Args:
        app: The wrapped application.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        scope.setdefault("state", {})[_STATE_KEY] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            _log.exception("unhandled error in request %s", request_id)
            if started:
                raise
            response = JSONResponse(
                {"detail": "internal server error"},
                status_code=500,
                headers={REQUEST_ID_HEADER: request_id},
            )
            await response(scope, receive, send)
