"""
API keys, scopes and roles: who is calling, and what they may do.

A key's power is the intersection of its own scopes (with ``read`` and ``write``
expanded) and what its user's *current* role permits, so demoting a user takes power
away from every key they minted at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import get_args

from velerian_stub.schemas.api_keys import Role, Scope
from velerian_stub.service.clock import epoch_of, format_epoch
from velerian_stub.service.errors import ApiError
from velerian_stub.store.database import Session
from velerian_stub.store.keys import find_key_by_hash, set_key_last_used

__all__ = [
    "ALL_SCOPES",
    "ROLE_SCOPES",
    "AuthError",
    "Principal",
    "authenticate",
    "effective_scopes",
    "expand_scopes",
    "hash_secret",
    "stored_key_powers",
]

ALL_SCOPES: tuple[Scope, ...] = get_args(Scope)
_READ_SCOPES: frozenset[Scope] = frozenset(s for s in ALL_SCOPES if s.endswith("read"))
_WRITE_SCOPES: frozenset[Scope] = frozenset(s for s in ALL_SCOPES if s.endswith("write"))
_VIEWER: frozenset[Scope] = frozenset({"read", "runs:read", "evidence:read"})

ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    "viewer": _VIEWER,
    "member": _VIEWER | frozenset[Scope]({"runs:write"}),
    "admin": frozenset(ALL_SCOPES),
    "owner": frozenset(ALL_SCOPES),
}


class AuthError(ApiError):
    """
    A request is not authenticated (401) or not authorised (403).

    Args:
        status_code: 401 or 403.
        detail: The sentence for the error body; never echoes a secret.
    """

    def __init__(self, status_code: int, detail: str) -> None:
        headers = {"WWW-Authenticate": "Bearer"} if status_code == 401 else None
        super().__init__(status_code, detail, headers)


def hash_secret(secret: str) -> str:
    """
    Hash a full key secret the way it is stored.

    Args:
        secret: The whole ``vk_live_...`` string.

    Returns:
        The SHA-256 of its UTF-8 bytes in lower-case hex.
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def expand_scopes(scopes: Iterable[str]) -> frozenset[Scope]:
    """
    Expand the coarse scopes: ``read`` grants every ``*:read``, ``write`` every ``*:write``.

    Args:
        scopes: Scope names as stored on a key; unknown names are ignored.

    Returns:
        The scopes the names grant. ``write`` does not imply ``read``.
    """
    names = set(scopes)
    granted: set[Scope] = {s for s in ALL_SCOPES if s in names}
    if "read" in granted:
        granted |= _READ_SCOPES
    if "write" in granted:
        granted |= _WRITE_SCOPES
    return frozenset(granted)


def effective_scopes(key_scopes: Iterable[str], role: Role) -> frozenset[Scope]:
    """
    Give what a key may do now: its expanded scopes within its user's role.

    Args:
        key_scopes: The key's stored scopes.
        role: The key's user's current role.

    Returns:
        The effective scopes.
    """
    return expand_scopes(key_scopes) & ROLE_SCOPES[role]


@dataclass(frozen=True)
class Principal:
    """
    The authenticated caller of one request.

    Attributes:
        tenant_id: The tenant every lookup is confined to.
        user_id: The user who owns the key.
        api_key_id: The key used.
        role: The user's current role.
        key_scopes: The scopes stored on the key.
        effective: What the key may do now (see :func:`effective_scopes`).
        key_expires_at: When the key stops working, as stored (``None``: never); a key
            it mints may not outlive it.
    """

    tenant_id: str
    user_id: str
    api_key_id: str
    role: Role
    key_scopes: frozenset[str]
    effective: frozenset[Scope]
    key_expires_at: str | None = None

    def require(self, scope: Scope) -> None:
        """
        Check that the key may act with ``scope``.

        Args:
            scope: The scope the route needs.

        Raises:
            AuthError: 403, naming the missing scope and whether the key or the role
                lacks it.
        """
        if scope in self.effective:
            return
        if scope not in expand_scopes(self.key_scopes):
            raise AuthError(403, f"API key lacks the required scope '{scope}'")
        raise AuthError(
            403, f"the key's user has role '{self.role}', which does not permit scope '{scope}'"
        )


_ROLES: tuple[Role, ...] = ("owner", "admin", "member", "viewer")


def _as_role(value: str) -> Role:
    for role in _ROLES:
        if role == value:
            return role
    raise ValueError(f"unknown role {value!r}")


def stored_key_powers(scopes: Iterable[str], role: str) -> frozenset[Scope]:
    """
    Give what a stored key may do, from its scopes and its user's role as stored.

    Args:
        scopes: The key's stored scopes.
        role: Its user's stored role.

    Returns:
        The effective scopes.
    """
    return effective_scopes(scopes, _as_role(role))


def authenticate(session: Session, secret: str | None, now: float) -> Principal:
    """
    Resolve a bearer secret to its principal and record the key as used.

    Args:
        session: The open transaction.
        secret: The bearer token, or ``None`` when the request carried none.
        now: The current time in Unix seconds.

    Returns:
        The principal acting with the key.

    Raises:
        AuthError: 401 when the key is missing, unknown, revoked or expired.
    """
    if not secret:
        raise AuthError(401, "missing API key: send 'Authorization: Bearer <key>'")
    row = find_key_by_hash(session, hash_secret(secret))
    if row is None:
        raise AuthError(401, "invalid API key")
    if row.opt_text("revoked_at") is not None:
        raise AuthError(401, "API key has been revoked")
    expires_at = row.opt_text("expires_at")
    if expires_at is not None and epoch_of(expires_at) <= now:
        raise AuthError(401, "API key has expired")
    key_id = row.text("id")
    set_key_last_used(session, key_id, format_epoch(now))
    role = _as_role(row.text("role"))
    scopes = frozenset(row.string_list("scopes"))
    return Principal(
        tenant_id=row.text("tenant_id"),
        user_id=row.text("user_id"),
        api_key_id=key_id,
        role=role,
        key_scopes=scopes,
        effective=effective_scopes(scopes, role),
        key_expires_at=expires_at,
    )
