"""
The stub's admin token: the one credential of the ``/_stub`` routes.

Tenant API keys never open the ``/_stub`` routes, whatever their role or scopes: those
routes create tenants and users of any role, so only whoever started the stub (and
read the token it printed) may call them. The token is random per start unless the
settings give one, for setups that must be reproducible.
"""

from __future__ import annotations

import hmac
import re
import secrets

__all__ = [
    "ADMIN_TOKEN_ENV",
    "ADMIN_TOKEN_HEADER",
    "AdminTokenError",
    "check_admin_token",
    "check_admin_token_format",
    "new_admin_token",
]

ADMIN_TOKEN_HEADER = "X-Stub-Admin-Token"  # noqa: S105 - a header's name, not a secret
"""The request header that carries the token."""
ADMIN_TOKEN_ENV = "VELERIAN_STUB_ADMIN_TOKEN"  # noqa: S105 - a variable's name
"""The variable the stub prints the token as, and that the command reads one from."""

_TOKEN_PREFIX = "vstub_admin_"  # noqa: S105 - the public prefix of minted tokens
# Printable ASCII without spaces: it travels in a header and in a `NAME=value` line.
_TOKEN_RE = re.compile(r"^[\x21-\x7e]{16,200}$")


class AdminTokenError(ValueError):
    """A configured admin token cannot be used (too short, too long, or not header-safe)."""


def new_admin_token() -> str:
    """
    Mint a fresh admin token.

    Returns:
        ``vstub_admin_`` and 43 URL-safe characters (256 random bits).
    """
    return _TOKEN_PREFIX + secrets.token_urlsafe(32)


def check_admin_token_format(token: str) -> None:
    """
    Check that a chosen admin token is usable.

    Args:
        token: The token from the settings, the command line or the environment.

    Raises:
        AdminTokenError: It is not 16 to 200 printable ASCII characters without spaces.
    """
    if not _TOKEN_RE.match(token):
        raise AdminTokenError(
            "the stub's admin token must be 16 to 200 printable ASCII characters without spaces"
        )


def check_admin_token(expected: str, presented: str | None, *, sent_api_key: bool) -> str | None:
    """
    Compare a presented admin token with the stub's, in constant time.

    Args:
        expected: The stub's token.
        presented: The ``X-Stub-Admin-Token`` header as sent, or ``None``.
        sent_api_key: Whether the request carried ``Authorization`` (a tenant key), to
            say that such keys are not accepted here.

    Returns:
        ``None`` when the token matches, else the sentence for the 401 or 403.
    """
    if presented is None or not presented:
        where = (
            "tenant API keys are not accepted on the /_stub admin routes; send"
            if sent_api_key
            else "the /_stub admin routes need"
        )
        return (
            f"{where} the stub's admin token in the {ADMIN_TOKEN_HEADER} header"
            f" (printed at start as {ADMIN_TOKEN_ENV})"
        )
    # Bytes, so that a non-ASCII header cannot make compare_digest raise.
    if not hmac.compare_digest(
        presented.encode("utf-8", "surrogateescape"), expected.encode("utf-8")
    ):
        return f"the {ADMIN_TOKEN_HEADER} header does not match the stub's admin token"
    return None
