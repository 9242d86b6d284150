"""
The ``Authorization`` header, and the one rule for what reaches any other origin.

The key goes only to the scheme, host and port of the configured base URL. A request
to any other origin (a presigned storage link, a URL returned by the server) is cut
down by :func:`~velerian_sdk._core._origin.keep_call_headers`: every ``Authorization`` header
is removed, even one a user set by hand, and so is every header the client added for
the API (defaults, user agent, idempotency key), so neither the key nor the user's
``default_headers`` leak through an absolute URL. A call may also opt out of the key
explicitly, which is how presigned downloads on the API's own host are fetched.
"""

from __future__ import annotations

import httpx

from ._origin import keep_call_headers, same_origin
from ._reprs import attribute
from .chain import Middleware
from .redaction import mask_secret

__all__ = ["BearerAuth", "same_origin"]

NO_AUTH = "velerian_no_auth"
"""Request extension: set to True to send this request without the key."""


class BearerAuth(Middleware):
    """
    Attach ``Authorization: Bearer <key>`` on every attempt to the API's origin.

    A request for any other origin gets only its call's own headers (see
    :func:`~velerian_sdk._core._origin.keep_call_headers`); this link runs after every link
    of the client that adds headers, so the rule sees them all.

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
        Add the key to a request for the API's origin; strip anything else down.

        Args:
            request: The outgoing request.
        """
        if not same_origin(request.url, self._origin):
            keep_call_headers(request)
        elif not request.extensions.get(NO_AUTH):
            request.headers["Authorization"] = self._header
        elif "authorization" in request.headers:
            del request.headers["authorization"]

    def __repr__(self) -> str:
        origin = attribute(self, "_origin")
        shown = str(origin) if isinstance(origin, httpx.URL) else origin
        return f"BearerAuth(api_key={attribute(self, '_masked')!r}, origin={shown!r})"
