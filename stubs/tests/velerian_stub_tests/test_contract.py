"""The OpenAPI contract: current on disk, complete, named, secured, idempotent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from velerian_stub.openapi import main, render_openapi
from velerian_stub.schemas.abps import Abp, InvokeResponse
from velerian_stub.schemas.common import ApiModel
from velerian_stub.schemas.evidence import TenantUsageSummaryResponse
from velerian_stub.schemas.runs import Run, RunShare

CONTRACT = Path(__file__).resolve().parents[3] / "docs" / "api" / "openapi.json"

ROUTES = [
    ("get", "/api/v2/abps", "AbpPage"),
    ("get", "/api/v2/abps/{abp_id}", "Abp"),
    ("post", "/api/v2/abps/{abp_id}/invoke", "InvokeResponse"),
    ("get", "/api/v2/abps/{abp_id}/invocations/{invocation_id}/evidence", "ExportResponse"),
    ("get", "/api/v2/abps/{abp_id}/evidence-package", "ExportResponse"),
    ("get", "/api/v2/exports/{export_id}/content", None),
    ("get", "/api/v2/usage/summary", "TenantUsageSummaryResponse"),
    ("get", "/api/v2/audit-log", "AuditLogPage"),
    ("get", "/api/v2/approvals", "ApprovalPage"),
    ("get", "/api/v2/approvals/{approval_id}", "Approval"),
    ("post", "/api/v2/approvals/{approval_id}/approve", "Approval"),
    ("post", "/api/v2/approvals/{approval_id}/reject", "Approval"),
    ("get", "/api/v2/plans", "PlanPage"),
    ("get", "/api/v2/pack-runs", "RunPage"),
    ("get", "/api/v2/pack-runs/{run_id}", "Run"),
    ("post", "/api/v2/pack-runs/{run_id}/revise", "QueuedRun"),
    ("post", "/api/v2/pack-runs/{run_id}/share", "RunShare"),
    ("post", "/api/agenticx/networks/{slug}/invoke", "NetworkRunResult"),
    ("post", "/api/v2/run-attachments", "RegisteredAttachment"),
    ("get", "/api/v2/run-attachments/{attachment_id}", "Attachment"),
    ("post", "/api/v2/run-attachments/{attachment_id}/finalize", "Attachment"),
    ("get", "/api/v2/api-keys", "ApiKeyPage"),
    ("post", "/api/v2/api-keys", "CreatedApiKey"),
    ("delete", "/api/v2/api-keys/{key_id}", None),
]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(render_openapi())
    return loaded


def test_checked_in_contract_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check", str(CONTRACT)]) == 0, capsys.readouterr().out


def test_check_reports_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "openapi.json"
    stale.write_text(CONTRACT.read_text(encoding="utf-8").replace('"2.0.0"', '"1.9.9"'))
    assert main(["--check", str(stale)]) == 1
    out = capsys.readouterr().out
    assert '-  "version": "1.9.9"' in out.replace('    "version"', '  "version"') or "1.9.9" in out
    assert main([str(stale)]) == 0
    assert main(["--check", str(stale)]) == 0


def test_rendering_is_stable_and_sorted() -> None:
    text = render_openapi()
    assert text == render_openapi()
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def success_schema(operation: dict[str, Any]) -> str | None:
    for code in ("200", "201", "202"):
        response = operation["responses"].get(code)
        if response and "content" in response:
            schema = response["content"].get("application/json", {}).get("schema", {})
            ref: str | None = schema.get("$ref")
            if ref:
                return ref.rsplit("/", 1)[-1]
    return None


@pytest.mark.parametrize(("method", "path", "model"), ROUTES)
def test_every_decided_route_has_its_named_model(
    spec: dict[str, Any], method: str, path: str, model: str | None
) -> None:
    operation = spec["paths"][path][method]
    assert success_schema(operation) == model
    assert operation["security"] == [{"bearerAuth": []}]
    assert {"401", "403", "429", "503"} <= set(operation["responses"])
    for code, response in operation["responses"].items():
        if code.startswith(("4", "5")) and code != "422":
            ref = response["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/HTTPError"
    mutating = method in ("post", "delete")
    parameters = {p["name"] for p in operation.get("parameters", [])}
    assert ("Idempotency-Key" in parameters) is mutating
    if mutating:
        # A repeat of an Idempotency-Key still in flight is a 409 on every mutating route.
        assert "409" in operation["responses"]
        assert "422" in operation["responses"]
    assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_contract_basics(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "description": "An API key: `Authorization: Bearer vk_live_...`.",
        "scheme": "bearer",
        "type": "http",
    }
    assert spec["components"]["schemas"]["HTTPError"]["required"] == ["detail"]
    assert not [p for p in spec["paths"] if p.startswith("/_stub")]
    queued = spec["paths"]["/api/agenticx/networks/{slug}/invoke"]["post"]["responses"]["202"]
    assert queued["content"]["application/json"]["schema"]["$ref"].endswith("/QueuedRun")
    for path in ("/_storage/exports/{export_id}", "/_storage/uploads/{attachment_id}"):
        assert path in spec["paths"]


CONTRACT_REQUIRED = {
    "Abp": {"id", "name", "status"},
    "InvokeResponse": {"invocation_id", "outcome", "is_allowed", "requires_human", "withheld"},
    "ExportResponse": {
        "export_id",
        "artifact_kind",
        "format",
        "s3_key",
        "download_url",
        "expires_at",
    },
    "Run": {"id", "status"},
    "QueuedRun": {"run_id"},
    "TenantUsageSummaryResponse": {"tenant_id", "as_of"},
    "AuditLogEntry": {"id", "created_at", "action"},
    "Attachment": {"id"},
    "ApiKey": {"id"},
    "RunPage": {"items"},
}


@pytest.mark.parametrize("name", sorted(CONTRACT_REQUIRED))
def test_response_schemas_require_only_what_the_real_api_sends(
    spec: dict[str, Any], name: str
) -> None:
    """The tolerant-reader rule of docs/api/decisions.md, as the contract states it."""
    schema = spec["components"]["schemas"][name]
    assert set(schema.get("required", [])) == CONTRACT_REQUIRED[name]


@pytest.mark.parametrize("model", [Abp, InvokeResponse, Run, RunShare, TenantUsageSummaryResponse])
def test_the_stub_still_builds_every_response_field(model: type[ApiModel]) -> None:
    # Only the contract's `required` is relaxed: a stub route that forgot a field
    # would still fail to build its answer.
    assert all(field.is_required() for field in model.model_fields.values())


def test_a_contract_required_name_must_be_a_field() -> None:
    class Broken(ApiModel):
        CONTRACT_REQUIRED = frozenset({"idd"})

        id: str

    with pytest.raises(TypeError, match="idd"):
        Broken.model_json_schema(mode="serialization")
