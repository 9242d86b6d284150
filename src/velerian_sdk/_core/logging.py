"""
The SDK's log lines: one per attempt, and each retry decision, redacted by allowlist.

The logger is ``velerian_sdk``. ``VELERIAN_LOG=debug`` or ``VELERIAN_LOG=info`` in the
environment attaches a stderr handler at that level when the first client is built;
otherwise the SDK only emits records and leaves handlers to the application.
"""

from __future__ import annotations

import logging
import os
from typing import TypeGuard

import httpx

from .redaction import redact_url

__all__ = ["configure_logging_from_env", "hide_transfer_queries", "logger"]

logger = logging.getLogger("velerian_sdk")

_transfer_origins: set[tuple[str, str, int | None]] = set()
"""Origins of the presigned links the SDK has sent requests to."""


class _TransferQueryFilter(logging.Filter):
    """
    Redact the query of presigned links in ``httpx``'s own ``HTTP Request:`` lines.

    ``httpx`` logs every request's full URL at INFO, and a presigned link's query is its
    signature. A URL on an origin the SDK has sent presigned transfers to is shown as
    the SDK's own lines show it; every other record is left exactly as it was.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(_is_transfer_url(arg) for arg in args):
            record.args = tuple(_shown(arg) for arg in args)
        return True


def _is_transfer_url(value: object) -> TypeGuard[httpx.URL]:
    return (
        isinstance(value, httpx.URL)
        and bool(value.query)
        and (value.scheme, value.host, value.port) in _transfer_origins
    )


def _shown(value: object) -> object:
    return redact_url(value) if _is_transfer_url(value) else value


_TRANSFER_FILTER = _TransferQueryFilter()


def hide_transfer_queries(url: httpx.URL) -> None:
    """
    Keep the query strings of ``url``'s origin out of ``httpx``'s log lines from now on.

    Called for every presigned link the SDK sends a request to (downloads and uploads,
    which go out without the key). The first call adds a filter to the ``httpx`` logger;
    nothing is added for an application that never transfers a file.

    Args:
        url: The presigned link.
    """
    origin = (url.scheme, url.host, url.port)
    if origin not in _transfer_origins:
        _transfer_origins.add(origin)
        logging.getLogger("httpx").addFilter(_TRANSFER_FILTER)  # adds it once


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
