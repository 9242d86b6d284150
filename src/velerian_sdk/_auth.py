"""
The ``Authorization`` header: attached to the API's origin and to nothing else.

The key goes only to the scheme, host and port of the configured base URL. A request
to any other origin (a presigned storage link, a URL returned by the server) is sent
with every ``Authorization`` header removed, even one a user set by hand, so the key
cannot leak through an absolute URL. A call may also opt out explicitly, which is how
presigned downloads on the API's own host are fetched without the key.
"""

from __future__ import annotations

import httpx

from ._middleware import Middleware
from ._redaction import mask_secret
from ._reprs import attribute

__all__ = ["BearerAuth", "same_origin"]

NO_AUTH = "velerian_no_auth"
"""Request extension: set to True to send this request without the key."""


def same_origin(url: httpx.URL, origin: httpx.URL) -> bool:
    """
    Tell whether ``url`` has the scheme, host and port of ``origin``.

    Args:
        url: The URL about to be requested.
        origin: The API's origin.

    Returns:
        True when the key may be sent to ``url``.
    """
    return (
        url.scheme == origin.scheme
        and url.host == origin.host
        and (url.port or _DEFAULT_PORTS.get(url.scheme))
        == (origin.port or _DEFAULT_PORTS.get(origin.scheme))
    )


_DEFAULT_PORTS = {"http": 80, "https": 443}


class BearerAuth(Middleware):
    """
    Attach ``Authorization: Bearer <key>`` on every attempt to the API's origin.

    Args:
        api_key: The key to send.
        origin: The API's origin; no other origin ever receives the key.
    """

    def __init__(self, api_key: str, origin: httpx.URL) -> None:
        self._header = f"Bearer {api_key}"
        self._masked = mask_secret(api_key)
        self._origin = origin

    def on_request(self, request: httpx.Request) -> None:
        """
        Add the key to a request for the API's origin; strip it from anything else.

        Args:
            request: The outgoing request.
        """
        if same_origin(request.url, self._origin) and not request.extensions.get(NO_AUTH):
            request.headers["Authorization"] = self._header
        elif "authorization" in request.headers:
            del request.headers["authorization"]

    def __repr__(self) -> str:
        origin = attribute(self, "_origin")
        shown = str(origin) if isinstance(origin, httpx.URL) else origin
        return f"BearerAuth(api_key={attribute(self, '_masked')!r}, origin={shown!r})"
