"""The models' field types, helpers and the typed errors, as the type checkers see them."""

from __future__ import annotations

import datetime as dt

from pydantic import SecretStr
from typing_extensions import assert_type

from velerian_sdk import (
    Abp,
    AbpStatus,
    AggregatedCondition,
    ApprovalStatus,
    Attachment,
    AttachmentStatus,
    AuditAction,
    ConditionResult,
    CreatedApiKey,
    EvidenceExport,
    EvidencePackRow,
    ExportDelivery,
    GovernedRunCounts,
    InvokeOutcome,
    InvokeResult,
    JSONObject,
    Run,
    RunStatus,
    UsageAdoption,
    UsageSummary,
    VelerianPaginationError,
    VelerianRunTimeoutError,
)


def check_fields(
    abp: Abp,
    result: InvokeResult,
    export: EvidenceExport,
    run: Run,
    summary: UsageSummary,
    key: CreatedApiKey,
    attachment: Attachment,
) -> None:
    assert_type(abp.status, AbpStatus)
    assert_type(abp.deployed_at, dt.datetime | None)
    assert_type(abp.version, int | None)
    assert_type(abp.created_at, dt.datetime | None)
    assert_type(result.outcome, InvokeOutcome)
    assert_type(result.aggregated_conditions, list[AggregatedCondition])
    assert_type(result.aggregated_conditions[0].result, ConditionResult | None)
    assert_type(result.output, JSONObject | None)
    assert_type(export.expires_at, dt.datetime)
    assert_type(export.delivery, ExportDelivery)
    assert_type(export.size_bytes, int | None)
    assert_type(run.status, RunStatus)
    assert_type(run.id, str)
    assert_type(run.network_slug, str | None)
    assert_type(run.prompt_text, str | None)
    assert_type(run.created_at, dt.datetime | None)
    assert_type(run.governance_reasons, list[str])
    assert_type(run.metadata, JSONObject)
    assert_type(run.governance_pass, bool | None)
    assert_type(run.poll_after_s, float | None)
    assert_type(run.is_terminal, bool)
    assert_type(summary.governed_runs, GovernedRunCounts | None)
    assert_type(summary.period_start, dt.datetime | None)
    assert_type(summary.evidence_total, int | None)
    assert_type(summary.as_of, dt.datetime)
    assert_type(summary.tenant_id, str)
    assert_type(summary.evidence_packs, list[EvidencePackRow])
    assert_type(summary.adoption, UsageAdoption | None)
    assert_type(key.secret, SecretStr)
    assert_type(key.secret.get_secret_value(), str)
    assert_type(attachment.status, AttachmentStatus | None)
    assert_type(attachment.id, str)


def check_helpers(run: Run) -> None:
    assert_type(run.to_dict(), JSONObject)
    assert_type(run.to_dict(reveal_secrets=True), JSONObject)
    assert_type(run.to_json(indent=2), str)
    assert_type(run.raw, JSONObject)
    assert_type(run.model_fields_set, set[str])
    assert_type(Run.from_dict({"id": "run_1"}), Run)


def _takes(status: RunStatus, action: AuditAction, approval: ApprovalStatus) -> None: ...


def check_aliases_accept_unknown_values() -> None:
    _takes("some-new-status", "abp.clone", "expired")
    _takes("succeeded", "abp.invoke", "pending")


def check_errors(timeout: VelerianRunTimeoutError, pagination: VelerianPaginationError) -> None:
    assert_type(timeout.run_id, str)
    assert_type(timeout.status, str | None)
    assert_type(timeout.waited_s, float)
    assert_type(pagination.offset, int)


def check_wrong_uses(run: Run, key: CreatedApiKey) -> None:
    key.secret.upper()  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    run.to_dict(reveal=True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    run.created_at.isoformat()  # type: ignore[union-attr]  # pyright: ignore[reportOptionalMemberAccess]
    run.prompt_text.startswith("summarise")  # type: ignore[union-attr]  # pyright: ignore[reportOptionalMemberAccess]
