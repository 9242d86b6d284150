"""Models of billing plans."""

from __future__ import annotations

from .base import VelerianModel

__all__ = ["Plan"]


class Plan(VelerianModel):
    """
    A billing plan; exactly one is the tenant's ``current`` one.

    Only ``id`` is always present; every other field is ``None`` (or an empty
    collection) when the API leaves it out.

    .. versionadded:: 0.2.0
    """

    id: str
    """The plan's id."""
    name: str | None = None
    """Its name."""
    monthly_governed_runs: int | None = None
    """Governed runs included per month; ``None`` for unlimited."""
    evidence_retention_days: int | None = None
    """How long evidence is kept."""
    price_usd_cents: int | None = None
    """The monthly price in US cents."""
    current: bool | None = None
    """Whether it is the tenant's plan."""
