"""The 0.1 methods on both clients: same names and arguments, 0.1 result shapes."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Harness
from tests.unit import api_samples as s
from velerian_sdk import (
    AsyncPage,
    EvidenceExport,
    InvokeResult,
    Page,
    UsageSummary,
    VelerianPaginationError,
    VelerianRunTimeoutError,
)


def test_invoke_abp(harness: Harness) -> None:
    client = harness.client(s.replies(s.invoke_result(requires_human=True, approval_id="apr_1")))
    result = harness.run(client.invoke_abp("abp_1", payload={"prompt": "Summarize."}))
    assert isinstance(result, InvokeResult)
    assert (result.outcome, result.is_allowed, result.requires_human) == ("allowed", True, True)
    assert result.approval_id == "apr_1"
    assert result.raw["invocation_id"] == "inv_1"
    assert result.output is not None
    assert result.output["text"] == "Summary."  # 0.1 kept output as a dict
    assert s.body_of(harness.requests[0]) == {"payload": {"prompt": "Summarize."}}


def test_evidence_methods(harness: Harness) -> None:
    client = harness.client(s.replies(s.export(), s.export(artifact_kind="evidence_package")))
    export = harness.run(client.invocation_evidence("abp_1", "inv_1", format="json"))
    package = harness.run(client.evidence_package("abp_1", since="2025-03-01T00:00:00Z"))
    assert isinstance(export, EvidenceExport)
    assert package.artifact_kind == "evidence_package"
    first, second = harness.requests
    assert first.url.path == "/api/v2/abps/abp_1/invocations/inv_1/evidence"
    assert dict(first.url.params) == {"format": "json"}
    assert second.url.path == "/api/v2/abps/abp_1/evidence-package"
    assert dict(second.url.params) == {"since": "2025-03-01T00:00:00Z"}


def test_usage_summary(harness: Harness) -> None:
    client = harness.client(s.replies(s.usage([s.evidence_row(1)])))
    summary = harness.run(client.usage_summary())
    assert isinstance(summary, UsageSummary)
    assert summary.raw["governed_runs"] == {
        "total": 5,
        "allowed": 3,
        "denied": 1,
        "held": 0,
        "network_runs": 1,
    }
    assert dict(harness.requests[0].url.params) == {}


def test_list_audit_log_rows_are_plain_dicts(harness: Harness) -> None:
    rows = [s.audit_entry(n) for n in range(3)]
    client = harness.client(s.replies(s.page(rows, limit=50, offset=0, total=3)))
    page = harness.run(client.list_audit_log(action="abp.invoke", since="2025-03-01", limit=50))
    assert isinstance(page, (Page, AsyncPage))  # narrows for pyright, which loses the flavour
    assert len(page) == 3
    entry = page.items[0]
    assert entry["created_at"] == s.T0  # the ISO string, as 0.1 gave it
    assert entry["action"] == "abp.invoke"
    assert page.offset + page.limit == 50
    assert (page.total or "?") == 3
    assert dict(harness.requests[0].url.params) == {
        "action": "abp.invoke",
        "since": "2025-03-01",
        "limit": "50",
        "offset": "0",
    }


def test_iter_audit_log_walks_pages_of_dicts(harness: Harness) -> None:
    rows = [s.audit_entry(n) for n in range(5)]
    client = harness.client(s.paged(rows))
    entries = s.collect(harness, client.iter_audit_log(action="abp.invoke", page_size=2))
    assert [e["id"] for e in entries] == [f"aud_{n}" for n in range(5)]
    assert all(isinstance(e["created_at"], str) for e in entries)
    assert [r.url.params["offset"] for r in harness.requests] == ["0", "2", "4"]


def test_iter_paginated_any_route(harness: Harness) -> None:
    rows = [s.approval(f"apr_{n}") for n in range(3)]
    client = harness.client(s.paged(rows, total=False))
    found = s.collect(
        harness, client.iter_paginated("approvals", params={"status": "pending"}, page_size=2)
    )
    assert [r["id"] for r in found] == ["apr_0", "apr_1", "apr_2"]
    assert [dict(r.url.params) for r in harness.requests] == [
        {"status": "pending", "limit": "2", "offset": "0"},
        {"status": "pending", "limit": "2", "offset": "2"},
    ]


def test_iter_paginated_over_the_usage_summary_evidence_packs(harness: Harness) -> None:
    packs = [s.evidence_row(n) for n in range(1, 8)]  # evidence_total is 7

    def summary(request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params["evidence_limit"])
        offset = int(request.url.params["evidence_offset"])
        return httpx.Response(
            200, json=s.usage(packs[offset : offset + limit], limit=limit, offset=offset)
        )

    client = harness.client(summary)
    found = s.collect(
        harness,
        client.iter_paginated(
            "usage/summary",
            limit_param="evidence_limit",
            offset_param="evidence_offset",
            items_key="evidence_packs",
            page_size=3,
        ),
    )
    assert [p["sequence"] for p in found] == [1, 2, 3, 4, 5, 6, 7]
    assert [r.url.params["evidence_offset"] for r in harness.requests] == ["0", "3", "6"]
    assert all(r.url.path == "/api/v2/usage/summary" for r in harness.requests)


def test_iter_paginated_stops_at_the_stated_total(harness: Harness) -> None:
    packs = [s.evidence_row(n) for n in range(1, 7)]
    body = s.usage(packs[:3], limit=3, offset=0)
    body["evidence_total"] = 3
    client = harness.client(s.replies(body))
    found = s.collect(
        harness,
        client.iter_paginated(
            "usage/summary",
            limit_param="evidence_limit",
            offset_param="evidence_offset",
            items_key="evidence_packs",
            page_size=3,
        ),
    )
    assert len(found) == 3
    assert len(harness.requests) == 1


def test_iter_paginated_refuses_a_server_that_ignores_the_offset(harness: Harness) -> None:
    def stuck(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [s.plan("a"), s.plan("b")]})

    client = harness.client(s.at_most(10, stuck))
    with pytest.raises(VelerianPaginationError, match="same item"):
        s.collect(harness, client.iter_paginated("plans", page_size=2))
    assert len(harness.requests) == 2


def test_iter_paginated_refuses_a_server_that_cycles_pages(harness: Harness) -> None:
    pages = [[s.plan("a"), s.plan("b")], [s.plan("c"), s.plan("d")]]

    def cycling(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        return httpx.Response(200, json={"items": pages[(offset // 2) % 2], "offset": offset})

    client = harness.client(s.at_most(10, cycling))
    with pytest.raises(VelerianPaginationError, match="already seen"):
        s.collect(harness, client.iter_paginated("plans", page_size=2))
    assert [r.url.params["offset"] for r in harness.requests] == ["0", "2", "4"]


def test_invoke_network_waits_and_returns_the_0_1_shape(harness: Harness) -> None:
    answers = s.replies(
        httpx.Response(202, json=s.queued("run_7")),
        s.run("run_7", status="running"),
        s.run("run_7", status="succeeded"),
    )
    client = harness.client(answers)
    result = harness.run(
        client.invoke_network(
            "claims-review", prompt_text="p", metadata={"loan_id": "L-1"}, attachment_ids=[]
        ),
    )
    assert isinstance(result, dict)
    assert result["slug"] == "claims-review"
    assert result["run_id"] == result["prompt_id"] == "run_7"
    assert result["run_url"] == "https://app.test/runs/run_7"
    assert result["model_id_used"] == "model-a"
    assert result["output_text"] == "Approved."
    assert result["governance_pass"] is True
    assert result["status"] == "succeeded"
    post = harness.requests[0]
    assert dict(post.url.params) == {"async": "true"}
    assert s.body_of(post) == {
        "prompt_text": "p",
        "metadata": {"loan_id": "L-1"},
    }  # [] left out, as in 0.1


def test_invoke_network_without_waiting_returns_the_queued_answer(harness: Harness) -> None:
    client = harness.client(s.replies(httpx.Response(202, json=s.queued("run_7"))))
    result = harness.run(client.invoke_network("claims-review", prompt_text="p", wait=False))
    assert isinstance(result, dict)
    assert result == s.queued("run_7")
    assert len(harness.requests) == 1


def test_invoke_network_returns_a_blocked_run(harness: Harness) -> None:
    client = harness.client(
        s.replies(httpx.Response(202, json=s.queued()), s.run(status="blocked"))
    )
    result = harness.run(client.invoke_network("claims-review", prompt_text="REQUIRE_APPROVAL"))
    assert isinstance(result, dict)
    assert (result["status"], result["governance_pass"]) == ("blocked", False)


def test_await_run_returns_the_row_and_times_out_with_the_run_id(harness: Harness) -> None:
    client = harness.client(s.replies(s.run(status="running"), s.run(status="failed")))
    row = harness.run(client.await_run("run_1", poll_interval=1.0))
    assert isinstance(row, dict)
    assert (row["status"], row["error"]) == ("failed", "boom")
    stuck = harness.client(s.replies(s.run(status="queued")))
    with pytest.raises(VelerianRunTimeoutError) as info:
        harness.run(stuck.await_run("run_1", run_timeout=0))
    assert (info.value.run_id, info.value.status) == ("run_1", "queued")
