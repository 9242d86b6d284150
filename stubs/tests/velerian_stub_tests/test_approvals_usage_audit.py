"""Approvals, the usage summary, the audit log filters."""

from __future__ import annotations

from datetime import datetime, timezone

from .support import Api


def test_approve_and_reject(api: Api) -> None:
    first = api.invoke({"q": "REQUIRE_APPROVAL one"}).json()["approval_id"]
    second = api.invoke({"q": "REQUIRE_APPROVAL two"}).json()["approval_id"]
    pending = api.get("/api/v2/approvals", params={"status": "pending"}).json()
    assert [a["id"] for a in pending["items"]] == [first, second]
    approved = api.post(f"/api/v2/approvals/{first}/approve", {"note": "looks fine"})
    assert approved.status_code == 200
    body = approved.json()
    assert body["status"] == "approved"
    assert body["note"] == "looks fine"
    assert body["decided_at"] is not None
    assert body["decided_by_user_id"].startswith("usr_")
    rejected = api.post(f"/api/v2/approvals/{second}/reject")
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["note"] is None
    again = api.post(f"/api/v2/approvals/{first}/reject")
    assert again.status_code == 409
    assert "already approved" in again.json()["detail"]
    assert api.get("/api/v2/approvals", params={"status": "pending"}).json()["total"] == 0
    actions = [e["action"] for e in api.get("/api/v2/audit-log").json()["items"]]
    assert actions[-2:] == ["approval.approve", "approval.reject"]
    assert api.post("/api/v2/approvals/apr_missing/approve").status_code == 404


def test_viewers_can_read_but_not_decide_approvals(api: Api) -> None:
    approval = api.invoke({"q": "REQUIRE_APPROVAL"}).json()["approval_id"]
    viewer = api.new_user("viewer", ["read", "write"])["api_key"]
    assert api.get("/api/v2/approvals", key=viewer).status_code == 200
    assert api.post(f"/api/v2/approvals/{approval}/approve", key=viewer).status_code == 403


def test_usage_summary_counts_and_pages_evidence(api: Api) -> None:
    api.invoke({"q": "ok"})
    api.invoke({"q": "DENY"})
    api.invoke({"q": "REQUIRE_APPROVAL"})
    api.post(
        f"/api/agenticx/networks/{api.slug}/invoke",
        {"prompt_text": "sync", "metadata": {"stub_duration_ms": 0}},
    )
    summary = api.get("/api/v2/usage/summary").json()
    assert summary["tenant_id"] == api.tenant.tenant_id
    assert summary["governed_runs"] == {
        "total": 4,
        "allowed": 1,
        "denied": 1,
        "held": 1,
        "network_runs": 1,
    }
    assert summary["period_start"] <= summary["as_of"] < summary["period_end"]
    assert summary["evidence_total"] == 4
    assert len(summary["evidence_packs"]) == 4
    assert (summary["evidence_limit"], summary["evidence_offset"]) == (50, 0)
    assert summary["adoption"] == {"active_abps": 1, "active_api_keys": 1}
    row = summary["evidence_packs"][0]
    assert set(row) == {
        "id",
        "chain_scope",
        "sequence",
        "abp_id",
        "invocation_id",
        "run_id",
        "created_at",
        "chain_hash",
    }
    page = api.get(
        "/api/v2/usage/summary", params={"evidence_limit": 2, "evidence_offset": 3}
    ).json()
    assert [p["id"] for p in page["evidence_packs"]] == [summary["evidence_packs"][3]["id"]]
    assert (page["evidence_limit"], page["evidence_offset"]) == (2, 3)
    bad = api.get("/api/v2/usage/summary", params={"evidence_limit": 0})
    assert bad.status_code == 422


def test_audit_log_filters(api: Api) -> None:
    first = api.invoke({"n": 1}).json()
    between = datetime.now(timezone.utc).isoformat()
    api.invoke({"n": 2})
    api.post("/api/v2/api-keys", {"name": "k", "scopes": ["read"]})

    def ids(**params: str) -> list[str]:
        page = api.get("/api/v2/audit-log", params=dict(params)).json()
        return [e["action"] for e in page["items"]]

    assert ids() == ["abp.invoke", "abp.invoke", "api_key.create"]
    assert ids(action="api_key.create") == ["api_key.create"]
    assert ids(resource_kind="invocation") == ["abp.invoke", "abp.invoke"]
    assert ids(resource_id=first["invocation_id"]) == ["abp.invoke"]
    assert ids(since=between) == ["abp.invoke", "api_key.create"]
    assert ids(until=between) == ["abp.invoke"]
    assert ids(actor_user_id="usr_nobody") == []
    entry = api.get("/api/v2/audit-log").json()["items"][0]
    assert set(entry) == {
        "id",
        "created_at",
        "action",
        "actor_user_id",
        "actor_api_key_id",
        "resource_kind",
        "resource_id",
        "metadata",
        "request_id",
        "traceparent",
    }
    assert entry["id"].startswith("aud_")
    assert ids(actor_user_id=entry["actor_user_id"]) == [
        "abp.invoke",
        "abp.invoke",
        "api_key.create",
    ]
    assert api.get("/api/v2/audit-log", params={"since": "yesterday"}).status_code == 422
