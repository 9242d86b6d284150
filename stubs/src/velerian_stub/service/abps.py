"""Agent blueprints: reading them, and their governed invocations."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import JsonValue

from velerian_stub.schemas.abps import (
    Abp,
    AbpPage,
    AbpStatus,
    AggregatedCondition,
    InvokeOutput,
    InvokeResponse,
)
from velerian_stub.service.actor import Actor
from velerian_stub.service.audit import write_entry
from velerian_stub.service.clock import format_epoch
from velerian_stub.service.errors import conflict, not_found
from velerian_stub.service.evidence import append_pack
from velerian_stub.service.executions import record_execution
from velerian_stub.service.governance import evaluate
from velerian_stub.service.ids import new_id
from velerian_stub.store.database import Row, Session
from velerian_stub.store.invocations import insert_invocation, insert_pending_approval
from velerian_stub.store.tenants import find_abp, page_abps

__all__ = ["get_abp", "invoke_abp", "list_abps"]


def _abp_model(row: Row) -> Abp:
    status = row.text("status")
    return Abp(
        id=row.text("id"),
        name=row.text("name"),
        description=row.opt_text("description"),
        status="deployed" if status == "deployed" else "draft" if status == "draft" else "archived",
        version=row.integer("version"),
        created_at=row.text("created_at"),
        updated_at=row.text("updated_at"),
        deployed_at=row.opt_text("deployed_at"),
    )


def _abp_row(session: Session, tenant_id: str, abp_id: str) -> Row:
    row = find_abp(session, tenant_id, abp_id)
    if row is None:
        raise not_found("ABP", abp_id)
    return row


def list_abps(
    session: Session, tenant_id: str, status: AbpStatus | None, limit: int, offset: int
) -> AbpPage:
    """
    List a tenant's ABPs, oldest first.

    Args:
        session: The open transaction.
        tenant_id: Whose ABPs.
        status: Only ABPs in this status, when given.
        limit: The page size.
        offset: How many to skip.

    Returns:
        The page.
    """
    rows, total = page_abps(session, tenant_id, status, limit=limit, offset=offset)
    return AbpPage(items=[_abp_model(r) for r in rows], limit=limit, offset=offset, total=total)


def get_abp(session: Session, tenant_id: str, abp_id: str) -> Abp:
    """
    Read one ABP of a tenant.

    Args:
        session: The open transaction.
        tenant_id: The caller's tenant.
        abp_id: The ABP.

    Returns:
        The ABP.

    Raises:
        ApiError: 404 when it is not in the tenant.
    """
    return _abp_model(_abp_row(session, tenant_id, abp_id))


def invoke_abp(
    session: Session, actor: Actor, abp_id: str, payload: dict[str, JsonValue], now: float
) -> InvokeResponse:
    """
    Govern one invocation: verdict, evidence pack, approval when held, audit entry.

    Args:
        session: The open transaction; everything the invocation writes commits together.
        actor: The caller.
        abp_id: The ABP to invoke.
        payload: The input.
        now: The current time in Unix seconds.

    Returns:
        The governed result.

    Raises:
        ApiError: 404 for an unknown ABP, 409 unless it is ``deployed``.
    """
    abp = _abp_row(session, actor.tenant_id, abp_id)
    if abp.text("status") != "deployed":
        raise conflict(f"ABP {abp_id} is {abp.text('status')}, not deployed; it cannot be invoked")
    payload_text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    verdict = evaluate(payload_text)
    invocation_id = new_id("inv_")
    output_text = f"Stub output of {abp.text('name')!r} for {len(payload)} payload field(s)."
    pack = append_pack(
        session,
        tenant_id=actor.tenant_id,
        chain_scope=f"abp:{abp_id}",
        verdict=verdict,
        input_text=payload_text,
        output_text=output_text,
        now=now,
        abp_id=abp_id,
        invocation_id=invocation_id,
    )
    pack_id = pack.id
    approval_id = None
    if verdict.requires_human:
        approval_id = new_id("apr_")
        insert_pending_approval(
            session,
            approval_id=approval_id,
            tenant_id=actor.tenant_id,
            abp_id=abp_id,
            invocation_id=invocation_id,
            reason="; ".join(verdict.reasons),
            created_at=format_epoch(now),
        )
    insert_invocation(
        session,
        invocation_id=invocation_id,
        tenant_id=actor.tenant_id,
        abp_id=abp_id,
        outcome=verdict.outcome,
        evidence_pack_id=pack_id,
        created_at=format_epoch(now),
    )
    write_entry(
        session,
        actor,
        action="abp.invoke",
        resource_kind="invocation",
        resource_id=invocation_id,
        now=now,
        metadata={"abp_id": abp_id, "outcome": verdict.outcome, "evidence_pack_id": pack_id},
    )
    record_execution(session, actor, invocation_id, now)
    outcome: Literal["allowed", "denied", "held"] = "allowed"
    if verdict.outcome != "allowed":
        outcome = "held" if verdict.requires_human else "denied"
    return InvokeResponse(
        invocation_id=invocation_id,
        outcome=outcome,
        is_allowed=verdict.is_allowed,
        requires_human=verdict.requires_human,
        withheld=verdict.withheld,
        constraint_count=len(verdict.conditions),
        aggregated_conditions=[
            AggregatedCondition(constraint=c.constraint, result=c.result, message=c.message)
            for c in verdict.conditions
        ],
        output=None if verdict.withheld else InvokeOutput(text=output_text),
        approval_id=approval_id,
        evidence_pack_id=pack_id,
        evidence_pack_s3_key=pack.s3_key,
        evidence_pack_chain_hash=pack.chain_hash,
        model_error=None,
    )
