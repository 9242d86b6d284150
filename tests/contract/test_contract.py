"""
The SDK's models and the contract (docs/api/openapi.json) cannot drift apart.

Every response schema of the contract maps to an SDK model, and each model accepts every
body its schema allows: same fields, compatible types, and the same required fields (the
tolerant-reader rule of docs/api/decisions.md: a field is required on both sides or on
neither). `nox -s contract` runs this with the contract's own drift check.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import cast

import pydantic
import pytest

import velerian_sdk
from tests.contract.schema_compat import Schema, accepts
from velerian_sdk._models.attachments import RegisteredAttachment

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"

# contract schema -> SDK model
MODELS: dict[str, type[pydantic.BaseModel]] = {
    "Abp": velerian_sdk.Abp,
    "InvokeResponse": velerian_sdk.InvokeResult,
    "AggregatedCondition": velerian_sdk.AggregatedCondition,
    "ExportResponse": velerian_sdk.EvidenceExport,
    "TenantUsageSummaryResponse": velerian_sdk.UsageSummary,
    "GovernedRunCounts": velerian_sdk.GovernedRunCounts,
    "EvidencePackRow": velerian_sdk.EvidencePackRow,
    "Adoption": velerian_sdk.UsageAdoption,
    "AuditLogEntry": velerian_sdk.AuditLogEntry,
    "Approval": velerian_sdk.Approval,
    "Plan": velerian_sdk.Plan,
    "Run": velerian_sdk.Run,
    "QueuedRun": velerian_sdk.QueuedRun,
    "RunShare": velerian_sdk.RunShare,
    "Attachment": velerian_sdk.Attachment,
    "RegisteredAttachment": RegisteredAttachment,
    "ApiKey": velerian_sdk.ApiKey,
    "CreatedApiKey": velerian_sdk.CreatedApiKey,
}
# page schema -> the contract schema of its items
PAGES = {
    "AbpPage": "Abp",
    "ApiKeyPage": "ApiKey",
    "ApprovalPage": "Approval",
    "AuditLogPage": "AuditLogEntry",
    "PlanPage": "Plan",
    "RunPage": "Run",
}
# Response schemas the SDK deliberately does not model, and why.
UNMODELLED = {
    "NetworkRunResult": "the synchronous 0.1 network answer; the SDK always queues",
}


def load_contract() -> dict[str, object]:
    return cast("dict[str, object]", json.loads(CONTRACT.read_text(encoding="utf-8")))


def schemas() -> dict[str, Schema]:
    components = cast("dict[str, object]", load_contract()["components"])
    return cast("dict[str, Schema]", components["schemas"])


def response_schema_names() -> set[str]:
    names: set[str] = set()
    paths = cast("dict[str, dict[str, dict[str, object]]]", load_contract()["paths"])
    for operations in paths.values():
        for operation in operations.values():
            responses = cast("dict[str, object]", operation.get("responses", {}))
            for code, response in responses.items():
                if code.startswith("2"):
                    names |= set(re.findall(r"schemas/(\w+)", json.dumps(response)))
    return names


def test_every_response_schema_is_modelled() -> None:
    names = response_schema_names()
    known = set(MODELS) | set(PAGES) | set(UNMODELLED)
    assert names - known == set(), "new response schemas need an SDK model"
    for page, item in PAGES.items():
        items = cast("dict[str, object]", schemas()[page]["properties"])["items"]
        assert f"schemas/{item}" in json.dumps(items), page


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_accepts_what_the_contract_allows(name: str) -> None:
    contract = schemas()
    model = MODELS[name]
    model_schema = model.model_json_schema(mode="validation", ref_template="#/$defs/{model}")
    defs = cast("dict[str, Schema]", model_schema.get("$defs", {}))

    def model_ref(ref: str) -> Schema:
        return defs[ref.rsplit("/", 1)[-1]]

    def contract_ref(ref: str) -> Schema:
        return contract[ref.rsplit("/", 1)[-1]]

    problems = accepts(model_schema, contract[name], model_ref, contract_ref, model.__name__)
    assert problems == []


def required_by_contract(name: str) -> set[str]:
    return set(cast("list[str]", schemas()[name].get("required", [])))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_and_contract_require_the_same_fields(name: str) -> None:
    # One source of truth: the contract must not promise a field the SDK tolerates
    # missing (other clients would rely on it), nor the SDK insist on one it does not.
    model = MODELS[name]
    by_model = {
        field.alias or key for key, field in model.model_fields.items() if field.is_required()
    }
    assert by_model == required_by_contract(name)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_pages_require_only_their_items(page: str) -> None:
    assert required_by_contract(page) == {"items"}


def test_the_checker_catches_drift() -> None:
    """The comparison itself must fail on the kinds of drift it exists to catch."""

    def none(ref: str) -> Schema:
        raise KeyError(ref)

    base: Schema = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "n": {"type": "integer"}},
        "required": ["id"],
    }
    missing: Schema = {"type": "object", "properties": {"id": {"type": "string"}}}
    wrong: Schema = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "n": {"type": "boolean"}},
    }
    stricter: Schema = {**base, "required": ["id", "n"]}
    narrow_enum: Schema = {"type": "string", "enum": ["a"]}
    assert accepts(base, base, none, none, "x") == []
    assert accepts(missing, base, none, none, "x")
    assert accepts(wrong, base, none, none, "x")
    assert accepts(stricter, base, none, none, "x")
    assert accepts(narrow_enum, {"type": "string", "enum": ["a", "b"]}, none, none, "x")
    nullable: Schema = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert accepts({"type": "string"}, nullable, none, none, "x")
    assert accepts(nullable, {"type": "string"}, none, none, "x") == []
