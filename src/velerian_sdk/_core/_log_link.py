"""The logging link."""

from __future__ import annotations

import logging
import time

import httpx

from .chain import Middleware, MiddlewareFlow
from .logging import logger
from .redaction import redact_body, redact_headers, redact_url

__all__ = ["LoggingMiddleware"]


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
