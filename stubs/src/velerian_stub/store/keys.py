"""
The statements on ``users`` and ``api_keys``: who holds which key, and its state.

Keys are found by the SHA-256 of their secret (``key_hash``); the secret itself is
never stored. Every function runs in the caller's transaction.
"""

from __future__ import annotations

from velerian_stub.store.database import Filter, Row, Session

__all__ = [
    "count_live_keys",
    "find_key",
    "find_key_by_hash",
    "find_key_powers",
    "find_key_revocation",
    "find_key_revocation_by_hash",
    "find_live_key_by_hash",
    "insert_api_key",
    "insert_user",
    "page_keys",
    "set_key_last_used",
    "set_key_revoked",
    "set_user_role",
]


def insert_user(
    session: Session, *, user_id: str, tenant_id: str, email: str, role: str, created_at: str
) -> None:
    """
    Add a user to a tenant.

    Args:
        session: The open transaction.
        user_id: The new user's id.
        tenant_id: Their tenant.
        email: Their address.
        role: Their role.
        created_at: The creation instant, as stored.
    """
    session.execute(
        "INSERT INTO users (id, tenant_id, email, role, created_at) VALUES (?, ?, ?, ?, ?)",
        (user_id, tenant_id, email, role, created_at),
    )


def set_user_role(session: Session, tenant_id: str, user_id: str, role: str) -> int:
    """
    Change a user's role.

    Args:
        session: The open transaction.
        tenant_id: The user's tenant.
        user_id: The user.
        role: The new role.

    Returns:
        The number of users changed: 0 when the tenant has no such user.
    """
    return session.execute(
        "UPDATE users SET role = ? WHERE id = ? AND tenant_id = ?", (role, user_id, tenant_id)
    )


def insert_api_key(
    session: Session,
    *,
    key_id: str,
    tenant_id: str,
    user_id: str,
    name: str,
    key_hash: str,
    last_four: str,
    scopes_json: str,
    created_at: str,
    expires_at: str | None,
) -> None:
    """
    Store a new key.

    Args:
        session: The open transaction.
        key_id: Its id.
        tenant_id: Its tenant.
        user_id: The user it acts as.
        name: Its label.
        key_hash: The SHA-256 of its secret.
        last_four: The secret's last four characters.
        scopes_json: Its scopes, as a JSON list.
        created_at: The creation instant, as stored.
        expires_at: When it stops working, as stored; ``None`` for never.
    """
    session.execute(
        "INSERT INTO api_keys (id, tenant_id, user_id, name, key_hash, last_four, scopes,"
        " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            key_id,
            tenant_id,
            user_id,
            name,
            key_hash,
            last_four,
            scopes_json,
            created_at,
            expires_at,
        ),
    )


def find_key(session: Session, key_id: str) -> Row | None:
    """
    Read one key by id.

    Args:
        session: The open transaction.
        key_id: The key.

    Returns:
        The whole row, or ``None``.
    """
    return session.one("SELECT * FROM api_keys WHERE id = ?", (key_id,))


def find_key_by_hash(session: Session, key_hash: str) -> Row | None:
    """
    Find the key a secret names, with its user's role, whatever its state.

    Args:
        session: The open transaction.
        key_hash: The SHA-256 of the secret.

    Returns:
        ``id``, ``tenant_id``, ``user_id``, ``scopes``, ``expires_at``, ``revoked_at``
        and ``role``; ``None`` for an unknown secret.
    """
    return session.one(
        "SELECT k.id, k.tenant_id, k.user_id, k.scopes, k.expires_at, k.revoked_at, u.role "
        "FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?",
        (key_hash,),
    )


def find_live_key_by_hash(session: Session, key_hash: str, now: str) -> Row | None:
    """
    Find the unrevoked, unexpired key a secret names, with its user's role.

    Args:
        session: The open transaction.
        key_hash: The SHA-256 of the secret.
        now: The current instant, as stored (instants sort as text).

    Returns:
        ``id``, ``tenant_id``, ``scopes`` and ``role``; ``None`` when no live key matches.
    """
    return session.one(
        "SELECT k.id, k.tenant_id, k.scopes, u.role FROM api_keys k"
        " JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?"
        " AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ?)",
        (key_hash, now),
    )


def find_key_powers(session: Session, key_id: str) -> Row | None:
    """
    Read a key's scopes and its user's current role.

    Args:
        session: The open transaction.
        key_id: The key.

    Returns:
        ``scopes`` and ``role``, or ``None`` for an unknown key.
    """
    return session.one(
        "SELECT k.scopes, u.role FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = ?",
        (key_id,),
    )


def find_key_revocation(session: Session, tenant_id: str, key_id: str) -> Row | None:
    """
    Read when a tenant's key was revoked.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        key_id: The key.

    Returns:
        ``revoked_at`` (null while live), or ``None`` when the tenant has no such key.
    """
    return session.one(
        "SELECT revoked_at FROM api_keys WHERE id = ? AND tenant_id = ?", (key_id, tenant_id)
    )


def find_key_revocation_by_hash(session: Session, key_hash: str) -> Row | None:
    """
    Read when the key a secret names was revoked.

    Args:
        session: The open transaction.
        key_hash: The SHA-256 of the secret.

    Returns:
        ``revoked_at`` (null while live), or ``None`` for an unknown secret.
    """
    return session.one("SELECT revoked_at FROM api_keys WHERE key_hash = ?", (key_hash,))


def set_key_last_used(session: Session, key_id: str, used_at: str) -> None:
    """
    Record when a key was last used.

    Args:
        session: The open transaction.
        key_id: The key.
        used_at: The instant, as stored.
    """
    session.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (used_at, key_id))


def set_key_revoked(session: Session, key_id: str, revoked_at: str) -> None:
    """
    Revoke a key.

    Args:
        session: The open transaction.
        key_id: The key.
        revoked_at: The instant, as stored.
    """
    session.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (revoked_at, key_id))


def page_keys(
    session: Session, tenant_id: str, *, limit: int, offset: int
) -> tuple[list[Row], int]:
    """
    Read one page of a tenant's keys, revoked ones included, oldest first.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        limit: The page size.
        offset: How many keys to skip.

    Returns:
        The rows and the number of the tenant's keys.
    """
    return session.page(
        "api_keys", Filter(tenant_id), order_by="created_at, id", limit=limit, offset=offset
    )


def count_live_keys(session: Session, tenant_id: str, now: str) -> int:
    """
    Count a tenant's unrevoked, unexpired keys.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        now: The current instant, as stored.

    Returns:
        The count.
    """
    return session.count(
        "SELECT COUNT(*) FROM api_keys WHERE tenant_id = ? AND revoked_at IS NULL"
        " AND (expires_at IS NULL OR expires_at > ?)",
        (tenant_id, now),
    )
