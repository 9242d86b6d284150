"""
The statements on the append-only ledgers: evidence packs, the audit log, executions.

Tables ``evidence_packs``, ``audit_log`` and ``executions``: rows are only ever added
and read. Every function runs in the caller's transaction.
"""

from __future__ import annotations

from velerian_stub.store.database import Filter, Row, Session

__all__ = [
    "find_chain_tail",
    "insert_audit_entry",
    "insert_evidence_pack",
    "insert_execution",
    "list_pack_bodies_by_ids",
    "list_pack_bodies_since",
    "page_audit_entries",
    "page_evidence_packs",
    "page_executions",
]


def find_chain_tail(session: Session, tenant_id: str, chain_scope: str) -> Row | None:
    """
    Read the last pack of one evidence chain.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        chain_scope: The chain.

    Returns:
        Its ``sequence`` and ``chain_hash``, or ``None`` for an empty chain.
    """
    return session.one(
        "SELECT sequence, chain_hash FROM evidence_packs WHERE tenant_id = ? AND chain_scope = ?"
        " ORDER BY sequence DESC LIMIT 1",
        (tenant_id, chain_scope),
    )


def insert_evidence_pack(
    session: Session,
    *,
    pack_id: str,
    tenant_id: str,
    chain_scope: str,
    sequence: int,
    chain_hash: str,
    abp_id: str | None,
    invocation_id: str | None,
    run_id: str | None,
    created_at: str,
    body_json: str,
) -> None:
    """
    Append a pack to its chain.

    Args:
        session: The open transaction.
        pack_id: Its id.
        tenant_id: The tenant.
        chain_scope: The chain.
        sequence: Its place in the chain.
        chain_hash: Its chain hash.
        abp_id: The ABP it records, if any.
        invocation_id: The invocation it records, if any.
        run_id: The run it records, if any.
        created_at: The instant, as stored.
        body_json: The whole pack, as JSON text.
    """
    session.execute(
        "INSERT INTO evidence_packs (id, tenant_id, chain_scope, sequence, chain_hash, abp_id,"
        " invocation_id, run_id, created_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            pack_id,
            tenant_id,
            chain_scope,
            sequence,
            chain_hash,
            abp_id,
            invocation_id,
            run_id,
            created_at,
            body_json,
        ),
    )


def list_pack_bodies_since(
    session: Session, tenant_id: str, chain_scope: str, since: str
) -> list[Row]:
    """
    Read the packs of one chain created since an instant, in chain order.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        chain_scope: The chain.
        since: The first instant, as stored.

    Returns:
        Rows holding ``body``.
    """
    return session.all(
        "SELECT body FROM evidence_packs WHERE tenant_id = ? AND chain_scope = ?"
        " AND created_at >= ? ORDER BY sequence",
        (tenant_id, chain_scope, since),
    )


def list_pack_bodies_by_ids(session: Session, tenant_id: str, pack_ids: list[str]) -> list[Row]:
    """
    Read specific packs of a tenant, in chain order.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        pack_ids: The packs.

    Returns:
        Rows holding ``body``; unknown ids are skipped.
    """
    marks = ", ".join("?" for _ in pack_ids)
    return session.all(
        # Only placeholders are interpolated.
        f"SELECT body FROM evidence_packs WHERE tenant_id = ? AND id IN ({marks})"  # noqa: S608
        " ORDER BY chain_scope, sequence",
        [tenant_id, *pack_ids],
    )


def page_evidence_packs(
    session: Session, tenant_id: str, *, limit: int, offset: int
) -> tuple[list[Row], int]:
    """
    Read one page of a tenant's packs, oldest first.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        limit: The page size.
        offset: How many packs to skip.

    Returns:
        The rows and the number of the tenant's packs.
    """
    return session.page(
        "evidence_packs",
        Filter(tenant_id),
        order_by="created_at, chain_scope, sequence",
        limit=limit,
        offset=offset,
    )


def insert_audit_entry(
    session: Session,
    *,
    entry_id: str,
    tenant_id: str,
    created_at: str,
    action: str,
    actor_user_id: str,
    actor_api_key_id: str,
    resource_kind: str,
    resource_id: str,
    metadata_json: str,
    request_id: str | None,
    traceparent: str | None = None,
) -> None:
    """
    Append an entry to the audit log.

    Args:
        session: The open transaction.
        entry_id: Its id.
        tenant_id: The tenant.
        created_at: The instant, as stored.
        action: What was done.
        actor_user_id: The acting user.
        actor_api_key_id: The key they acted with.
        resource_kind: The kind of what it was done to.
        resource_id: Its id.
        metadata_json: Details, as a JSON object.
        request_id: The request's id, if it had one.
        traceparent: The request's W3C ``traceparent``, if it sent a valid one.
    """
    session.execute(
        "INSERT INTO audit_log (id, tenant_id, created_at, action, actor_user_id,"
        " actor_api_key_id, resource_kind, resource_id, metadata, request_id, traceparent)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            entry_id,
            tenant_id,
            created_at,
            action,
            actor_user_id,
            actor_api_key_id,
            resource_kind,
            resource_id,
            metadata_json,
            request_id,
            traceparent,
        ),
    )


def page_audit_entries(
    session: Session,
    tenant_id: str,
    *,
    action: str | None,
    resource_kind: str | None,
    resource_id: str | None,
    actor_user_id: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """
    Read one page of a tenant's audit log, oldest first; each ``None`` filter means "any".

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        action: Exact action name.
        resource_kind: Exact resource kind.
        resource_id: Exact resource id.
        actor_user_id: Exact acting user.
        since: Entries at or after this instant, as stored.
        until: Entries strictly before this instant, as stored.
        limit: The page size.
        offset: How many matching entries to skip.

    Returns:
        The rows and the number of matching entries.
    """
    query = (
        Filter(tenant_id)
        .equals("action", action)
        .equals("resource_kind", resource_kind)
        .equals("resource_id", resource_id)
        .equals("actor_user_id", actor_user_id)
    )
    if since is not None:
        query.where("created_at >= ?", since)
    if until is not None:
        query.where("created_at < ?", until)
    return session.page("audit_log", query, order_by="seq", limit=limit, offset=offset)


def insert_execution(
    session: Session,
    *,
    tenant_id: str,
    api_key_id: str,
    created_at: str,
    method: str,
    route: str,
    resource_id: str,
    idempotency_key: str | None,
    request_id: str,
) -> None:
    """
    Append a row to the execution log (what a request's work created).

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        api_key_id: The calling key.
        created_at: The instant, as stored.
        method: The request's method.
        route: Its route template.
        resource_id: What its work created or changed.
        idempotency_key: Its ``Idempotency-Key``, if any.
        request_id: Its request id.
    """
    session.execute(
        "INSERT INTO executions (tenant_id, api_key_id, created_at, method, route,"
        " resource_id, idempotency_key, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            tenant_id,
            api_key_id,
            created_at,
            method,
            route,
            resource_id,
            idempotency_key,
            request_id,
        ),
    )


def page_executions(
    session: Session, tenant_id: str, idempotency_key: str | None, *, limit: int, offset: int
) -> tuple[list[Row], int]:
    """
    Read one page of a tenant's execution log, oldest first.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        idempotency_key: Only rows with this key; ``None`` for all.
        limit: The page size.
        offset: How many rows to skip.

    Returns:
        The rows and the number of matching rows.
    """
    return session.page(
        "executions",
        Filter(tenant_id).equals("idempotency_key", idempotency_key),
        order_by="seq",
        limit=limit,
        offset=offset,
    )
