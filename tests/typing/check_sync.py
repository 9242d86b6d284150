# ruff: noqa: B018 - bare expressions exist here only to be type-checked
"""What each call of the synchronous client returns, as the type checkers see it."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Iterator

import httpx
from typing_extensions import assert_type

from velerian_sdk import (
    Abp,
    Abps,
    ApiKey,
    ApiKeys,
    Approval,
    Approvals,
    Attachment,
    Attachments,
    Audit,
    AuditLogEntry,
    CreatedApiKey,
    DownloadedFile,
    Evidence,
    EvidenceExport,
    EvidenceVerification,
    InvokeResult,
    JSONObject,
    JSONValue,
    Networks,
    Page,
    Plan,
    Plans,
    QueuedRun,
    RawResponse,
    ResponseInfo,
    Run,
    Runs,
    RunShare,
    Usage,
    UsageSummary,
    VelerianClient,
    default_async_http_client,
    default_http_client,
    raw_response,
)

SINCE = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)


def check_namespace_types(client: VelerianClient) -> None:
    # Each namespace is its exact class, not the descriptor that builds it.
    assert_type(client.abps, Abps)
    assert_type(client.evidence, Evidence)
    assert_type(client.audit, Audit)
    assert_type(client.api_keys, ApiKeys)
    assert_type(client.usage, Usage)
    assert_type(client.runs, Runs)
    assert_type(client.networks, Networks)
    assert_type(client.approvals, Approvals)
    assert_type(client.plans, Plans)
    assert_type(client.attachments, Attachments)


def check_namespaces(client: VelerianClient) -> None:
    assert_type(client.abps.list(), Page[Abp])
    assert_type(client.abps.list(status="deployed", limit=10, offset=20), Page[Abp])
    assert_type(client.abps.retrieve("abp_1"), Abp)
    assert_type(client.abps.invoke("abp_1", payload={"prompt": "Hi"}), InvokeResult)
    assert_type(client.abps.invoke("abp_1", payload={}, idempotency_key="k"), InvokeResult)
    assert_type(client.evidence.for_invocation("abp_1", "inv_1"), EvidenceExport)
    assert_type(
        client.evidence.for_invocation("abp_1", "inv_1", format="jsonl", delivery="stream"),
        EvidenceExport,
    )
    assert_type(client.evidence.package("abp_1", since=SINCE), EvidenceExport)
    export = client.evidence.package("abp_1", since=SINCE)
    assert_type(client.evidence.download(export, "evidence.json"), DownloadedFile)
    assert_type(client.evidence.verify("evidence.json", head="ab"), EvidenceVerification)
    assert_type(client.attachments.upload(b"x", filename="a.csv"), Attachment)
    client.evidence.download(export, 42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    assert_type(client.evidence.package("abp_1", since="2025-03-01T00:00:00Z"), EvidenceExport)
    assert_type(client.audit.list(action="abp.invoke", since=SINCE), Page[AuditLogEntry])
    assert_type(client.audit.iter(page_size=10, offset=5, max_items=3), Iterator[AuditLogEntry])
    assert_type(client.api_keys.create(name="ci", scopes=["runs:read"]), CreatedApiKey)
    assert_type(client.api_keys.list(limit=5, offset=0), Page[ApiKey])
    assert_type(client.api_keys.revoke("key_1"), None)
    assert_type(client.usage.summary(evidence_limit=10, evidence_offset=0), UsageSummary)
    assert_type(client.runs.list(status="failed", network_slug="claims"), Page[Run])
    assert_type(client.runs.retrieve("run_1"), Run)
    assert_type(client.runs.wait("run_1", poll_interval=1.0, timeout=60.0), Run)
    assert_type(client.runs.wait("run_1", on_status=lambda run: print(run.status)), Run)
    assert_type(client.runs.revise("run_1", instructions="Shorter."), Run)
    assert_type(client.runs.share("run_1", expires_in_s=3600), RunShare)
    assert_type(client.networks.submit("claims", prompt_text="p"), QueuedRun)
    assert_type(client.networks.invoke("claims", prompt_text="p"), Run)
    assert_type(
        client.networks.invoke(
            "claims",
            prompt_text="p",
            metadata={"loan_id": "L-1"},
            attachment_ids=["att_1"],
            wait=False,
            poll_interval=2.0,
            timeout=30.0,
            on_status=print,
            idempotency_key="k",
        ),
        Run,
    )
    assert_type(client.approvals.list(status="pending"), Page[Approval])
    assert_type(client.approvals.retrieve("apr_1"), Approval)
    assert_type(client.approvals.approve("apr_1", note="ok"), Approval)
    assert_type(client.approvals.reject("apr_1"), Approval)
    assert_type(client.plans.list(), Page[Plan])
    assert_type(client.attachments.retrieve("att_1"), Attachment)


def check_pages(page: Page[Run]) -> None:
    assert_type(page.items, list[Run])
    assert_type(page.limit, int)
    assert_type(page.offset, int)
    assert_type(page.total, int | None)
    assert_type(page.raw, JSONObject)
    assert_type(len(page), int)
    for run in page:
        assert_type(run, Run)
    assert_type(page.has_next_page(), bool)
    assert_type(page.next_page(), Page[Run])
    assert_type(page.iter_all(), Iterator[Run])
    assert_type(page.iter_all(max_items=10), Iterator[Run])
    assert_type(page.iter_pages(), Iterator[Page[Run]])


def check_compat(client: VelerianClient) -> None:
    assert_type(client.invoke_abp("abp_1", payload={"prompt": "Hi"}), InvokeResult)
    assert_type(client.invocation_evidence("abp_1", "inv_1", format="json"), EvidenceExport)
    assert_type(client.evidence_package("abp_1", since="2025-03-01"), EvidenceExport)
    assert_type(client.usage_summary(), UsageSummary)
    assert_type(client.list_audit_log(action="abp.invoke", limit=50), Page[JSONObject])
    assert_type(client.iter_audit_log(action="abp.invoke", page_size=100), Iterator[JSONObject])
    assert_type(client.iter_paginated("approvals", page_size=100), Iterator[JSONObject])
    assert_type(
        client.iter_paginated(
            "usage/summary",
            limit_param="evidence_limit",
            offset_param="evidence_offset",
            items_key="evidence_packs",
        ),
        Iterator[JSONObject],
    )
    assert_type(client.invoke_network("claims", prompt_text="p", wait=False), JSONObject)
    assert_type(client.await_run("run_1", poll_interval=3.0, run_timeout=900.0), JSONObject)
    for entry in client.iter_audit_log():
        assert_type(entry["created_at"], JSONValue)


def check_call_options(client: VelerianClient) -> None:
    # Each option is typed; the namespace keeps its class, so its methods keep theirs.
    fast = client.abps.with_options(timeout=5.0, total_timeout=20.0, max_retries=1)
    assert_type(fast, Abps)
    assert_type(fast.invoke("abp_1", payload={}), InvokeResult)
    tagged = client.plans.with_options(extra_headers={"X-Team": "risk"}, extra_query={"p": 1})
    assert_type(tagged.list(), Page[Plan])
    assert_type(client.with_options(total_timeout=None), VelerianClient)
    client.abps.with_options(timeout="5")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    client.abps.with_options(max_retries=1.5)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    client.abps.with_options(extra_query={"tags": ["a"]})  # type: ignore[dict-item]  # pyright: ignore[reportArgumentType]
    client.abps.with_options(retries=1)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]


def check_response_metadata(client: VelerianClient) -> None:
    result = client.abps.invoke("abp_1", payload={})
    assert_type(result.last_response, ResponseInfo | None)
    info = client.plans.list().last_response
    assert info is not None
    assert_type(info.request_id, str | None)
    assert_type(info.attempts, int)
    raw = raw_response(client.abps.invoke)("abp_1", payload={"prompt": "Hi"})
    assert_type(raw, RawResponse[InvokeResult])
    assert_type(raw.parse(), InvokeResult)
    assert_type(raw.headers, httpx.Headers)
    assert_type(raw_response(client.plans.list)(limit=5).parse(), Page[Plan])
    raw_response(client.abps.invoke)("abp_1", payload=["x"])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    raw_response(client.abps.invoke)("abp_1", prompt="x")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]


def check_wrong_calls(client: VelerianClient) -> None:
    client.abps.retrieve(5)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    client.abps.invoke("abp_1", payload=["x"])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    client.abps.invoke("abp_1", {"x": 1})  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    client.runs.wait("run_1", poll_intervall=3.0)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    client.networks.invoke("claims", prompt="p")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    client.evidence.package("abp_1")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    client.audit.list(since=20250301)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    client.api_keys.create(name="ci")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    client.runs.retrieve("run_1").outcome  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    client.abps.invoke("abp_1", payload={}).output_text  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    client.usage.summary().evidence_packs[0]["id"]  # type: ignore[index]  # pyright: ignore[reportIndexIssue]
    client.runs.runs  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]


def check_default_http_client() -> None:
    assert_type(default_http_client(), httpx.Client)
    tls = ssl.create_default_context()
    http = default_http_client(
        timeout=httpx.Timeout(30.0),
        limits=httpx.Limits(max_connections=10),
        proxy=httpx.Proxy("http://proxy.test:3128"),
        ssl_context=tls,
        http2=True,
        trust_env=False,
    )
    assert_type(http, httpx.Client)
    assert_type(
        VelerianClient(http_client=default_http_client(proxy="http://p:3128")), VelerianClient
    )
    default_http_client(proxies="http://p:3128")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    default_http_client(verify=False)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    default_http_client(ssl_context="ca.pem")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    VelerianClient(http_client=default_async_http_client())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
