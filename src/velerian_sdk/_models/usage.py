"""Models of the tenant usage summary."""

from __future__ import annotations

from pydantic import Field

from .base import Timestamp, VelerianModel

__all__ = ["EvidencePackRow", "GovernedRunCounts", "UsageAdoption", "UsageSummary"]


class GovernedRunCounts(VelerianModel):
    """
    Governed runs in the summary's period.

    Every field is ``None`` when the API leaves it out.

    Attributes:
        total: Invocations and network runs together.
        allowed: ABP invocations with outcome ``allowed``.
        denied: ABP invocations with outcome ``denied``.
        held: ABP invocations with outcome ``held``.
        network_runs: Network runs.

    .. versionadded:: 0.2.0
    """

    total: int | None = None
    allowed: int | None = None
    denied: int | None = None
    held: int | None = None
    network_runs: int | None = None


class EvidencePackRow(VelerianModel):
    """
    One evidence pack, as listed by the usage summary.

    Only ``id`` is always present; every other field is ``None`` (or an empty
    collection) when the API leaves it out.

    Attributes:
        id: The pack's id (``evp_...``).
        chain_scope: The chain it belongs to: ``abp:<abp_id>`` or ``network:<slug>``.
        sequence: Its 1-based position in that chain.
        abp_id: The ABP, or ``None`` for a network run.
        invocation_id: The invocation, or ``None`` for a network run.
        run_id: The network run, or ``None`` for an ABP invocation.
        created_at: When it was recorded.
        chain_hash: Its chain hash.

    .. versionadded:: 0.2.0
    """

    id: str
    chain_scope: str | None = None
    sequence: int | None = None
    abp_id: str | None = None
    invocation_id: str | None = None
    run_id: str | None = None
    created_at: Timestamp | None = None
    chain_hash: str | None = None


class UsageAdoption(VelerianModel):
    """
    How much of the platform the tenant uses.

    Every field is ``None`` when the API leaves it out.

    Attributes:
        active_abps: Deployed ABPs.
        active_api_keys: Keys neither revoked nor expired.

    .. versionadded:: 0.2.0
    """

    active_abps: int | None = None
    active_api_keys: int | None = None


class UsageSummary(VelerianModel):
    """
    The tenant's usage (``TenantUsageSummaryResponse`` in the API).

    ``evidence_packs`` is one page of the period's packs, chosen by the
    ``evidence_limit`` / ``evidence_offset`` arguments of
    :meth:`usage.summary <velerian_sdk.resources.usage.Usage.summary>`;
    ``evidence_total`` says how many there are in all.

    Only ``tenant_id`` and ``as_of`` are always present; every other field is ``None``
    (or an empty collection) when the API leaves it out.

    Attributes:
        tenant_id: The tenant (``ten_...``).
        as_of: When the summary was computed.
        period_start: The start of the period (the calendar month).
        period_end: The end of the period.
        governed_runs: Counts of governed runs.
        evidence_packs: One page of evidence packs.
        evidence_limit: The page size of ``evidence_packs``.
        evidence_offset: How many packs precede that page.
        evidence_total: How many packs the period has.
        adoption: Adoption figures, or ``None``.

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       A pydantic model with nested models; ``evidence_packs`` is a list.
    """

    tenant_id: str
    as_of: Timestamp
    period_start: Timestamp | None = None
    period_end: Timestamp | None = None
    governed_runs: GovernedRunCounts | None = None
    evidence_packs: list[EvidencePackRow] = Field(default_factory=list[EvidencePackRow])
    evidence_limit: int | None = None
    evidence_offset: int | None = None
    evidence_total: int | None = None
    adoption: UsageAdoption | None = None
