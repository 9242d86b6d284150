# ruff: noqa: B018 - bare expressions exist here only to be type-checked
"""What each call of the asynchronous client returns, as the type checkers see it."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import AsyncIterator

import httpx
from typing_extensions import assert_type

from velerian_sdk import (
    Abp,
    ApiKey,
    Approval,
    AsyncAbps,
    AsyncApiKeys,
    AsyncApprovals,
    AsyncAttachments,
    AsyncAudit,
    AsyncEvidence,
    AsyncNetworks,
    AsyncPage,
    AsyncPlans,
    AsyncRuns,
    AsyncUsage,
    AsyncVelerianClient,
    Attachment,
    AuditLogEntry,
    CreatedApiKey,
    DownloadedFile,
    EvidenceExport,
    EvidenceVerification,
    InvokeResult,
    JSONObject,
    Plan,
    QueuedRun,
    RawResponse,
    ResponseInfo,
    Run,
    RunShare,
    UsageSummary,
    araw_response,
    default_async_http_client,
    default_http_client,
)

SINCE = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)


def check_namespace_types(client: AsyncVelerianClient) -> None:
    # Each namespace is its exact class, not the descriptor that builds it.
    assert_type(client.abps, AsyncAbps)
    assert_type(client.evidence, AsyncEvidence)
    assert_type(client.audit, AsyncAudit)
    assert_type(client.api_keys, AsyncApiKeys)
    assert_type(client.usage, AsyncUsage)
    assert_type(client.runs, AsyncRuns)
    assert_type(client.networks, AsyncNetworks)
    assert_type(client.approvals, AsyncApprovals)
    assert_type(client.plans, AsyncPlans)
    assert_type(client.attachments, AsyncAttachments)


async def check_namespaces(client: AsyncVelerianClient) -> None:
    assert_type(await client.abps.list(), AsyncPage[Abp])
    assert_type(await client.abps.list(status="deployed", limit=10, offset=20), AsyncPage[Abp])
    assert_type(await client.abps.retrieve("abp_1"), Abp)
    assert_type(await client.abps.invoke("abp_1", payload={"prompt": "Hi"}), InvokeResult)
    assert_type(await client.evidence.for_invocation("abp_1", "inv_1"), EvidenceExport)
    assert_type(await client.evidence.package("abp_1", since=SINCE), EvidenceExport)
    export = await client.evidence.package("abp_1", since=SINCE)
    assert_type(await client.evidence.download(export, "evidence.json"), DownloadedFile)
    assert_type(client.evidence.verify("evidence.json", head="ab"), EvidenceVerification)
    assert_type(await client.attachments.upload(b"x", filename="a.csv"), Attachment)
    await client.evidence.download(export, 42)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    assert_type(await client.audit.list(action="abp.invoke"), AsyncPage[AuditLogEntry])
    assert_type(client.audit.iter(page_size=10, max_items=3), AsyncIterator[AuditLogEntry])
    assert_type(await client.api_keys.create(name="ci", scopes=["read"]), CreatedApiKey)
    assert_type(await client.api_keys.list(), AsyncPage[ApiKey])
    assert_type(await client.api_keys.revoke("key_1"), None)
    assert_type(await client.usage.summary(), UsageSummary)
    assert_type(await client.runs.list(status="failed"), AsyncPage[Run])
    assert_type(await client.runs.retrieve("run_1"), Run)
    assert_type(await client.runs.wait("run_1", on_status=lambda run: None), Run)
    assert_type(await client.runs.revise("run_1", instructions="Shorter."), Run)
    assert_type(await client.runs.share("run_1"), RunShare)
    assert_type(await client.networks.submit("claims", prompt_text="p"), QueuedRun)
    assert_type(await client.networks.invoke("claims", prompt_text="p", wait=False), Run)
    assert_type(await client.approvals.list(), AsyncPage[Approval])
    assert_type(await client.approvals.retrieve("apr_1"), Approval)
    assert_type(await client.approvals.approve("apr_1"), Approval)
    assert_type(await client.approvals.reject("apr_1", note="no"), Approval)
    assert_type(await client.plans.list(), AsyncPage[Plan])
    assert_type(await client.attachments.retrieve("att_1"), Attachment)


async def check_pages(page: AsyncPage[Run]) -> None:
    assert_type(page.items, list[Run])
    assert_type(page.total, int | None)
    assert_type(len(page), int)
    for run in page:  # this page only, as in 0.1
        assert_type(run, Run)
    async for run in page:  # every run from this page onward
        assert_type(run, Run)
    assert_type(page.has_next_page(), bool)
    assert_type(await page.next_page(), AsyncPage[Run])
    assert_type(page.iter_all(max_items=10), AsyncIterator[Run])
    assert_type(page.iter_pages(), AsyncIterator[AsyncPage[Run]])


async def check_compat(client: AsyncVelerianClient) -> None:
    assert_type(await client.invoke_abp("abp_1", payload={}), InvokeResult)
    assert_type(await client.invocation_evidence("abp_1", "inv_1"), EvidenceExport)
    assert_type(await client.evidence_package("abp_1", since=SINCE), EvidenceExport)
    assert_type(await client.usage_summary(), UsageSummary)
    assert_type(await client.list_audit_log(), AsyncPage[JSONObject])
    assert_type(client.iter_audit_log(), AsyncIterator[JSONObject])
    assert_type(client.iter_paginated("approvals"), AsyncIterator[JSONObject])
    assert_type(await client.invoke_network("claims", prompt_text="p"), JSONObject)
    assert_type(await client.await_run("run_1"), JSONObject)


async def check_call_options(client: AsyncVelerianClient) -> None:
    # Each option is typed; the namespace keeps its class, so its methods keep theirs.
    fast = client.abps.with_options(timeout=5.0, total_timeout=20.0, max_retries=1)
    assert_type(fast, AsyncAbps)
    assert_type(await fast.invoke("abp_1", payload={}), InvokeResult)
    tagged = client.plans.with_options(extra_headers={"X-Team": "risk"}, extra_query={"p": 1})
    assert_type(await tagged.list(), AsyncPage[Plan])
    assert_type(client.with_options(total_timeout=None), AsyncVelerianClient)
    client.abps.with_options(timeout="5")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    client.abps.with_options(max_retries=1.5)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    client.abps.with_options(extra_query={"tags": ["a"]})  # type: ignore[dict-item]  # pyright: ignore[reportArgumentType]
    client.abps.with_options(retries=1)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]


async def check_response_metadata(client: AsyncVelerianClient) -> None:
    result = await client.abps.invoke("abp_1", payload={})
    assert_type(result.last_response, ResponseInfo | None)
    raw = await araw_response(client.abps.invoke)("abp_1", payload={"prompt": "Hi"})
    assert_type(raw, RawResponse[InvokeResult])
    assert_type(raw.parse(), InvokeResult)
    assert_type((await araw_response(client.plans.list)(limit=5)).parse(), AsyncPage[Plan])
    await araw_response(client.abps.invoke)("abp_1", prompt="x")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]


async def check_wrong_calls(client: AsyncVelerianClient) -> None:
    await client.runs.wait(run_id="run_1", timeout="soon")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    await client.plans.list(limit=None)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    (await client.runs.retrieve("run_1")).model_id_used  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    (await client.abps.list()).next_page().items  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    client.runs.retrieve("run_1").status  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    for _ in client.audit.iter():  # type: ignore[attr-defined]  # pyright: ignore[reportGeneralTypeIssues, reportUnknownVariableType]
        pass


def check_default_async_http_client() -> None:
    assert_type(default_async_http_client(), httpx.AsyncClient)
    http = default_async_http_client(
        timeout=10.0, proxy="http://proxy.test:3128", ssl_context=ssl.create_default_context()
    )
    assert_type(AsyncVelerianClient(http_client=http), AsyncVelerianClient)
    default_async_http_client(http2="yes")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    AsyncVelerianClient(http_client=default_http_client())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
