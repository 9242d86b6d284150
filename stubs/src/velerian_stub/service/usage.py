"""The tenant usage summary and the plan list: read-only views over the stored activity."""

from __future__ import annotations

from velerian_stub.schemas.evidence import (
    Adoption,
    GovernedRunCounts,
    TenantUsageSummaryResponse,
)
from velerian_stub.schemas.plans import Plan, PlanPage
from velerian_stub.service.clock import format_epoch, month_bounds
from velerian_stub.service.context import StubContext
from velerian_stub.service.evidence import list_pack_rows
from velerian_stub.service.runs import finish_due_runs
from velerian_stub.store.database import Session
from velerian_stub.store.invocations import count_invocations_by_outcome
from velerian_stub.store.keys import count_live_keys
from velerian_stub.store.runs import count_runs_in_period
from velerian_stub.store.tenants import (
    count_deployed_abps,
    count_plans,
    find_current_plan_id,
    page_plans,
)

__all__ = ["list_plans", "usage_summary"]


def usage_summary(
    ctx: StubContext, session: Session, tenant_id: str, evidence_limit: int, evidence_offset: int
) -> TenantUsageSummaryResponse:
    """
    Summarise a tenant's governed runs this month and list a page of its evidence packs.

    Args:
        ctx: The stub's context.
        session: The open transaction.
        tenant_id: The tenant.
        evidence_limit: The size of the evidence page.
        evidence_offset: How many packs to skip.

    Returns:
        The summary.
    """
    now = ctx.now()
    # Finish every due run first, so its evidence pack is listed.
    finish_due_runs(ctx, session, tenant_id, now)
    period_start, period_end = month_bounds(now)
    by_outcome = count_invocations_by_outcome(session, tenant_id, period_start, period_end)
    network_runs = count_runs_in_period(session, tenant_id, period_start, period_end)
    packs, pack_total = list_pack_rows(session, tenant_id, evidence_limit, evidence_offset)
    active_keys = count_live_keys(session, tenant_id, format_epoch(now))
    active_abps = count_deployed_abps(session, tenant_id)
    counts = GovernedRunCounts(
        total=sum(by_outcome.values()) + network_runs,
        allowed=by_outcome.get("allowed", 0),
        denied=by_outcome.get("denied", 0),
        held=by_outcome.get("held", 0),
        network_runs=network_runs,
    )
    return TenantUsageSummaryResponse(
        tenant_id=tenant_id,
        as_of=format_epoch(now),
        period_start=period_start,
        period_end=period_end,
        governed_runs=counts,
        evidence_packs=packs,
        evidence_limit=evidence_limit,
        evidence_offset=evidence_offset,
        evidence_total=pack_total,
        adoption=Adoption(active_abps=active_abps, active_api_keys=active_keys),
    )


def list_plans(session: Session, tenant_id: str, limit: int, offset: int) -> PlanPage:
    """
    List the plans, cheapest first, marking the tenant's current one.

    Args:
        session: The open transaction.
        tenant_id: The tenant whose plan is ``current``.
        limit: The page size.
        offset: How many to skip.

    Returns:
        The page.
    """
    current = find_current_plan_id(session, tenant_id)
    total = count_plans(session)
    rows = page_plans(session, limit=limit, offset=offset)
    items = [
        Plan(
            id=row.text("id"),
            name=row.text("name"),
            monthly_governed_runs=row.opt_integer("monthly_governed_runs"),
            evidence_retention_days=row.integer("evidence_retention_days"),
            price_usd_cents=row.integer("price_usd_cents"),
            current=row.text("id") == current,
        )
        for row in rows
    ]
    return PlanPage(items=items, limit=limit, offset=offset, total=total)
