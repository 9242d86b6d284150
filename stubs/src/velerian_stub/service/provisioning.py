"""
Creating tenants, users and the seed data a fresh stub database starts with.

The seed runs once, on an empty database. On later starts only the owner key named on
the command line is added (when new), so that the printed ``VELERIAN_API_KEY`` always
works against the restored state.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from velerian_stub.schemas.api_keys import Role
from velerian_stub.service.api_keys import insert_key
from velerian_stub.service.auth import ALL_SCOPES, hash_secret
from velerian_stub.service.clock import format_epoch
from velerian_stub.service.ids import new_id
from velerian_stub.store.database import Session, dump_json
from velerian_stub.store.keys import find_key_revocation_by_hash, insert_user
from velerian_stub.store.tenants import (
    find_setting,
    insert_abp,
    insert_network,
    insert_plan_if_missing,
    insert_setting,
    insert_tenant,
)

__all__ = [
    "CLIENT_ENV_NAMES",
    "NewTenant",
    "SeedInfo",
    "create_tenant",
    "create_user",
    "ensure_seed",
]

CLIENT_ENV_NAMES = (
    "VELERIAN_BASE_URL",
    "VELERIAN_API_KEY",
    "VELERIAN_ABP_ID",
    "VELERIAN_NETWORK_SLUG",
    "VELERIAN_DRAFT_ABP_ID",
)
"""The variables a stub prints at start, in order, for clients to use."""

_log = logging.getLogger("velerian_stub")
_SEED_SETTING = "seed"
_CURRENT_PLAN = "pln_team"
# id, name, monthly governed runs (None = unlimited), retention days, price in cents
_PLANS: tuple[tuple[str, str, int | None, int, int], ...] = (
    ("pln_starter", "Starter", 1_000, 30, 0),
    ("pln_team", "Team", 25_000, 365, 49_900),
    ("pln_enterprise", "Enterprise", None, 2_555, 250_000),
)


@dataclass(frozen=True)
class NewTenant:
    """
    The ids of a tenant just created, and its owner key's secret.

    Attributes:
        tenant_id: The tenant.
        owner_user_id: Its owner.
        api_key_id: The owner's key.
        api_key: That key's secret.
        abp_id: A deployed ABP.
        draft_abp_id: A draft ABP (invoking it is a 409).
        archived_abp_id: An archived ABP.
        network_slug: The tenant's network.
    """

    tenant_id: str
    owner_user_id: str
    api_key_id: str
    api_key: str
    abp_id: str
    draft_abp_id: str
    archived_abp_id: str
    network_slug: str


@dataclass(frozen=True)
class SeedInfo:
    """
    The seeded tenant, as printed by the CLI.

    Attributes:
        api_key: The owner key's secret valid for this start.
        tenant_id: The seeded tenant.
        owner_user_id: Its owner.
        abp_id: The deployed ABP.
        draft_abp_id: The draft ABP.
        archived_abp_id: The archived ABP.
        network_slug: The seeded network.
    """

    api_key: str
    tenant_id: str
    owner_user_id: str
    abp_id: str
    draft_abp_id: str
    archived_abp_id: str
    network_slug: str

    def client_env(self, base_url: str) -> dict[str, str]:
        """
        Give the ``VELERIAN_*`` variables a client of this stub needs.

        Args:
            base_url: The stub's origin.

        Returns:
            The variables named in :data:`CLIENT_ENV_NAMES`, in that order.
        """
        values = (base_url, self.api_key, self.abp_id, self.network_slug, self.draft_abp_id)
        return dict(zip(CLIENT_ENV_NAMES, values, strict=True))


def _insert_abp(
    session: Session, tenant_id: str, *, name: str, description: str, status: str, now: float
) -> str:
    abp_id = new_id("abp_")
    stamp = format_epoch(now)
    insert_abp(
        session,
        abp_id=abp_id,
        tenant_id=tenant_id,
        name=name,
        description=description,
        status=status,
        stamp=stamp,
        deployed_at=stamp if status == "deployed" else None,
    )
    return abp_id


def create_user(
    session: Session,
    *,
    tenant_id: str,
    role: Role,
    scopes: Sequence[str],
    now: float,
    email: str | None = None,
    secret: str | None = None,
) -> tuple[str, str, str]:
    """
    Add a user to a tenant with one API key.

    Args:
        session: The open transaction.
        tenant_id: The user's tenant.
        role: The user's role.
        scopes: The key's scopes.
        now: The current time in Unix seconds.
        email: The user's address; a placeholder when ``None``.
        secret: A chosen key secret; a fresh one when ``None``.

    Returns:
        The user id, the key id and the key secret.
    """
    user_id = new_id("usr_")
    insert_user(
        session,
        user_id=user_id,
        tenant_id=tenant_id,
        email=email or f"{user_id}@stub.velerian.test",
        role=role,
        created_at=format_epoch(now),
    )
    key_id, key_secret = insert_key(
        session,
        tenant_id=tenant_id,
        user_id=user_id,
        name=f"{role} key",
        scopes=scopes,
        now=now,
        secret=secret,
    )
    return user_id, key_id, key_secret


def create_tenant(
    session: Session, *, name: str, network_slug: str, now: float, owner_secret: str | None = None
) -> NewTenant:
    """
    Create a tenant with an owner holding every scope, three ABPs and a network.

    Args:
        session: The open transaction.
        name: The tenant's name.
        network_slug: The slug of its network.
        now: The current time in Unix seconds.
        owner_secret: The owner key's secret; a fresh one when ``None``.

    Returns:
        The new ids and the owner key.
    """
    tenant_id = new_id("ten_")
    insert_tenant(
        session,
        tenant_id=tenant_id,
        name=name,
        plan_id=_CURRENT_PLAN,
        created_at=format_epoch(now),
    )
    user_id, key_id, secret = create_user(
        session,
        tenant_id=tenant_id,
        role="owner",
        scopes=ALL_SCOPES,
        now=now,
        email=f"owner@{network_slug}.stub.velerian.test",
        secret=owner_secret,
    )
    abp_id = _insert_abp(
        session,
        tenant_id,
        name="Claims triage",
        description="Routes incoming claims.",
        status="deployed",
        now=now,
    )
    draft_id = _insert_abp(
        session,
        tenant_id,
        name="Claims summariser",
        description="Not yet deployed.",
        status="draft",
        now=now,
    )
    archived_id = _insert_abp(
        session,
        tenant_id,
        name="Legacy intake",
        description="Retired blueprint.",
        status="archived",
        now=now,
    )
    insert_network(
        session,
        tenant_id=tenant_id,
        slug=network_slug,
        name=network_slug.replace("-", " ").title(),
        created_at=format_epoch(now),
    )
    return NewTenant(
        tenant_id=tenant_id,
        owner_user_id=user_id,
        api_key_id=key_id,
        api_key=secret,
        abp_id=abp_id,
        draft_abp_id=draft_id,
        archived_abp_id=archived_id,
        network_slug=network_slug,
    )


def _ensure_plans(session: Session) -> None:
    for position, (plan_id, name, runs, retention, price) in enumerate(_PLANS):
        insert_plan_if_missing(
            session,
            plan_id=plan_id,
            name=name,
            monthly_governed_runs=runs,
            evidence_retention_days=retention,
            price_usd_cents=price,
            position=position,
        )


def ensure_seed(session: Session, api_key: str | None, now: float) -> SeedInfo:
    """
    Seed an empty database, or make ``api_key`` work on an already seeded one.

    Args:
        session: The open transaction.
        api_key: The owner key to use (``--api-key``); a fresh one is minted when
            ``None``, because the secret of an earlier start is not stored.
        now: The current time in Unix seconds.

    Returns:
        The seeded ids and the owner key valid now.
    """
    stored = find_setting(session, _SEED_SETTING)
    if stored is None:
        _ensure_plans(session)
        tenant = create_tenant(
            session, name="Stub tenant", network_slug="claims-review", now=now, owner_secret=api_key
        )
        info = SeedInfo(
            api_key=tenant.api_key,
            tenant_id=tenant.tenant_id,
            owner_user_id=tenant.owner_user_id,
            abp_id=tenant.abp_id,
            draft_abp_id=tenant.draft_abp_id,
            archived_abp_id=tenant.archived_abp_id,
            network_slug=tenant.network_slug,
        )
        fields = {k: v for k, v in asdict(info).items() if k != "api_key"}
        insert_setting(session, _SEED_SETTING, dump_json(fields))
        return info
    fields = {str(k): str(v) for k, v in json.loads(stored).items()}
    secret = api_key
    known = None
    if secret is not None:
        known = find_key_revocation_by_hash(session, hash_secret(secret))
    if known is not None and known.opt_text("revoked_at") is not None:
        # Never silently resurrect a revoked key; say why the printed key will get 401.
        _log.warning("the --api-key given was revoked in this database; it will get 401")
    if known is None:
        _, secret = insert_key(
            session,
            tenant_id=fields["tenant_id"],
            user_id=fields["owner_user_id"],
            name="owner key (cli)",
            scopes=ALL_SCOPES,
            now=now,
            secret=secret,
        )
    assert secret is not None
    return SeedInfo(api_key=secret, **fields)
