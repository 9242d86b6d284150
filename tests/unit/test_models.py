"""The response models: parsing, unknown values and fields, null vs absent, secrets, reprs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

import pydantic
import pytest

from tests.unit import api_samples as s
from velerian_sdk import (
    Abp,
    ApiKey,
    Approval,
    Attachment,
    AuditLogEntry,
    CreatedApiKey,
    EvidenceExport,
    InvokeResult,
    Plan,
    QueuedRun,
    Run,
    RunShare,
    UsageSummary,
    VelerianArgumentError,
    VelerianModel,
)

UTC = dt.timezone.utc

SAMPLES: list[tuple[type[VelerianModel], Mapping[str, object]]] = [
    (Abp, s.abp()),
    (InvokeResult, s.invoke_result()),
    (EvidenceExport, s.export()),
    (AuditLogEntry, s.audit_entry()),
    (ApiKey, s.api_key()),
    (CreatedApiKey, s.created_api_key()),
    (UsageSummary, s.usage([s.evidence_row(1)])),
    (Run, s.run(status="succeeded")),
    (QueuedRun, s.queued()),
    (RunShare, {"run_id": "run_1", "share_url": "https://x.test/s?sig=1", "expires_at": s.T1}),
    (Approval, s.approval()),
    (Attachment, s.attachment()),
    (Plan, s.plan()),
]


@pytest.mark.parametrize(("model", "body"), SAMPLES, ids=lambda v: getattr(v, "__name__", ""))
def test_every_model_parses_its_documented_shape_from_bytes(
    model: type[VelerianModel], body: Mapping[str, object]
) -> None:
    parsed = model.model_validate_json(json.dumps(body))
    assert parsed.model_fields_set == set(body)
    assert parsed.raw == json.loads(json.dumps(body)) or model is CreatedApiKey


@pytest.mark.parametrize(("model", "body"), SAMPLES, ids=lambda v: getattr(v, "__name__", ""))
def test_unknown_fields_are_kept_and_reachable(
    model: type[VelerianModel], body: Mapping[str, object]
) -> None:
    parsed = model.model_validate({**body, "added_by_a_newer_server": {"x": [1, 2]}})
    assert getattr(parsed, "added_by_a_newer_server") == {"x": [1, 2]}  # noqa: B009
    assert parsed.to_dict()["added_by_a_newer_server"] == {"x": [1, 2]}
    assert parsed.raw["added_by_a_newer_server"] == {"x": [1, 2]}
    assert "added_by_a_newer_server" in json.loads(parsed.to_json())


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (Abp, s.abp(status="retired"), "status"),
        (InvokeResult, s.invoke_result(outcome="escalated"), "outcome"),
        (EvidenceExport, s.export(delivery="carrier-pigeon", format="parquet"), "delivery"),
        (AuditLogEntry, s.audit_entry(action="abp.clone"), "action"),
        (Run, s.run(status="paused"), "status"),
        (Approval, s.approval(status="expired"), "status"),
        (Attachment, s.attachment(status="scanning"), "status"),
        (ApiKey, s.api_key(scopes=["billing:read"]), "scopes"),
    ],
)
def test_unknown_enum_values_parse(
    model: type[VelerianModel], body: dict[str, object], field: str
) -> None:
    parsed = model.model_validate(body)
    assert getattr(parsed, field) == body[field]


def test_null_and_absent_are_told_apart() -> None:
    explicit = InvokeResult.model_validate(s.invoke_result(approval_id=None))
    absent_body = s.invoke_result()
    del absent_body["approval_id"]
    del absent_body["output"]
    absent = InvokeResult.model_validate(absent_body)
    assert explicit.approval_id is None
    assert absent.approval_id is None
    assert "approval_id" in explicit.model_fields_set
    assert "approval_id" not in absent.model_fields_set
    assert "approval_id" not in absent.raw
    assert absent.to_dict()["approval_id"] is None  # to_dict fills in defaults


def test_timestamps_are_aware_even_without_an_offset() -> None:
    run = Run.model_validate(s.run(created_at="2025-03-01T12:00:00"))
    assert run.created_at == dt.datetime(2025, 3, 1, 12, tzinfo=UTC)
    abp = Abp.model_validate(s.abp())
    assert abp.created_at == dt.datetime(2025, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)
    assert abp.to_dict()["created_at"] == "2025-03-01T12:00:00.250000Z"


def test_nested_models_are_typed() -> None:
    summary = UsageSummary.model_validate(s.usage([s.evidence_row(1), s.evidence_row(2)]))
    assert summary.governed_runs is not None
    assert summary.governed_runs.network_runs == 1
    assert [p.sequence for p in summary.evidence_packs] == [1, 2]
    assert summary.adoption is not None
    assert summary.adoption.active_api_keys == 3
    result = InvokeResult.model_validate(s.invoke_result())
    assert result.aggregated_conditions[0].result == "pass"
    assert result.output == {"text": "Summary."}  # a plain dict, as in 0.1


def test_models_are_frozen() -> None:
    abp = Abp.model_validate(s.abp())
    with pytest.raises(pydantic.ValidationError):
        abp.name = "other"


def test_secret_never_shows_unless_asked_for() -> None:
    key = CreatedApiKey.model_validate_json(json.dumps(s.created_api_key()))
    assert key.secret.get_secret_value() == s.SECRET
    shown = [repr(key), str(key), key.to_json(), json.dumps(key.to_dict()), json.dumps(key.raw)]
    shown += [f"{key}", f"{key!r}", repr(key.secret), str(key.secret)]
    for text in shown:
        assert s.SECRET not in text
        assert s.SECRET[8:20] not in text
    assert key.to_dict()["secret"] == "**********"
    assert json.loads(key.to_json(reveal_secrets=True))["secret"] == s.SECRET
    assert key.to_dict(reveal_secrets=True)["secret"] == s.SECRET


def test_repr_hides_presigned_signatures_and_reads_well() -> None:
    export = EvidenceExport.model_validate(s.export())
    text = repr(export)
    assert "SECRETSIG" not in text
    assert "download_url='https://storage.test/_storage/exp_1?REDACTED'" in text
    assert "expires_at=2025-03-01T12:05:00+00:00" in text
    assert "UPLOADSIG" not in repr(Attachment.model_validate(s.attachment()))
    assert export.download_url.endswith("?sig=SECRETSIG&expires=1")  # the value is intact


def test_from_dict_is_kept_from_0_1_and_reports_bad_data_in_our_family() -> None:
    assert InvokeResult.from_dict(s.invoke_result()).invocation_id == "inv_1"
    with pytest.raises(VelerianArgumentError, match="not a valid InvokeResult: outcome"):
        InvokeResult.from_dict({**s.invoke_result(), "outcome": 5})


def test_run_knows_when_it_is_terminal() -> None:
    for status, terminal in [
        ("queued", False),
        ("running", False),
        ("succeeded", True),
        ("failed", True),
        ("blocked", True),
        ("paused", False),
    ]:
        assert Run.model_validate(s.run(status=status)).is_terminal is terminal
