"""Deterministic governance: the marker words decide invocations and network runs."""

from __future__ import annotations

import pytest

from velerian_stub.service.governance import evaluate

from .support import Api


def test_allowed_invocation(api: Api) -> None:
    result = api.invoke({"claim": "routine"}).json()
    assert result["outcome"] == "allowed"
    assert (result["is_allowed"], result["requires_human"], result["withheld"]) == (
        True,
        False,
        False,
    )
    assert result["output"]["text"]
    assert result["approval_id"] is None
    assert result["constraint_count"] == len(result["aggregated_conditions"]) == 2
    assert {c["result"] for c in result["aggregated_conditions"]} == {"pass"}
    assert result["evidence_pack_id"].startswith("evp_")
    assert result["evidence_pack_s3_key"].endswith(f"{result['evidence_pack_id']}.json")
    assert len(result["evidence_pack_chain_hash"]) == 64
    assert result["model_error"] is None


def test_denied_invocation(api: Api) -> None:
    result = api.invoke({"claim": "please DENY"}).json()
    assert result["outcome"] == "denied"
    assert (result["is_allowed"], result["requires_human"], result["withheld"]) == (
        False,
        False,
        True,
    )
    assert result["output"] is None
    assert result["approval_id"] is None
    failing = [c for c in result["aggregated_conditions"] if c["result"] == "fail"]
    assert [c["constraint"] for c in failing] == ["content-policy"]


def test_held_invocation_creates_an_approval(api: Api) -> None:
    result = api.invoke({"nested": {"flag": "REQUIRE_APPROVAL"}}).json()
    assert result["outcome"] == "held"
    assert (result["is_allowed"], result["requires_human"], result["withheld"]) == (
        False,
        True,
        True,
    )
    assert result["output"] is None
    assert result["approval_id"].startswith("apr_")
    approval = api.get(f"/api/v2/approvals/{result['approval_id']}").json()
    assert approval["status"] == "pending"
    assert approval["invocation_id"] == result["invocation_id"]
    assert approval["reason"] == "requires human approval"


def test_every_invocation_is_audited(api: Api) -> None:
    invocation = api.invoke({"q": "DENY"})
    entries = api.get("/api/v2/audit-log", params={"action": "abp.invoke"}).json()["items"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["resource_kind"] == "invocation"
    assert entry["resource_id"] == invocation.json()["invocation_id"]
    assert entry["metadata"]["outcome"] == "denied"
    assert entry["request_id"] == invocation.headers["x-request-id"]


@pytest.mark.parametrize(
    ("prompt", "governance_pass", "reasons", "has_output"),
    [
        ("summarise this", True, [], True),
        ("DENY it", False, ["content policy denied the input (DENY)"], False),
        ("REQUIRE_APPROVAL first", False, ["requires human approval"], False),
        ("FAIL hard", True, [], False),
    ],
)
def test_synchronous_network_outcomes(
    api: Api, prompt: str, governance_pass: bool, reasons: list[str], has_output: bool
) -> None:
    response = api.post(
        f"/api/agenticx/networks/{api.slug}/invoke",
        {"prompt_text": prompt, "metadata": {"stub_duration_ms": 0}},
    )
    assert response.status_code == 200
    result = response.json()
    assert result["governance_pass"] is governance_pass
    assert result["governance_reasons"] == reasons
    assert (result["output_text"] is not None) is has_output
    run = api.get(f"/api/v2/pack-runs/{result['run_id']}").json()
    expected = {
        "summarise this": "succeeded",
        "DENY it": "blocked",
        "REQUIRE_APPROVAL first": "blocked",
        "FAIL hard": "failed",
    }[prompt]
    assert run["status"] == expected
    assert (run["error"] is not None) is (expected == "failed")


def test_precedence_of_the_marker_words() -> None:
    assert evaluate("DENY REQUIRE_APPROVAL").outcome == "denied"
    assert evaluate("REQUIRE_APPROVAL FAIL", network_run=True).outcome == "held"
    assert evaluate("FAIL").outcome == "allowed"
    assert evaluate("FAIL", network_run=True).outcome == "failed"
    assert evaluate("deny").outcome == "allowed"
