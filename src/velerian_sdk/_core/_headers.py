"""The client's default headers, the user agent among them, set once per call."""

from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar, Literal

import httpx

from .chain import Middleware

__all__ = ["EXPLICIT_HEADERS", "PRESET_HEADERS", "DefaultHeadersMiddleware"]

EXPLICIT_HEADERS = "velerian_explicit_headers"
"""Request extension: lower-cased names of the headers the call itself passed."""

PRESET_HEADERS = ("user-agent", "accept", "accept-encoding")
"""The defaults a client gives the ``httpx`` client it builds (never the user's own
``default_headers``, which a derived client sharing that ``httpx`` client must not send)."""


class DefaultHeadersMiddleware(Middleware):
    """
    Set the client's default headers, except those the call passed itself.

    They replace what an ``httpx`` client adds on its own (its user agent,
    ``Accept: */*`` and an ``Accept-Encoding`` that names ``br`` and ``zstd`` when their
    packages are installed), which is why this is not left to ``httpx``'s header
    merging, except for ``preset`` names: a client that builds its own ``httpx`` client
    gives it its ``User-Agent``, ``Accept`` and ``Accept-Encoding``, so ``httpx`` has
    merged them into the request already (the call's own headers winning) and setting
    them again per request would only cost time.

    Args:
        headers: The defaults: ``User-Agent``, ``Accept``, ``Accept-Encoding`` and the
            user's own.
        preset: Lower-case names that the ``httpx`` client building the requests
            already sets to these very values.
    """

    stage: ClassVar[Literal["call", "attempt"]] = "call"

    def __init__(self, headers: httpx.Headers, *, preset: Collection[str] = ()) -> None:
        self._headers = [
            (name.lower(), value)
            for name, value in headers.multi_items()
            if name.lower() not in preset
        ]

    def on_request(self, request: httpx.Request) -> None:
        """
        Apply the defaults.

        Args:
            request: The outgoing request.
        """
        if not self._headers:
            return
        explicit: frozenset[str] = request.extensions.get(EXPLICIT_HEADERS, frozenset())
        for name, value in self._headers:
            if name not in explicit:
                request.headers[name] = value
