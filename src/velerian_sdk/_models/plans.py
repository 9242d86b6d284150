"""Models of billing plans."""

from __future__ import annotations

from .base import VelerianModel

__all__ = ["Plan"]


class Plan(VelerianModel):
    """
    A billing plan; exactly one is the tenant's ``current`` one.

    Only ``id`` is always present; every other field is ``None`` (or an empty
    collection) when the API leaves it out.

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
    name: str | None = None
    monthly_governed_runs: int | None = None
    evidence_retention_days: int | None = None
    price_usd_cents: int | None = None
    current: bool | None = None
