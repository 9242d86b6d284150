"""Tenant isolation, pagination bounds, ABP reads, 409 and 422."""

from __future__ import annotations

import httpx
import pytest

from .support import Api


def test_other_tenants_resources_are_404(api: Api) -> None:
    other = api.new_tenant()
    theirs = other["api_key"]
    mine_invocation = api.invoke({"q": "REQUIRE_APPROVAL"}).json()
    queued = api.post(
        f"/api/agenticx/networks/{api.slug}/invoke?async=true", {"prompt_text": "hi"}
    ).json()
    attachment = api.post(
        "/api/v2/run-attachments", {"filename": "a", "content_type": "text/plain", "size_bytes": 1}
    ).json()
    export = api.get(
        f"/api/v2/abps/{api.abp_id}/evidence-package",
        params={"since": "2000-01-01T00:00:00Z", "delivery": "stream"},
    ).json()
    for path in (
        f"/api/v2/abps/{api.abp_id}",
        f"/api/v2/approvals/{mine_invocation['approval_id']}",
        f"/api/v2/pack-runs/{queued['run_id']}",
        f"/api/v2/run-attachments/{attachment['id']}",
        f"/api/v2/exports/{export['export_id']}/content",
        f"/api/v2/abps/{api.abp_id}/invocations/{mine_invocation['invocation_id']}/evidence",
    ):
        response = api.get(path, key=theirs)
        assert response.status_code == 404, path
        assert "not found" in response.json()["detail"]
    assert api.invoke({"q": 1}, key=theirs).status_code == 404
    assert api.get(f"/api/v2/abps/{other['abp_id']}").status_code == 404
    assert api.get("/api/v2/audit-log", key=theirs).json()["total"] == 0
    assert api.get("/api/v2/pack-runs", key=theirs).json()["total"] == 0
    # The same slug names each tenant's own network.
    own = api.post(
        f"/api/agenticx/networks/{api.slug}/invoke?async=true", {"prompt_text": "x"}, key=theirs
    )
    assert own.status_code == 202


def test_other_tenant_cannot_revoke_my_key(api: Api) -> None:
    theirs = api.new_tenant()["api_key"]
    minted = api.post("/api/v2/api-keys", {"name": "mine", "scopes": ["read"]}).json()
    response = api.http.delete(f"/api/v2/api-keys/{minted['id']}", headers=api.auth(theirs))
    assert response.status_code == 404


def test_pages_carry_limit_offset_and_total(api: Api) -> None:
    page = api.get("/api/v2/abps").json()
    assert (page["limit"], page["offset"], page["total"]) == (50, 0, 3)
    assert len(page["items"]) == 3
    second = api.get("/api/v2/abps", params={"limit": 1, "offset": 1}).json()
    assert [a["id"] for a in second["items"]] == [page["items"][1]["id"]]
    assert (second["limit"], second["offset"], second["total"]) == (1, 1, 3)
    beyond = api.get("/api/v2/abps", params={"offset": 10}).json()
    assert beyond["items"] == []
    assert beyond["total"] == 3


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/abps",
        "/api/v2/audit-log",
        "/api/v2/approvals",
        "/api/v2/plans",
        "/api/v2/pack-runs",
    ],
)
@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -1}])
def test_page_bounds_are_422(api: Api, path: str, params: dict[str, str | int]) -> None:
    response = api.get(path, params=params)
    assert response.status_code == 422
    issue = response.json()["detail"][0]
    assert issue["loc"][0] == "query"
    assert {"loc", "msg", "type"} <= set(issue)


def test_limit_500_is_allowed(api: Api) -> None:
    assert api.get("/api/v2/abps", params={"limit": 500}).status_code == 200


def test_abps_filter_by_status_and_read_one(api: Api) -> None:
    deployed = api.get("/api/v2/abps", params={"status": "deployed"}).json()
    assert [a["id"] for a in deployed["items"]] == [api.abp_id]
    abp = api.get(f"/api/v2/abps/{api.abp_id}").json()
    assert set(abp) == {
        "id",
        "name",
        "description",
        "status",
        "version",
        "created_at",
        "updated_at",
        "deployed_at",
    }
    assert abp["status"] == "deployed"
    assert abp["deployed_at"] is not None
    draft = api.get(f"/api/v2/abps/{api.draft_abp_id}").json()
    assert (draft["status"], draft["deployed_at"]) == ("draft", None)
    assert api.get("/api/v2/abps", params={"status": "bogus"}).status_code == 422


def test_invoking_an_abp_that_is_not_deployed_is_409(api: Api) -> None:
    archived = api.get("/api/v2/abps", params={"status": "archived"}).json()["items"][0]["id"]
    for abp_id in (api.draft_abp_id, archived):
        response = api.post(f"/api/v2/abps/{abp_id}/invoke", {"payload": {}})
        assert response.status_code == 409
        assert "not deployed" in response.json()["detail"]
    assert api.post("/api/v2/abps/abp_missing/invoke", {"payload": {}}).status_code == 404


@pytest.mark.parametrize("body", [{}, {"payload": "text"}, {"payload": [1]}, None])
def test_invalid_invoke_bodies_are_fastapi_style_422(api: Api, body: object) -> None:
    response = api.post(f"/api/v2/abps/{api.abp_id}/invoke", body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, list)
    assert detail[0]["loc"][0] == "body"


def test_unknown_route_is_404_with_request_id(api: Api) -> None:
    response = httpx.get(f"{api.stub.base_url}/api/v2/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
    assert response.headers["x-request-id"].startswith("req_")


def test_plans_list_three_with_one_current(api: Api) -> None:
    plans = api.get("/api/v2/plans").json()
    assert plans["total"] == 3
    assert [p["current"] for p in plans["items"]].count(True) == 1
    assert any(p["monthly_governed_runs"] is None for p in plans["items"])
