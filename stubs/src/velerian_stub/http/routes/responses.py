"""The documented error responses of the routes, so the contract lists every status."""

from __future__ import annotations

from typing import Any

from velerian_stub.schemas.common import HTTPError

__all__ = ["errors", "export_file"]

_DESCRIPTIONS: dict[int, str] = {
    400: "A signed storage link was sent with an `Authorization` header.",
    401: "Missing, invalid, expired or revoked API key.",
    403: "The key lacks the scope, or its user's current role does not permit it.",
    404: "Not found, or not visible to the caller's tenant.",
    409: "The resource's state does not allow this, or a request with the same"
    " Idempotency-Key is still in flight.",
    413: "The request body is larger than the server accepts (for an upload: than the"
    " size registered for it); nothing was processed.",
    429: "Rate limited: retry after the `Retry-After` header's seconds.",
    502: "The upstream response was lost; the request may have been processed.",
    503: "Temporarily unavailable; the request was not processed.",
}
_API_DEFAULTS = (401, 403, 413, 429, 502, 503)
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying (the HTTP-date form is also legal).",
        "schema": {"type": "string"},
    }
}


def errors(*codes: int, api: bool = True) -> dict[int | str, dict[str, Any]]:
    """
    Build the ``responses=`` argument of a route.

    Args:
        codes: The route's own error statuses (for example 404, 409).
        api: Whether to add the statuses every ``/api/`` route may answer.

    Returns:
        The responses, each with the ``HTTPError`` model and a description.
    """
    wanted = sorted({*codes, *(_API_DEFAULTS if api else ())})
    responses: dict[int | str, dict[str, Any]] = {
        code: {"model": HTTPError, "description": _DESCRIPTIONS[code]} for code in wanted
    }
    if 429 in responses:
        responses[429]["headers"] = _RETRY_AFTER
    return responses


_FILE_HEADERS = {
    "Content-Length": {
        "description": "The file's size in bytes.",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    "Content-Disposition": {
        "description": '`attachment; filename="<export_id>.<format>"`: the extension names'
        " the format (`json` or `jsonl`).",
        "schema": {"type": "string"},
    },
}


def export_file(
    *codes: int, api: bool = True, head: bool = False
) -> dict[int | str, dict[str, Any]]:
    """
    Build the ``responses=`` argument of a route that serves an export file.

    The file is declared as bytes whatever its format (docs/api/decisions.md, "Export
    files are bytes"), so that every generated client reads it without parsing.

    Args:
        codes: The route's own error statuses.
        api: Whether to add the statuses every ``/api/`` route may answer.
        head: Whether the route is the ``HEAD`` twin: the headers only, no body.

    Returns:
        The responses: the file's 200, then the errors.
    """
    ok: dict[str, Any] = {"headers": _FILE_HEADERS}
    if head:
        ok["description"] = "The export file's headers, without its bytes."
    else:
        ok["description"] = "The export file, as bytes; `Range` and HEAD work."
        ok["content"] = {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
        }
    return {200: ok, **errors(*codes, api=api)}
