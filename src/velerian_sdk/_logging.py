"""
The SDK's log lines: one per attempt, and each retry decision, redacted by allowlist.

The logger is ``velerian_sdk``. ``VELERIAN_LOG=debug`` or ``VELERIAN_LOG=info`` in the
environment attaches a stderr handler at that level when the first client is built;
otherwise the SDK only emits records and leaves handlers to the application.
"""

from __future__ import annotations

import logging
import os
import time

import httpx

from ._middleware import Middleware, MiddlewareFlow
from ._redaction import redact_body, redact_headers, redact_url

__all__ = ["LoggingMiddleware", "configure_logging_from_env", "logger"]

logger = logging.getLogger("velerian_sdk")

_ENV_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
_configured = False


def configure_logging_from_env() -> None:
    """Honour ``VELERIAN_LOG`` once per process (a no-op when it is unset)."""
    global _configured  # noqa: PLW0603 - the handler must be attached once per process
    if _configured:
        return
    _configured = True
    level = _ENV_LEVELS.get(os.environ.get("VELERIAN_LOG", "").strip().lower())
    if level is None:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)


class LoggingMiddleware(Middleware):
    """Log each attempt: method, redacted URL, status, elapsed time and request id."""

    def flow(self, request: httpx.Request) -> MiddlewareFlow:
        """
        Time the attempt and log its outcome when the logger is enabled.

        Args:
            request: The outgoing request.

        Returns:
            A generator that passes the request and response through unchanged.
        """
        if not logger.isEnabledFor(logging.INFO):
            return (yield request)
        started = time.perf_counter()
        attempt = request.extensions.get("velerian_attempt", 0) + 1
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "request %s %s attempt %d headers=%s body=%s",
                request.method,
                redact_url(request.url),
                attempt,
                redact_headers(request.headers.multi_items()),
                _request_body(request),
            )
        try:
            response = yield request
        except Exception as exc:
            logger.info(
                "%s %s failed after %.1f ms (attempt %d): %s",
                request.method,
                redact_url(request.url),
                (time.perf_counter() - started) * 1000,
                attempt,
                type(exc).__name__,
            )
            raise
        logger.info(
            "%s %s -> %d in %.1f ms (request id %s, attempt %d)",
            request.method,
            redact_url(request.url),
            response.status_code,
            (time.perf_counter() - started) * 1000,
            response.headers.get("x-request-id", "-"),
            attempt,
        )
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "response headers=%s body=%s",
                redact_headers(response.headers.multi_items()),
                _response_body(response),
            )
        return response


def _request_body(request: httpx.Request) -> str:
    if not isinstance(request.stream, httpx.ByteStream):
        return "<streamed>"
    return redact_body(request.content, request.headers.get("content-type"))


def _response_body(response: httpx.Response) -> str:
    if not response.is_stream_consumed:
        return "<streamed>"
    return redact_body(response.content, response.headers.get("content-type"))
