"""Every snippet of the 0.1.0 PyPI page, run as written (placeholders filled in), still works."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest
import respx

from tests.conftest import TEST_KEY
from tests.unit import api_samples as s
from velerian_sdk import JSONObject, VelerianClient, VelerianServerError

ORIGIN = "https://api.velerian.ai"  # what the 0.1.0 page used; any origin works the same


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.MockRouter]:
    monkeypatch.setenv("VELERIAN_API_KEY", TEST_KEY)
    monkeypatch.setenv("VELERIAN_ABP_ID", "abp_1")
    audit = [s.audit_entry(n) for n in range(3)]
    with respx.mock(base_url=f"{ORIGIN}/api/v2", assert_all_called=False) as router:
        router.post("/abps/abp_1/invoke").respond(
            200, json=s.invoke_result(requires_human=True, approval_id="apr_1")
        )
        router.get("/abps/abp_1/invocations/inv_1/evidence").respond(200, json=s.export())
        router.get("/audit-log").mock(side_effect=s.paged(audit))
        router.get("/approvals").mock(
            side_effect=s.paged([s.approval("apr_1"), s.approval("apr_2")])
        )
        router.get("/usage/summary").mock(side_effect=_usage)
        router.get("/plans").respond(200, json=s.page([s.plan()], limit=50, offset=0, total=1))
        yield router


def _usage(request: httpx.Request) -> httpx.Response:
    packs = [s.evidence_row(n) for n in range(1, 8)]
    limit = int(request.url.params.get("evidence_limit", "50"))
    offset = int(request.url.params.get("evidence_offset", "0"))
    return httpx.Response(
        200, json=s.usage(packs[offset : offset + limit], limit=limit, offset=offset)
    )


def test_authenticate(api: respx.MockRouter) -> None:
    client = VelerianClient(
        api_key=os.environ["VELERIAN_API_KEY"],  # vk_live_...
        base_url=os.environ.get("VELERIAN_BASE_URL", "https://api.velerian.ai"),
    )
    client.get("plans")
    assert api.calls.last.request.headers["authorization"] == f"Bearer {TEST_KEY}"
    client.close()


def test_quickstart(api: respx.MockRouter, capsys: pytest.CaptureFixture[str]) -> None:
    with VelerianClient(
        api_key=os.environ["VELERIAN_API_KEY"],
        base_url=os.environ.get("VELERIAN_BASE_URL", "https://api.velerian.ai"),
    ) as client:
        # 1. Run a governed invocation of a DEPLOYED ABP (needs runs:write).
        result = client.invoke_abp(
            os.environ["VELERIAN_ABP_ID"],
            payload={"prompt": "Summarize the attached filing."},
        )
        print("outcome:", result.outcome, "allowed:", result.is_allowed)
        if result.requires_human:
            print("held for human approval:", result.approval_id)

        # 2. Fetch a presigned evidence export for that invocation (needs evidence:read).
        if result.evidence_pack_id:
            export = client.invocation_evidence(os.environ["VELERIAN_ABP_ID"], result.invocation_id)
            print("evidence download URL (expires", export.expires_at, "):")
            print(export.download_url)
    out = capsys.readouterr().out
    assert "outcome: allowed allowed: True" in out
    assert "held for human approval: apr_1" in out
    assert "evidence download URL (expires 2025-03-01 12:05:00+00:00 ):" in out
    assert "?sig=SECRETSIG" in out  # printing the value itself gives the whole link


def test_pagination(api: respx.MockRouter, capsys: pytest.CaptureFixture[str]) -> None:
    client = VelerianClient(api_key=TEST_KEY, base_url=ORIGIN)
    # One page:
    page = client.list_audit_log(action="abp.invoke", limit=50)
    print(len(page), "of", page.total or "?", "entries; next offset", page.offset + page.limit)

    # Every entry, transparently across pages:
    for entry in client.iter_audit_log(action="abp.invoke"):
        print(entry["created_at"], entry["action"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "3 of 3 entries; next offset 50"
    assert lines[1:] == [f"{s.T0} abp.invoke"] * 3


def test_generic_paginator(api: respx.MockRouter) -> None:
    client = VelerianClient(api_key=TEST_KEY, base_url=ORIGIN)
    approvals: list[JSONObject] = []
    for row in client.iter_paginated("approvals", page_size=100):
        approvals.append(row)
    packs: list[JSONObject] = []
    # Prefixed limit/offset params (e.g. the usage summary's evidence list):
    for pack in client.iter_paginated(
        "usage/summary",
        limit_param="evidence_limit",
        offset_param="evidence_offset",
        items_key="evidence_packs",
    ):
        packs.append(pack)
    assert [a["id"] for a in approvals] == ["apr_1", "apr_2"]
    assert [p["sequence"] for p in packs] == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    ("status", "headers", "printed"),
    [
        (403, {}, "missing scope: key lacks runs:write"),
        (429, {"Retry-After": "7"}, "retry after 7.0 seconds"),
    ],
)
def test_error_handling(
    api: respx.MockRouter,
    capsys: pytest.CaptureFixture[str],
    status: int,
    headers: dict[str, str],
    printed: str,
) -> None:
    api.post("/abps/abp_1/invoke").respond(
        status, json={"detail": "key lacks runs:write"}, headers=headers
    )
    client = VelerianClient(api_key=TEST_KEY, base_url=ORIGIN, max_retries=0)
    abp_id = "abp_1"
    from velerian_sdk import VelerianForbiddenError, VelerianRateLimitError

    try:
        client.invoke_abp(abp_id, payload={"prompt": "Summarize."})
    except VelerianForbiddenError as e:
        print("missing scope:", e.detail)
    except VelerianRateLimitError as e:
        print("retry after", e.retry_after, "seconds")
    assert capsys.readouterr().out.strip() == printed


def test_automatic_retries_can_be_disabled(api: respx.MockRouter) -> None:
    client = VelerianClient(api_key=TEST_KEY, base_url=ORIGIN, max_retries=0)  # never retry
    assert client.max_retries == 0
    # The setting is obeyed, not only stored: a 503 is raised after one attempt.
    busy = api.get("/busy").respond(503, json={"detail": "busy"})
    with pytest.raises(VelerianServerError):
        client.get("busy")
    assert busy.call_count == 1
    client.close()


def test_escape_hatch(api: respx.MockRouter) -> None:
    client = VelerianClient(api_key=TEST_KEY, base_url=ORIGIN)
    plans = client.get("plans").json()
    assert plans["items"][0]["id"] == "plan_team"
