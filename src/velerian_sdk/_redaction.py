"""
What of a request may be shown in a log line, a repr or an error message.

Everything is redacted unless it is on an allowlist: a header or query parameter the
SDK has never heard of prints as ``REDACTED``. Keys are shown at most as their prefix
and last four characters.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

__all__ = ["REDACTED", "mask_secret", "redact_headers", "redact_url"]

REDACTED = "REDACTED"

SAFE_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "connection",
        "content-length",
        "content-type",
        "date",
        "etag",
        "host",
        "idempotency-key",
        "idempotent-replayed",
        "retry-after",
        "retry-after-ms",
        "server",
        "transfer-encoding",
        "user-agent",
        "x-request-id",
    }
)

SAFE_QUERY = frozenset(
    {
        "action",
        "actor_user_id",
        "async",
        "delivery",
        "evidence_limit",
        "evidence_offset",
        "format",
        "limit",
        "network_slug",
        "offset",
        "resource_id",
        "resource_kind",
        "since",
        "status",
        "until",
    }
)


def mask_secret(secret: str) -> str:
    """
    Show a key as its ``vk_live_`` prefix and last four characters, never more.

    Args:
        secret: An API key or minted secret.

    Returns:
        For example ``vk_live_...f3a9``; short or unknown-format values show less.
    """
    if len(secret) < 16:
        return "..."
    prefix = "vk_live_" if secret.startswith("vk_live_") else ""
    return f"{prefix}...{secret[-4:]}"


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """
    Copy headers, replacing every value not on the allowlist.

    Args:
        headers: Header pairs, e.g. ``request.headers.multi_items()``.

    Returns:
        A new dict with lower-cased names.
    """
    return {
        name.lower(): value if name.lower() in SAFE_HEADERS else REDACTED for name, value in headers
    }


def redact_url(url: httpx.URL) -> str:
    """
    Render a URL with user info dropped and unknown query values replaced.

    Args:
        url: The URL to show.

    Returns:
        ``scheme://host[:port]/path[?query]`` safe to log.
    """
    shown = url.copy_with(username=None, password=None, query=None, fragment=None)
    if not url.query:
        return str(shown)
    params = [
        (name, value if name in SAFE_QUERY else REDACTED)
        for name, value in url.params.multi_items()
    ]
    return str(shown.copy_with(params=params))
