"""
Run rows and permalinks as the real API has them, through both clients against the stub.

0.1.2 (``client.py``) says the run row "names the model `model_id` and carries no
`slug`/`run_url`/`prompt_id`", that ``run_url`` is the browser permalink and that it
comes with the queued answer; its ``invoke_network`` fills those keys in itself.
"""

from __future__ import annotations

import httpx
import pytest

from velerian_sdk import AsyncVelerianClient, VelerianClient
from velerian_stub.pytest_plugin import StubTenant

_FILLED_IN = {"slug", "run_id", "prompt_id", "run_url", "model_id_used"}


def permalink(tenant: StubTenant, run_id: str) -> str:
    return f"{tenant.base_url}/app/runs/{run_id}"


def expected_link(tenant: StubTenant, run_id: object, *, sparse: bool) -> str | None:
    # `run_url` is optional: a sparse answer leaves it out, and 0.1.2 then reads None.
    return None if sparse else permalink(tenant, str(run_id))


def test_sync_rows_and_links(
    velerian_client: VelerianClient, velerian_tenant: StubTenant, sparse: bool
) -> None:
    client, slug = velerian_client, velerian_tenant.network_slug
    queued = client.networks.submit(slug, prompt_text="link me")
    link = permalink(velerian_tenant, queued.run_id)
    assert queued.run_url == expected_link(velerian_tenant, queued.run_id, sparse=sparse)
    page = httpx.get(link)
    assert (page.status_code, queued.run_id in page.text) == (200, True)
    run = client.runs.wait(queued.run_id, poll_interval=0.1, timeout=30)
    assert not {"run_url", "slug", "prompt_id"} & set(run.raw)
    listed = {row.id: row for row in client.runs.list()}
    assert "run_url" not in listed[run.id].raw
    result = client.invoke_network(slug, prompt_text="the 0.1 shape", poll_interval=0.1)
    assert set(result) >= _FILLED_IN
    assert result["run_url"] == expected_link(velerian_tenant, result["run_id"], sparse=sparse)
    assert result["prompt_id"] == result["run_id"]
    assert (result["slug"], result["model_id_used"]) == (slug, result.get("model_id"))
    early = client.invoke_network(slug, prompt_text="not now", wait=False)
    # The queueing answer as the server sent it, as 0.1.2 returns it.
    assert set(early) == ({"run_id"} if sparse else {"run_id", "run_url", "status"})
    assert early.get("run_url") == expected_link(velerian_tenant, early["run_id"], sparse=sparse)


@pytest.mark.anyio
async def test_async_rows_and_links(
    async_velerian_client: AsyncVelerianClient, velerian_tenant: StubTenant, sparse: bool
) -> None:
    client, slug = async_velerian_client, velerian_tenant.network_slug
    queued = await client.networks.submit(slug, prompt_text="link me")
    assert queued.run_url == expected_link(velerian_tenant, queued.run_id, sparse=sparse)
    run = await client.runs.wait(queued.run_id, poll_interval=0.1, timeout=30)
    assert not {"run_url", "slug", "prompt_id"} & set(run.raw)
    result = await client.invoke_network(slug, prompt_text="the 0.1 shape", poll_interval=0.1)
    assert set(result) >= _FILLED_IN
    assert result["run_url"] == expected_link(velerian_tenant, result["run_id"], sparse=sparse)
    assert result["prompt_id"] == result["run_id"]
    assert (result["slug"], result["model_id_used"]) == (slug, result.get("model_id"))
    early = await client.invoke_network(slug, prompt_text="not now", wait=False)
    assert early.get("run_url") == expected_link(velerian_tenant, early["run_id"], sparse=sparse)
