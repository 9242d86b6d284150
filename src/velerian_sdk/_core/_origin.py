"""
What may leave the API's origin: which links are followed, and which headers go along.

The server hands out links to other hosts (presigned storage links for downloads and
uploads). :func:`keep_call_headers`: a request to another origin carries only the headers its
  own call set (minus ``Authorization``) and those HTTP itself needs. The client's
  defaults (``default_headers``, the user agent, ``Accept``), an ``Idempotency-Key`` the
  client added, and the key never reach a storage host.
"""

from __future__ import annotations

from typing import Final

import httpx

from ._headers import EXPLICIT_HEADERS

__all__ = ["TRANSPORT_HEADERS", "keep_call_headers", "same_origin"]

TRANSPORT_HEADERS: Final = frozenset(
    {"host", "content-length", "transfer-encoding", "accept-encoding", "connection"}
)
"""Headers that ``httpx`` sets for the connection and the body framing, kept everywhere."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


def same_origin(url: httpx.URL, origin: httpx.URL) -> bool:
    """
    Tell whether ``url`` has the scheme, host and port of ``origin``.

    Args:
        url: The URL about to be requested.
        origin: The API's origin.

    Returns:
        True when ``url`` is on the API's origin.
    """
    return (
        url.scheme == origin.scheme
        and url.host == origin.host
        and (url.port or _DEFAULT_PORTS.get(url.scheme))
        == (origin.port or _DEFAULT_PORTS.get(origin.scheme))
    )


def keep_call_headers(request: httpx.Request) -> None:
    """
    Strip a request for another origin down to what its call set and HTTP needs.

    Kept: the headers the call passed itself (a transfer's ``Content-Type``, say), less
    ``Authorization``, and :data:`TRANSPORT_HEADERS`. Everything else was added by the
    client (its defaults, the user's ``default_headers``, an idempotency key, the
    ``httpx`` client's own headers and cookies) and is meant for the API only.

    Args:
        request: A request whose URL is not on the API's origin; changed in place.
    """
    explicit: frozenset[str] = request.extensions.get(EXPLICIT_HEADERS, frozenset())
    for name in list(request.headers.keys()):
        if name == "authorization" or (name not in explicit and name not in TRANSPORT_HEADERS):
            del request.headers[name]
