"""Models of billing plans."""

from __future__ import annotations

from velerian_stub.schemas.common import ApiModel, Page

__all__ = ["Plan", "PlanPage"]


class Plan(ApiModel):
    """A plan; exactly one is the tenant's ``current`` one."""

    CONTRACT_REQUIRED = frozenset({"id"})

    id: str
    name: str
    monthly_governed_runs: int | None
    evidence_retention_days: int
    price_usd_cents: int
    current: bool


class PlanPage(Page[Plan]):
    """A page of plans."""
