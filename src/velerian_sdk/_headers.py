"""The client's default headers, the user agent among them, set once per call."""

from __future__ import annotations

from typing import ClassVar, Literal

import httpx

from ._middleware import Middleware

__all__ = ["EXPLICIT_HEADERS", "DefaultHeadersMiddleware"]

EXPLICIT_HEADERS = "velerian_explicit_headers"
"""Request extension: lower-cased names of the headers the call itself passed."""


class DefaultHeadersMiddleware(Middleware):
    """
    Set the client's default headers, except those the call passed itself.

    They replace what an ``httpx`` client adds on its own (its user agent and
    ``Accept: */*``), which is why this is not left to ``httpx``'s header merging.

    Args:
        headers: The defaults: ``User-Agent``, ``Accept`` and the user's own.
    """

    stage: ClassVar[Literal["call", "attempt"]] = "call"

    def __init__(self, headers: httpx.Headers) -> None:
        self._headers = [(name.lower(), value) for name, value in headers.multi_items()]

    def on_request(self, request: httpx.Request) -> None:
        """
        Apply the defaults.

        Args:
            request: The outgoing request.
        """
        explicit: frozenset[str] = request.extensions.get(EXPLICIT_HEADERS, frozenset())
        for name, value in self._headers:
            if name not in explicit:
                request.headers[name] = value
