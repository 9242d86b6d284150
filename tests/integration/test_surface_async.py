"""Every route through the async client, against the stub (one fresh tenant per test)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from velerian_sdk import (
    AsyncVelerianClient,
    VelerianAuthError,
    VelerianConflictError,
    VelerianNotFoundError,
)
from velerian_stub.pytest_plugin import StubTenant

pytestmark = pytest.mark.anyio


async def test_abps_invoke_and_approvals(
    async_velerian_client: AsyncVelerianClient, velerian_tenant: StubTenant, sparse: bool
) -> None:
    client = async_velerian_client
    page = await client.abps.list()
    assert velerian_tenant.abp_id in {abp.id async for abp in page}
    abp = await client.abps.retrieve(velerian_tenant.abp_id)
    results = await asyncio.gather(
        client.abps.invoke(abp.id, payload={"prompt": "ok"}),
        client.abps.invoke(abp.id, payload={"prompt": "DENY"}),
        client.abps.invoke(abp.id, payload={"prompt": "REQUIRE_APPROVAL"}),
    )
    assert [r.outcome for r in results] == ["allowed", "denied", "held"]
    assert (results[2].approval_id is None) is sparse
    pending = [a.id async for a in await client.approvals.list(status="pending")]
    assert len(pending) == 1
    approval_id = results[2].approval_id or pending[0]
    assert approval_id == pending[0]
    rejected = await client.approvals.reject(approval_id, note="no")
    assert rejected.status == (None if sparse else "rejected")
    with pytest.raises(VelerianConflictError):
        await client.abps.invoke(velerian_tenant.draft_abp_id, payload={})


async def test_evidence_and_audit(
    async_velerian_client: AsyncVelerianClient, velerian_tenant: StubTenant, tmp_path: Path
) -> None:
    client = async_velerian_client
    for n in range(4):
        await client.abps.invoke(velerian_tenant.abp_id, payload={"n": n})
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    export = await client.evidence.package(velerian_tenant.abp_id, since=since, delivery="stream")
    saved = await client.evidence.download(export, tmp_path / "pack.json")
    assert client.evidence.verify(saved).packs_checked == 4
    entries = [e async for e in client.audit.iter(action="abp.invoke", page_size=3)]
    assert len(entries) == 4
    page = await client.audit.list(limit=3)
    following = await page.next_page()
    assert following.offset == 3
    summary = await client.usage.summary()
    assert summary.tenant_id == velerian_tenant.tenant_id
    assert len(await client.plans.list()) >= 1


async def test_keys_runs_and_attachments(
    async_velerian_client: AsyncVelerianClient, velerian_tenant: StubTenant, sparse: bool
) -> None:
    client = async_velerian_client
    minted = await client.api_keys.create(name="tmp", scopes=["runs:read"])
    assert minted.id in {k.id for k in await client.api_keys.list()}
    await client.api_keys.revoke(minted.id)
    async with client.with_options(api_key=minted.secret.get_secret_value()) as revoked:
        with pytest.raises(VelerianAuthError):
            await revoked.runs.list()
    attachment = await client.attachments.upload(b"x" * 10_000, filename="blob.bin")
    run = await client.networks.invoke(
        velerian_tenant.network_slug,
        prompt_text="go",
        attachment_ids=[attachment.id],
        poll_interval=0.2,
    )
    assert run.status == "succeeded"
    assert run.attachment_ids == ([] if sparse else [attachment.id])
    assert (await client.runs.retrieve(run.id)).id == run.id
    queued = await client.networks.invoke(
        velerian_tenant.network_slug, prompt_text="later", wait=False
    )
    assert queued.status in {"queued", "running"}
    done = await client.runs.wait(queued.id, poll_interval=0.2, timeout=30)
    assert done.status == "succeeded"
    with pytest.raises(VelerianNotFoundError):
        await client.runs.retrieve("run_missing")


async def test_cancelling_a_wait_leaves_the_run_collectable(
    async_velerian_client: AsyncVelerianClient, velerian_tenant: StubTenant
) -> None:
    client = async_velerian_client
    queued = await client.networks.submit(
        velerian_tenant.network_slug, prompt_text="slow", metadata={"stub_duration_ms": 1500}
    )
    waiting = asyncio.ensure_future(client.runs.wait(queued.run_id, poll_interval=0.1))
    await asyncio.sleep(0.3)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    final = await client.runs.wait(queued.run_id, poll_interval=0.2, timeout=30)
    assert final.status == "succeeded"
