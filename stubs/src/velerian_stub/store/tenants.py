"""
The statements on what a tenant is set up with: its row, plans, networks and ABPs.

Tables ``tenants``, ``settings``, ``plans``, ``networks`` and ``abps``. Every function
runs in the caller's transaction.
"""

from __future__ import annotations

from velerian_stub.store.database import Filter, Row, Session

__all__ = [
    "abp_exists",
    "count_deployed_abps",
    "count_plans",
    "find_abp",
    "find_current_plan_id",
    "find_setting",
    "insert_abp",
    "insert_network",
    "insert_plan_if_missing",
    "insert_setting",
    "insert_tenant",
    "network_exists",
    "page_abps",
    "page_plans",
    "tenant_exists",
]


def insert_tenant(
    session: Session, *, tenant_id: str, name: str, plan_id: str, created_at: str
) -> None:
    """
    Add a tenant.

    Args:
        session: The open transaction.
        tenant_id: Its id.
        name: Its name.
        plan_id: Its current plan.
        created_at: The creation instant, as stored.
    """
    session.execute(
        "INSERT INTO tenants (id, name, current_plan_id, created_at) VALUES (?, ?, ?, ?)",
        (tenant_id, name, plan_id, created_at),
    )


def tenant_exists(session: Session, tenant_id: str) -> bool:
    """
    Tell whether a tenant exists.

    Args:
        session: The open transaction.
        tenant_id: The tenant.

    Returns:
        Whether it does.
    """
    return session.one("SELECT id FROM tenants WHERE id = ?", (tenant_id,)) is not None


def find_current_plan_id(session: Session, tenant_id: str) -> str | None:
    """
    Read a tenant's current plan.

    Args:
        session: The open transaction.
        tenant_id: The tenant.

    Returns:
        The plan's id, or ``None`` for an unknown tenant.
    """
    row = session.one("SELECT current_plan_id FROM tenants WHERE id = ?", (tenant_id,))
    return None if row is None else row.text("current_plan_id")


def find_setting(session: Session, key: str) -> str | None:
    """
    Read one value of the ``settings`` table.

    Args:
        session: The open transaction.
        key: The setting's name.

    Returns:
        Its value, or ``None`` when unset.
    """
    row = session.one("SELECT value FROM settings WHERE key = ?", (key,))
    return None if row is None else row.text("value")


def insert_setting(session: Session, key: str, value: str) -> None:
    """
    Set a value of the ``settings`` table that is not set yet.

    Args:
        session: The open transaction.
        key: The setting's name.
        value: Its value.
    """
    session.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (key, value))


def insert_plan_if_missing(
    session: Session,
    *,
    plan_id: str,
    name: str,
    monthly_governed_runs: int | None,
    evidence_retention_days: int,
    price_usd_cents: int,
    position: int,
) -> None:
    """
    Add a plan unless one with its id exists.

    Args:
        session: The open transaction.
        plan_id: Its id.
        name: Its name.
        monthly_governed_runs: Its monthly run allowance; ``None`` for unlimited.
        evidence_retention_days: How long its evidence is kept.
        price_usd_cents: Its monthly price.
        position: Its place in the plan list.
    """
    session.execute(
        "INSERT OR IGNORE INTO plans (id, name, monthly_governed_runs,"
        " evidence_retention_days, price_usd_cents, position) VALUES (?, ?, ?, ?, ?, ?)",
        (plan_id, name, monthly_governed_runs, evidence_retention_days, price_usd_cents, position),
    )


def count_plans(session: Session) -> int:
    """
    Count the plans.

    Args:
        session: The open transaction.

    Returns:
        The count.
    """
    return session.count("SELECT COUNT(*) FROM plans")


def page_plans(session: Session, *, limit: int, offset: int) -> list[Row]:
    """
    Read one page of the plans, in their listed order.

    Args:
        session: The open transaction.
        limit: The page size.
        offset: How many plans to skip.

    Returns:
        The rows.
    """
    return session.all("SELECT * FROM plans ORDER BY position LIMIT ? OFFSET ?", (limit, offset))


def insert_network(
    session: Session, *, tenant_id: str, slug: str, name: str, created_at: str
) -> None:
    """
    Add a network to a tenant.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        slug: The network's slug.
        name: Its name.
        created_at: The creation instant, as stored.
    """
    session.execute(
        "INSERT INTO networks (tenant_id, slug, name, created_at) VALUES (?, ?, ?, ?)",
        (tenant_id, slug, name, created_at),
    )


def network_exists(session: Session, tenant_id: str, slug: str) -> bool:
    """
    Tell whether a tenant has a network.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        slug: The network's slug.

    Returns:
        Whether it does.
    """
    row = session.one(
        "SELECT slug FROM networks WHERE tenant_id = ? AND slug = ?", (tenant_id, slug)
    )
    return row is not None


def insert_abp(
    session: Session,
    *,
    abp_id: str,
    tenant_id: str,
    name: str,
    description: str,
    status: str,
    stamp: str,
    deployed_at: str | None,
) -> None:
    """
    Add an ABP at version 1.

    Args:
        session: The open transaction.
        abp_id: Its id.
        tenant_id: Its tenant.
        name: Its name.
        description: Its description.
        status: ``deployed``, ``draft`` or ``archived``.
        stamp: Its creation and update instant, as stored.
        deployed_at: When it was deployed, as stored; ``None`` when not deployed.
    """
    session.execute(
        "INSERT INTO abps (id, tenant_id, name, description, status, version, created_at,"
        " updated_at, deployed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (abp_id, tenant_id, name, description, status, 1, stamp, stamp, deployed_at),
    )


def find_abp(session: Session, tenant_id: str, abp_id: str) -> Row | None:
    """
    Read one ABP of a tenant.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        abp_id: The ABP.

    Returns:
        The whole row, or ``None``.
    """
    return session.one("SELECT * FROM abps WHERE id = ? AND tenant_id = ?", (abp_id, tenant_id))


def abp_exists(session: Session, tenant_id: str, abp_id: str) -> bool:
    """
    Tell whether a tenant has an ABP.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        abp_id: The ABP.

    Returns:
        Whether it does.
    """
    row = session.one("SELECT id FROM abps WHERE id = ? AND tenant_id = ?", (abp_id, tenant_id))
    return row is not None


def page_abps(
    session: Session, tenant_id: str, status: str | None, *, limit: int, offset: int
) -> tuple[list[Row], int]:
    """
    Read one page of a tenant's ABPs, oldest first.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        status: Only ABPs in this status; ``None`` for all.
        limit: The page size.
        offset: How many ABPs to skip.

    Returns:
        The rows and the number of matching ABPs.
    """
    return session.page(
        "abps",
        Filter(tenant_id).equals("status", status),
        order_by="created_at, id",
        limit=limit,
        offset=offset,
    )


def count_deployed_abps(session: Session, tenant_id: str) -> int:
    """
    Count a tenant's deployed ABPs.

    Args:
        session: The open transaction.
        tenant_id: The tenant.

    Returns:
        The count.
    """
    return session.count(
        "SELECT COUNT(*) FROM abps WHERE tenant_id = ? AND status = 'deployed'", (tenant_id,)
    )
