"""API key management: mint (secret shown once), list without secrets, revoke."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from velerian_stub.schemas.api_keys import ApiKey, ApiKeyPage, CreatedApiKey, Scope
from velerian_stub.service.actor import Actor
from velerian_stub.service.audit import write_entry
from velerian_stub.service.auth import ALL_SCOPES, AuthError, hash_secret
from velerian_stub.service.clock import epoch_of, format_epoch, format_instant
from velerian_stub.service.errors import not_found, unprocessable
from velerian_stub.service.executions import record_execution
from velerian_stub.service.ids import API_KEY_PREFIX, new_api_key_secret, new_id
from velerian_stub.store.database import Row, Session, dump_json
from velerian_stub.store.keys import (
    find_key,
    find_key_revocation,
    insert_api_key,
    page_keys,
    set_key_revoked,
)

__all__ = ["insert_key", "list_keys", "mint_key", "revoke_key"]


def insert_key(
    session: Session,
    *,
    tenant_id: str,
    user_id: str,
    name: str,
    scopes: Sequence[str],
    now: float,
    expires_at: str | None = None,
    secret: str | None = None,
) -> tuple[str, str]:
    """
    Store a new key; only the SHA-256 of its secret is kept.

    Args:
        session: The open transaction.
        tenant_id: The key's tenant.
        user_id: The user the key acts as.
        name: A label for people.
        scopes: The key's scopes.
        now: The current time in Unix seconds.
        expires_at: When the key stops working, if ever.
        secret: A chosen secret (the CLI's ``--api-key``); a fresh one when ``None``.

    Returns:
        The key's id and its secret.
    """
    secret = secret or new_api_key_secret()
    key_id = new_id("key_")
    ordered = [scope for scope in ALL_SCOPES if scope in set(scopes)]
    insert_api_key(
        session,
        key_id=key_id,
        tenant_id=tenant_id,
        user_id=user_id,
        name=name,
        key_hash=hash_secret(secret),
        last_four=secret[-4:],
        scopes_json=dump_json(ordered),
        created_at=format_epoch(now),
        expires_at=expires_at,
    )
    return key_id, secret


def _scopes_of(row: Row) -> list[Scope]:
    stored = set(row.string_list("scopes"))
    return [scope for scope in ALL_SCOPES if scope in stored]


def _key_model(row: Row) -> ApiKey:
    return ApiKey(
        id=row.text("id"),
        name=row.text("name"),
        prefix=API_KEY_PREFIX,
        last_four=row.text("last_four"),
        scopes=_scopes_of(row),
        created_at=row.text("created_at"),
        last_used_at=row.opt_text("last_used_at"),
        expires_at=row.opt_text("expires_at"),
        revoked_at=row.opt_text("revoked_at"),
    )


def mint_key(
    session: Session,
    actor: Actor,
    *,
    name: str,
    scopes: Sequence[Scope],
    expires_at: datetime | None,
    now: float,
) -> CreatedApiKey:
    """
    Mint a key for the caller's own user, never more powerful than the caller's key.

    The new key's scopes are within the minting key's effective scopes (``read`` and
    ``write`` expanded), and it expires no later than the minting key: when the minting
    key expires and the request names no expiry, the new key inherits the minting key's
    (see ``docs/api/decisions.md``).

    Args:
        session: The open transaction.
        actor: The caller; needs ``write`` and an owner or admin role (checked by route).
        name: The new key's label.
        scopes: The scopes asked for.
        expires_at: When the new key expires; must be in the future and not after the
            minting key's expiry. A naive instant is UTC.
        now: The current time in Unix seconds.

    Returns:
        The key, with its secret shown this once.

    Raises:
        AuthError: 403 naming the scopes beyond the caller's effective scopes.
        ApiError: 422 when ``expires_at`` is not in the future or is after the minting
            key's own expiry.
    """
    refused = [
        scope for scope in ALL_SCOPES if scope in scopes and scope not in actor.principal.effective
    ]
    if refused:
        raise AuthError(
            403, "cannot grant scopes beyond the minting key's own: " + ", ".join(refused)
        )
    ceiling = actor.principal.key_expires_at
    expiry = ceiling
    if expires_at is not None:
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=timezone.utc)
        if expires_at.timestamp() <= now:
            raise unprocessable(
                ["body", "expires_at"], "expires_at must be in the future", "value_error"
            )
        if ceiling is not None and expires_at.timestamp() > epoch_of(ceiling):
            raise unprocessable(
                ["body", "expires_at"],
                f"expires_at must not be after the minting key's own expiry, {ceiling}:"
                " a minted key never outlives the key that minted it",
                "value_error",
            )
        expiry = format_instant(expires_at)
    key_id, secret = insert_key(
        session,
        tenant_id=actor.tenant_id,
        user_id=actor.principal.user_id,
        name=name,
        scopes=scopes,
        now=now,
        expires_at=expiry,
    )
    write_entry(
        session,
        actor,
        action="api_key.create",
        resource_kind="api_key",
        resource_id=key_id,
        now=now,
        metadata={"name": name, "scopes": list(scopes)},
    )
    record_execution(session, actor, key_id, now)
    row = find_key(session, key_id)
    assert row is not None
    # Field values, not a dump: a dump follows the response mode (sparse drops fields).
    return CreatedApiKey(**dict(_key_model(row)), secret=secret)


def list_keys(session: Session, tenant_id: str, limit: int, offset: int) -> ApiKeyPage:
    """
    List a tenant's keys, revoked ones included, oldest first.

    Args:
        session: The open transaction.
        tenant_id: Whose keys.
        limit: The page size.
        offset: How many keys to skip.

    Returns:
        The page, without secrets.
    """
    rows, total = page_keys(session, tenant_id, limit=limit, offset=offset)
    return ApiKeyPage(items=[_key_model(r) for r in rows], limit=limit, offset=offset, total=total)


def revoke_key(session: Session, actor: Actor, key_id: str, now: float) -> None:
    """
    Revoke a key of the caller's tenant; revoking a revoked key changes nothing.

    Args:
        session: The open transaction.
        actor: The caller.
        key_id: The key to revoke.
        now: The current time in Unix seconds.

    Raises:
        ApiError: 404 when the key is not in the caller's tenant.
    """
    row = find_key_revocation(session, actor.tenant_id, key_id)
    if row is None:
        raise not_found("API key", key_id)
    if row.opt_text("revoked_at") is not None:
        return
    set_key_revoked(session, key_id, format_epoch(now))
    write_entry(
        session,
        actor,
        action="api_key.revoke",
        resource_kind="api_key",
        resource_id=key_id,
        now=now,
    )
    record_execution(session, actor, key_id, now)
