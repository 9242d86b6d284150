"""A traced call's trace id leads to its audit entry: the stub records the traceparent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from opentelemetry.trace import SpanKind

from tests.unit.test_tracing import Traced, context_of, traceparent
from velerian_sdk import AsyncVelerianClient, AuditLogEntry, VelerianClient
from velerian_stub.pytest_plugin import StubTenant

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def traced() -> Iterator[Traced]:
    t = Traced()
    yield t
    t.provider.shutdown()


def entry_of(tenant: StubTenant, invocation_id: str) -> AuditLogEntry:
    """The invoke's audit entry, read by a client that traces nothing."""
    with VelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as reader:
        # A sparse stub leaves resource_id out; the test's tenant has this one invoke.
        (entry,) = [
            e
            for e in reader.audit.iter(action="abp.invoke")
            if e.resource_id in (invocation_id, None)
        ]
    return entry


def check_entry(entry: AuditLogEntry, traced: Traced, sparse: bool) -> None:
    if sparse:  # a sparse answer leaves out every optional field
        assert entry.traceparent is None
        return
    call = traced.call()
    (attempt,) = traced.spans(SpanKind.CLIENT)
    assert entry.trace_id == f"{context_of(call).trace_id:032x}"
    assert entry.traceparent == traceparent(attempt)


def test_a_traced_invoke_s_audit_entry_has_its_trace_id(
    velerian_tenant: StubTenant, traced: Traced, sparse: bool
) -> None:
    with VelerianClient(
        api_key=velerian_tenant.api_key,
        base_url=velerian_tenant.base_url,
        middleware=[traced.middleware],
    ) as client:
        result = client.abps.invoke(velerian_tenant.abp_id, payload={"prompt": "fine"})
    check_entry(entry_of(velerian_tenant, result.invocation_id), traced, sparse)


def test_an_async_traced_invoke_s_audit_entry_has_its_trace_id(
    velerian_tenant: StubTenant, traced: Traced, sparse: bool
) -> None:
    async def invoke() -> str:
        async with AsyncVelerianClient(
            api_key=velerian_tenant.api_key,
            base_url=velerian_tenant.base_url,
            middleware=[traced.middleware],
        ) as client:
            result = await client.abps.invoke(velerian_tenant.abp_id, payload={"prompt": "fine"})
            return result.invocation_id

    invocation_id = asyncio.run(invoke())
    check_entry(entry_of(velerian_tenant, invocation_id), traced, sparse)


def test_an_untraced_invoke_s_audit_entry_has_no_traceparent(
    velerian_client: VelerianClient, velerian_tenant: StubTenant
) -> None:
    result = velerian_client.abps.invoke(velerian_tenant.abp_id, payload={"prompt": "fine"})
    entry = entry_of(velerian_tenant, result.invocation_id)
    assert (entry.traceparent, entry.trace_id) == (None, None)
