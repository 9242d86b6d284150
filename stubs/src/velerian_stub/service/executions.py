"""
The stub's own record of executed mutations, so tests can prove "no double execution".

Every mutating handler records one row when it really runs; an idempotent replay does
not reach a handler and so records nothing.
"""

from __future__ import annotations

from velerian_stub.schemas.admin import Execution, ExecutionPage
from velerian_stub.service.actor import Actor
from velerian_stub.service.clock import format_epoch
from velerian_stub.store.database import Session
from velerian_stub.store.ledgers import insert_execution, page_executions

__all__ = ["list_executions", "record_execution"]


def record_execution(session: Session, actor: Actor, resource_id: str, now: float) -> None:
    """
    Record that a mutating request was executed.

    Args:
        session: The open transaction of the mutation itself.
        actor: The caller, with the request id and idempotency key.
        resource_id: The id of the resource created or changed.
        now: The current time in Unix seconds.
    """
    insert_execution(
        session,
        tenant_id=actor.tenant_id,
        api_key_id=actor.principal.api_key_id,
        created_at=format_epoch(now),
        method=actor.method,
        route=actor.route,
        resource_id=resource_id,
        idempotency_key=actor.idempotency_key,
        request_id=actor.request_id,
    )


def list_executions(
    session: Session,
    tenant_id: str,
    *,
    idempotency_key: str | None,
    limit: int,
    offset: int,
) -> ExecutionPage:
    """
    List a tenant's executions, oldest first.

    Args:
        session: The open transaction.
        tenant_id: Whose executions.
        idempotency_key: Only those sent with this key, when given.
        limit: The page size.
        offset: How many rows to skip.

    Returns:
        The page.
    """
    rows, total = page_executions(session, tenant_id, idempotency_key, limit=limit, offset=offset)
    items = [
        Execution(
            seq=row.integer("seq"),
            created_at=row.text("created_at"),
            method=row.text("method"),
            route=row.text("route"),
            resource_id=row.text("resource_id"),
            idempotency_key=row.opt_text("idempotency_key"),
            request_id=row.text("request_id"),
            api_key_id=row.text("api_key_id"),
        )
        for row in rows
    ]
    return ExecutionPage(items=items, limit=limit, offset=offset, total=total)
