"""Models of billing plans."""

from __future__ import annotations

from .base import VelerianModel

__all__ = ["Plan"]


class Plan(VelerianModel):
    """
    A billing plan; exactly one is the tenant's ``current`` one.

    Attributes:
        id: The plan's id.
        name: Its name.
        monthly_governed_runs: Governed runs included per month; ``None`` for unlimited.
        evidence_retention_days: How long evidence is kept.
        price_usd_cents: The monthly price in US cents.
        current: Whether it is the tenant's plan.

    .. versionadded:: 0.2.0
    """

    id: str
    name: str
    monthly_governed_runs: int | None = None
    evidence_retention_days: int
    price_usd_cents: int
    current: bool
