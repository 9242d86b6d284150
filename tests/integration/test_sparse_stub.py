"""
Typed and 0.1 calls against a sparse stub: every /api/ answer holds only required fields.

The least the contract allows is what the real API may send (docs/api/decisions.md,
"Tolerant reader"); every call must still return its model (or its 0.1 dict).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from velerian_sdk import AsyncVelerianClient, VelerianClient
from velerian_stub import StubProcess
from velerian_stub.pytest_plugin import StubTenant, create_tenant


@pytest.fixture(scope="module")
def sparse_stub() -> Iterator[StubProcess]:
    with StubProcess(sparse=True) as stub:
        yield stub


@pytest.fixture
def sparse_tenant(sparse_stub: StubProcess) -> StubTenant:
    return create_tenant(sparse_stub, name="sparse")


def test_sync_typed_calls(sparse_tenant: StubTenant, tmp_path: Path) -> None:
    tenant = sparse_tenant
    with VelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as client:
        assert tenant.abp_id in {abp.id for abp in client.abps.list()}
        abp = client.abps.retrieve(tenant.abp_id)
        assert abp.created_at is None
        result = client.abps.invoke(abp.id, payload={"prompt": "fine"})
        assert (result.outcome, result.output) == ("allowed", None)
        queued = client.networks.submit(tenant.network_slug, prompt_text="sparse")
        assert (queued.run_id, queued.run_url) != ("", "")
        run = client.runs.wait(queued.run_id, poll_interval=0.1, timeout=30)
        assert (run.status, run.prompt_text, run.model_id) == ("succeeded", None, None)
        assert set(run.raw) == {"id", "status"}
        assert queued.run_id in {row.id for row in client.runs.list()}
        assert client.networks.invoke(tenant.network_slug, prompt_text="x").is_terminal
        summary = client.usage.summary()
        assert summary.tenant_id == tenant.tenant_id
        entries = list(client.audit.iter(page_size=2))
        assert entries
        assert all(entry.resource_id is None for entry in entries)
        since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
        # An absent `delivery` means presigned (no key sent), so a sparse answer leaves it
        # out only for a presigned link and keeps it for a stream one (sent with the key).
        export = client.evidence.package(tenant.abp_id, since=since)
        assert "delivery" not in export.raw
        saved = client.evidence.download(export, tmp_path / "pack.json")
        assert saved.size_bytes > 0
        stream = client.evidence.package(tenant.abp_id, since=since, delivery="stream")
        assert stream.raw["delivery"] == "stream"
        assert client.evidence.download(stream, tmp_path / "stream.json").size_bytes > 0


def test_sync_01_calls(sparse_tenant: StubTenant) -> None:
    tenant = sparse_tenant
    with VelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as client:
        result = client.invoke_network(tenant.network_slug, prompt_text="0.1", poll_interval=0.1)
        assert result["prompt_id"] == result["run_id"]
        assert result["model_id_used"] is None  # the sparse row names no model
        assert result["slug"] == tenant.network_slug


@pytest.mark.anyio
async def test_async_typed_calls(sparse_tenant: StubTenant) -> None:
    tenant = sparse_tenant
    async with AsyncVelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as client:
        abp = await client.abps.retrieve(tenant.abp_id)
        result = await client.abps.invoke(abp.id, payload={"prompt": "DENY"})
        assert result.outcome == "denied"
        run = await client.networks.invoke(
            tenant.network_slug, prompt_text="async", poll_interval=0.1
        )
        assert run.status == "succeeded"
        assert [row async for row in await client.runs.list()]
        summary = await client.usage.summary()
        assert summary.tenant_id == tenant.tenant_id
        assert [entry async for entry in client.audit.iter(page_size=2)]
