"""Models of evidence packs, evidence exports and the usage summary."""

from __future__ import annotations

from typing import Literal

from velerian_stub.schemas.abps import AggregatedCondition
from velerian_stub.schemas.common import ApiModel, Timestamp

__all__ = [
    "Adoption",
    "EvidenceExport",
    "EvidencePack",
    "EvidencePackRow",
    "EvidenceVerdict",
    "ExportDelivery",
    "ExportFormat",
    "ExportResponse",
    "GovernedRunCounts",
    "TenantUsageSummaryResponse",
]

ExportFormat = Literal["json", "jsonl"]
ExportDelivery = Literal["presigned", "stream"]


class ExportResponse(ApiModel):
    """
    Where to download an evidence export.

    ``presigned``: ``download_url`` is a time-limited storage link, fetched WITHOUT the
    API key. ``stream``: it is ``/api/v2/exports/{export_id}/content``, fetched WITH it.
    An answer without ``delivery`` means ``presigned`` (as 0.1.2 reads it), so a sparse
    answer keeps ``delivery`` when it is ``stream``.
    """

    CONTRACT_REQUIRED = frozenset(
        {"export_id", "artifact_kind", "format", "s3_key", "download_url", "expires_at"}
    )

    export_id: str
    artifact_kind: Literal["invocation_evidence", "evidence_package"]
    format: ExportFormat
    s3_key: str
    download_url: str
    expires_at: Timestamp
    delivery: ExportDelivery = "presigned"
    size_bytes: int | None
    sha256: str | None


class EvidenceVerdict(ApiModel):
    """The governance verdict recorded in a pack."""

    outcome: Literal["allowed", "denied", "held", "failed"]
    is_allowed: bool
    requires_human: bool
    withheld: bool


class EvidencePack(ApiModel):
    r"""
    One evidence pack, as found in an export file; chained within its ``chain_scope``.

    ``chain_hash = sha256(prev_chain_hash + "\n" + canonical(pack))`` where
    ``canonical`` is the pack's JSON without ``chain_hash``, keys sorted, separators
    ``,`` and ``:``, no ASCII escaping (docs/api/decisions.md).
    """

    id: str
    chain_scope: str
    sequence: int
    prev_chain_hash: str
    chain_hash: str
    tenant_id: str
    abp_id: str | None
    invocation_id: str | None
    run_id: str | None
    created_at: Timestamp
    verdict: EvidenceVerdict
    input_sha256: str
    output_sha256: str | None
    conditions: list[AggregatedCondition]
    model_id: str


class EvidenceExport(ApiModel):
    """The ``format=json`` export file: packs in chain order."""

    format: Literal["velerian.evidence.v1"]
    packs: list[EvidencePack]


class EvidencePackRow(ApiModel):
    """An evidence pack as listed by the usage summary."""

    CONTRACT_REQUIRED = frozenset({"id"})

    id: str
    chain_scope: str
    sequence: int
    abp_id: str | None
    invocation_id: str | None
    run_id: str | None
    created_at: Timestamp
    chain_hash: str


class GovernedRunCounts(ApiModel):
    """
    Governed runs in the period.

    ``allowed``, ``denied`` and ``held`` count ABP invocations by outcome,
    ``network_runs`` counts network runs, and ``total`` counts both.
    """

    CONTRACT_REQUIRED = frozenset[str]()

    total: int
    allowed: int
    denied: int
    held: int
    network_runs: int


class Adoption(ApiModel):
    """How much of the platform the tenant uses."""

    CONTRACT_REQUIRED = frozenset[str]()

    active_abps: int
    active_api_keys: int


class TenantUsageSummaryResponse(ApiModel):
    """The tenant's usage in the current calendar month, with a page of evidence packs."""

    CONTRACT_REQUIRED = frozenset({"tenant_id", "as_of"})

    tenant_id: str
    as_of: Timestamp
    period_start: Timestamp
    period_end: Timestamp
    governed_runs: GovernedRunCounts
    evidence_packs: list[EvidencePackRow]
    evidence_limit: int
    evidence_offset: int
    evidence_total: int
    adoption: Adoption | None
