"""
The request body limit: a 413 while the body is read, before authentication or buffering.

It sits just inside the request-id layer, so no other layer (faults, idempotency,
FastAPI's body parsing, authentication) ever holds more than the limit of a body. A
``Content-Length`` above the limit is refused before a byte is read; a body without
one (chunked) or one whose bytes exceed what it declared is counted as it streams in,
and refused at the first chunk past the limit. ``/_storage/`` uploads are exempt: each
is bounded by its registered size instead (see :mod:`velerian_stub.http.routes.storage`).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from velerian_stub.service.strict_parsing import parse_digits

__all__ = ["BodyLimitMiddleware", "BodyTooLargeError", "content_length_of"]

_EXEMPT_PREFIX = "/_storage/"
# More digits than any real length; longer text is refused without being converted.
_MAX_LENGTH_DIGITS = 19


class BodyTooLargeError(HTTPException):
    """
    A request body passed the limit while it was read (413).

    An :class:`~starlette.exceptions.HTTPException`, so that FastAPI's body parsing lets
    it through as it is and the app renders ``{"detail": ...}``; a layer that reads the
    body itself lets it propagate to :class:`BodyLimitMiddleware`, which answers it.

    Args:
        limit: The limit in bytes.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"request body is larger than the stub's limit of {limit} bytes"
            " (--max-body-bytes); send a smaller body",
        )


def content_length_of(scope: Scope) -> int | str | None:
    """
    Read a request's ``Content-Length``.

    Args:
        scope: The request's ASGI scope.

    Returns:
        The length; ``None`` when the header is absent; the header's text when it is
        not a length (anything but ASCII digits, or absurdly many of them).
    """
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1")
            length = parse_digits(text, max_digits=_MAX_LENGTH_DIGITS)
            return text if length is None else length
    return None


class BodyLimitMiddleware:
    """
    Refuse request bodies larger than ``max_bytes`` with a 413, outside ``/_storage/``.

    Args:
        app: The wrapped application.
        max_bytes: The largest body accepted.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        if scope["type"] != "http" or str(scope["path"]).startswith(_EXEMPT_PREFIX):
            await self.app(scope, receive, send)
            return
        declared = content_length_of(scope)
        if isinstance(declared, str):
            response = JSONResponse(
                {"detail": "Content-Length must be a number of bytes in ASCII digits"},
                status_code=400,
            )
            await response(scope, receive, send)
            return
        if declared is not None and declared > self.max_bytes:
            await _too_large(self.max_bytes, scope, receive, send)
            return
        limit = self.max_bytes
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLargeError:
            # Raised from a layer that reads the body itself (the idempotency layer);
            # FastAPI's own parsing renders it before it gets here.
            if started:
                raise
            await _too_large(limit, scope, receive, send)


async def _too_large(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    error = BodyTooLargeError(limit)
    # Connection: close, so the server drops the rest of the body instead of reading it.
    response = JSONResponse(
        {"detail": error.detail}, status_code=413, headers={"Connection": "close"}
    )
    await response(scope, receive, send)
