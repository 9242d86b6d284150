"""
Governed invokes against a stub that fails 20% before the work, 20% after it, and rate-limits.

Three soaks, one per way of using the SDK: one sync client in a loop, one async client
with 100+ calls in flight, and one sync client shared by 16 threads. Each call uses its
own ``idempotency_key=f"soak-{i}"`` and ends in an ``InvokeResult`` or a typed
``VelerianError``; anything else escaping fails the test at once. Then
:func:`~tests.reliability.soak_ledger.settle_soak` holds the stub's records to the
claims: no duplicate, no lost result, no execution for a call that never reached the
work, every 429 waited out.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.reliability.attempt_log import AttemptLog, CallGauge
from tests.reliability.soak_ledger import CallOutcome, SoakRun, StubLedger, settle_soak
from tests.reliability.soak_report import SoakReport
from tests.reliability.soak_settings import (
    ASYNC_CALLS,
    IN_FLIGHT,
    PATIENT_POLICY,
    RATE_LIMIT,
    SOAK_POLICY,
    SYNC_CALLS,
    THREAD_CALLS,
    THREADS,
    budget_s,
    soak_timeout_s,
)
from velerian_sdk import AsyncVelerianClient, VelerianClient, VelerianError
from velerian_stub import StubProcess
from velerian_stub.pytest_plugin import StubTenant, create_tenant


def payload_of(index: int) -> dict[str, object]:
    """Mostly allowed; every tenth denied and every tenth held, so all verdicts are soaked."""
    word = {3: "DENY", 7: "REQUIRE_APPROVAL"}.get(index % 10, "summarise")
    return {"claim": index, "prompt": f"{word} claim {index}"}


def invoke_once(client: VelerianClient, abp_id: str, index: int) -> CallOutcome:
    """One soak call; only a VelerianError is caught, anything else fails the test."""
    key, payload = f"soak-{index}", payload_of(index)
    try:
        result = client.abps.invoke(abp_id, payload=payload, idempotency_key=key)
    except VelerianError as exc:
        return CallOutcome(key, payload, error=type(exc).__name__)
    return CallOutcome(key, payload, invocation_id=result.invocation_id)


async def ainvoke_once(client: AsyncVelerianClient, abp_id: str, index: int) -> CallOutcome:
    """The async twin of :func:`invoke_once`."""
    key, payload = f"soak-{index}", payload_of(index)
    try:
        result = await client.abps.invoke(abp_id, payload=payload, idempotency_key=key)
    except VelerianError as exc:
        return CallOutcome(key, payload, error=type(exc).__name__)
    return CallOutcome(key, payload, invocation_id=result.invocation_id)


def settle_and_check(run: SoakRun, tenant: StubTenant, stub: StubProcess) -> SoakReport:
    """Settle the soak with a patient client, publish the report, assert the claims."""
    ledger = StubLedger(stub.admin_token, tenant.tenant_id)
    with VelerianClient(
        api_key=tenant.api_key, base_url=tenant.base_url, retry_policy=PATIENT_POLICY
    ) as verifier:
        report, problems = settle_soak(run, verifier, ledger)
    report.publish()
    figures = report.figures
    assert problems == []
    assert figures["duplicates"] == 0
    assert figures["lost results"] == 0
    assert figures["executions after recovery"] == figures["calls"]
    assert figures["abp.invoke audit entries"] == figures["calls"]
    # The faults really happened, so the claims above were tested, not assumed.
    assert isinstance(figures["429s seen"], int)
    assert figures["429s seen"] > 0
    assert figures["retries after a 429"] != 0
    assert figures["503 fail-before seen"] != 0
    assert figures["502 fail-after seen"] != 0
    assert figures["idempotent replays seen"] != 0
    return report


def soak_extra(**extra: int | str) -> dict[str, int | float | str]:
    return {
        "stub": f"--fail-before 0.2 --fail-after 0.2 --rate-limit {RATE_LIMIT}",
        "retry policy": (
            f"max_retries={SOAK_POLICY.max_retries}, full-jitter backoff "
            f"{SOAK_POLICY.initial_backoff}..{SOAK_POLICY.max_backoff} s"
        ),
        **extra,
    }


@pytest.mark.timeout(soak_timeout_s(SYNC_CALLS))
def test_sync_client_soak(faulty_stub: StubProcess) -> None:
    tenant = create_tenant(faulty_stub, "sync soak")
    log, gauge = AttemptLog(), CallGauge()
    outcomes: list[CallOutcome] = []
    with VelerianClient(
        api_key=tenant.api_key,
        base_url=tenant.base_url,
        retry_policy=SOAK_POLICY,
        middleware=[gauge, log],
    ) as client:
        started = time.monotonic()
        deadline = started + budget_s(SYNC_CALLS)
        for index in range(SYNC_CALLS):
            if time.monotonic() > deadline:
                pytest.fail(f"the soak ran past its {budget_s(SYNC_CALLS):.0f} s budget")
            outcomes.append(invoke_once(client, tenant.abp_id, index))
        wall = time.monotonic() - started
    run = SoakRun("sync soak", tenant.abp_id, outcomes, log, wall, gauge.peak, soak_extra())
    report = settle_and_check(run, tenant, faulty_stub)
    assert report.figures["peak calls in flight"] == 1
    # With the SDK's default 3 retries some calls run out of them; the report must
    # show that recovery by replay was exercised for calls that raised after the work.
    assert report.figures["raised, after the work ran"] != 0


@pytest.mark.timeout(soak_timeout_s(ASYNC_CALLS))
def test_async_client_soak_with_100_plus_in_flight(faulty_stub: StubProcess) -> None:
    tenant = create_tenant(faulty_stub, "async soak")
    log, gauge = AttemptLog(), CallGauge()

    async def soak() -> tuple[list[CallOutcome], float]:
        async with AsyncVelerianClient(
            api_key=tenant.api_key,
            base_url=tenant.base_url,
            retry_policy=SOAK_POLICY,
            middleware=[gauge, log],
        ) as client:
            slots = asyncio.Semaphore(IN_FLIGHT)

            async def one(index: int) -> CallOutcome:
                async with slots:
                    return await ainvoke_once(client, tenant.abp_id, index)

            started = time.monotonic()
            calls = asyncio.gather(*(one(index) for index in range(ASYNC_CALLS)))
            outcomes = await asyncio.wait_for(calls, timeout=budget_s(ASYNC_CALLS))
            return outcomes, time.monotonic() - started

    outcomes, wall = asyncio.run(soak())
    extra = soak_extra(**{"calls in flight (semaphore)": IN_FLIGHT})
    run = SoakRun("async soak", tenant.abp_id, outcomes, log, wall, gauge.peak, extra)
    report = settle_and_check(run, tenant, faulty_stub)
    assert report.figures["peak calls in flight"] == min(IN_FLIGHT, ASYNC_CALLS)
    assert min(IN_FLIGHT, ASYNC_CALLS) >= 100


@pytest.mark.timeout(soak_timeout_s(THREADS * THREAD_CALLS))
def test_one_sync_client_shared_by_16_threads(faulty_stub: StubProcess) -> None:
    tenant = create_tenant(faulty_stub, "threaded soak")
    log, gauge = AttemptLog(), CallGauge()
    total = THREADS * THREAD_CALLS
    with VelerianClient(
        api_key=tenant.api_key,
        base_url=tenant.base_url,
        retry_policy=SOAK_POLICY,
        middleware=[gauge, log],
    ) as client:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="soak") as pool:
            futures = [
                pool.submit(invoke_once, client, tenant.abp_id, index) for index in range(total)
            ]
            outcomes = [future.result(timeout=budget_s(total)) for future in futures]
        wall = time.monotonic() - started
    extra = soak_extra(threads=THREADS)
    run = SoakRun("16-thread soak", tenant.abp_id, outcomes, log, wall, gauge.peak, extra)
    report = settle_and_check(run, tenant, faulty_stub)
    assert report.figures["peak calls in flight"] == THREADS
