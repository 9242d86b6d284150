"""Models of the tenant usage summary."""

from __future__ import annotations

from pydantic import Field

from .base import Timestamp, VelerianModel

__all__ = ["EvidencePackRow", "GovernedRunCounts", "UsageAdoption", "UsageSummary"]


class GovernedRunCounts(VelerianModel):
    """
    Governed runs in the summary's period.

    Every field is ``None`` when the API leaves it out.

    .. versionadded:: 0.2.0
    """

    total: int | None = None
    """Invocations and network runs together."""
    allowed: int | None = None
    """ABP invocations with outcome ``allowed``."""
    denied: int | None = None
    """ABP invocations with outcome ``denied``."""
    held: int | None = None
    """ABP invocations with outcome ``held``."""
    network_runs: int | None = None
    """Network runs."""


class EvidencePackRow(VelerianModel):
    """
    One evidence pack, as listed by the usage summary.

    Only ``id`` is always present; every other field is ``None`` (or an empty
    collection) when the API leaves it out.

    .. versionadded:: 0.2.0
    """

    id: str
    """The pack's id (``evp_...``)."""
    chain_scope: str | None = None
    """The chain it belongs to: ``abp:<abp_id>`` or ``network:<slug>``."""
    sequence: int | None = None
    """Its 1-based position in that chain."""
    abp_id: str | None = None
    """The ABP, or ``None`` for a network run."""
    invocation_id: str | None = None
    """The invocation, or ``None`` for a network run."""
    run_id: str | None = None
    """The network run, or ``None`` for an ABP invocation."""
    created_at: Timestamp | None = None
    """When it was recorded."""
    chain_hash: str | None = None
    """Its chain hash."""


class UsageAdoption(VelerianModel):
    """
    How much of the platform the tenant uses.

    Every field is ``None`` when the API leaves it out.

    .. versionadded:: 0.2.0
    """

    active_abps: int | None = None
    """Deployed ABPs."""
    active_api_keys: int | None = None
    """Keys neither revoked nor expired."""


class UsageSummary(VelerianModel):
    """
    The tenant's usage (``TenantUsageSummaryResponse`` in the API).

    ``evidence_packs`` is one page of the period's packs, chosen by the
    ``evidence_limit`` / ``evidence_offset`` arguments of
    :meth:`usage.summary <velerian_sdk._async.usage.Usage.summary>`;
    ``evidence_total`` says how many there are in all.

    Only ``tenant_id`` and ``as_of`` are always present; every other field is ``None``
    (or an empty collection) when the API leaves it out.

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       A pydantic model with nested models; ``evidence_packs`` is a list.
    """

    tenant_id: str
    """The tenant (``ten_...``)."""
    as_of: Timestamp
    """When the summary was computed."""
    period_start: Timestamp | None = None
    """The start of the period (the calendar month)."""
    period_end: Timestamp | None = None
    """The end of the period."""
    governed_runs: GovernedRunCounts | None = None
    """Counts of governed runs."""
    evidence_packs: list[EvidencePackRow] = Field(default_factory=list[EvidencePackRow])
    """One page of evidence packs."""
    evidence_limit: int | None = None
    """The page size of ``evidence_packs``."""
    evidence_offset: int | None = None
    """How many packs precede that page."""
    evidence_total: int | None = None
    """How many packs the period has."""
    adoption: UsageAdoption | None = None
    """Adoption figures, or ``None``."""
