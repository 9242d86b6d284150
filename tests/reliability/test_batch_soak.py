"""
Batches against a stub that fails 20% before the work, 20% after it, and rate-limits.

Each soak runs ``VELERIAN_SOAK_BATCH_ITEMS`` items (CI: 300; ``nox -s soak``: 2,000)
through :class:`~velerian_sdk.Batch` or :class:`~velerian_sdk.AsyncBatch` and then
counts from the stub's own execution log: every item executed exactly once (0
executed twice), and it is the invocation the batch returned (0 lost). A request log
checks that after a 429 the whole batch paused for its ``Retry-After``.

The last test kills (``SIGKILL``) a process running a batch with a journal halfway
and reruns the batch with the same journal: every item is executed exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.reliability.soak_ledger import StubLedger, stub_executions
from tests.reliability.soak_report import SoakReport
from tests.reliability.soak_settings import (
    BATCH_ITEMS,
    PATIENT_POLICY,
    budget_s,
    fault_args,
    soak_timeout_s,
)
from tests.reliability.test_fault_soak import payload_of
from velerian_sdk import (
    AsyncBatch,
    AsyncVelerianClient,
    Batch,
    BatchItem,
    BatchOutcome,
    BatchSummary,
    InvokeResult,
    Middleware,
    RetryPolicy,
    VelerianClient,
)
from velerian_stub import StubProcess
from velerian_stub.pytest_plugin import StubTenant, create_tenant

BATCH_RATE_LIMIT = 80
"""Requests per second per key: high enough to keep CI quick, low enough to trip 429s."""
CEILING = 16
SOAK_RETRY = RetryPolicy(max_retries=25, initial_backoff=0.02, max_backoff=0.25)
"""With 40% of requests failing, 26 tries leave an item failing for good with p < 1e-10."""
PAUSE_SLACK_S = 0.05
"""A call the runner started before it had read a 429 another call had already got."""


@pytest.fixture(scope="module")
def faulty() -> Iterator[StubProcess]:
    with StubProcess(args=fault_args(rate_limit=BATCH_RATE_LIMIT)) as stub:
        yield stub


class RequestLog(Middleware):
    """When each invoke was sent, and when each 429 came back with its Retry-After."""

    def __init__(self) -> None:
        self.sent: list[float] = []
        self.rate_limited: list[tuple[float, float]] = []
        self._lock = threading.Lock()

    def on_request(self, request: httpx.Request) -> None:
        if request.url.path.endswith("/invoke"):
            with self._lock:
                self.sent.append(time.monotonic())

    def on_response(self, request: httpx.Request, response: httpx.Response) -> None:
        if response.status_code == 429:
            retry_after = float(response.headers.get("retry-after", "1"))
            with self._lock:
                self.rate_limited.append((time.monotonic(), retry_after))

    def sent_during_pauses(self) -> int:
        """Invokes sent while the batch should have been paused by an earlier 429."""
        return sum(
            1
            for sent in self.sent
            if any(
                answered + PAUSE_SLACK_S < sent < answered + retry_after - PAUSE_SLACK_S
                for answered, retry_after in self.rate_limited
            )
        )


def items(count: int) -> Iterator[BatchItem]:
    for index in range(count):
        yield BatchItem(f"item-{index}", payload_of(index))


def check_exactly_once(
    name: str,
    stub: StubProcess,
    tenant: StubTenant,
    outcomes: list[BatchOutcome[InvokeResult]],
    summary: BatchSummary,
    log: RequestLog | None,
) -> SoakReport:
    """Hold the stub's execution log to the batch's outcomes; publish the figures."""
    with VelerianClient(
        api_key=tenant.api_key, base_url=tenant.base_url, retry_policy=PATIENT_POLICY
    ) as verifier:
        executed = stub_executions(verifier, StubLedger(stub.admin_token, tenant.tenant_id))
    returned = {o.idempotency_key: o.result.invocation_id for o in outcomes if o.result}
    report = SoakReport(name)
    figures = report.figures
    figures["stub"] = f"--fail-before 0.2 --fail-after 0.2 --rate-limit {BATCH_RATE_LIMIT}"
    figures["items"] = BATCH_ITEMS
    figures["outcomes"] = len(outcomes)
    figures["succeeded"] = sum(o.ok for o in outcomes)
    figures["executed twice"] = sum(len(ids) - 1 for ids in executed.values() if len(ids) > 1)
    figures["lost"] = sum(
        1 for key, invocation in returned.items() if executed.get(key) != [invocation]
    )
    figures["executions"] = sum(len(ids) for ids in executed.values())
    figures["retries"] = summary.retries
    figures["429s"] = summary.rate_limited
    figures["peak in flight"] = summary.peak_in_flight
    figures["skipped (journal)"] = summary.skipped
    if log is not None:
        figures["invokes sent during a batch pause"] = log.sent_during_pauses()
    figures["wall s"] = round(summary.elapsed_s, 2)
    report.publish()
    assert sorted(o.key for o in outcomes) == sorted(f"item-{i}" for i in range(BATCH_ITEMS))
    assert figures["succeeded"] == BATCH_ITEMS
    assert set(executed) == set(returned)
    assert figures["executed twice"] == 0
    assert figures["lost"] == 0
    assert figures["executions"] == BATCH_ITEMS
    assert summary.peak_in_flight <= CEILING
    return report


def check_faults_were_met(report: SoakReport) -> None:
    figures = report.figures
    assert isinstance(figures["429s"], int)
    assert figures["429s"] > 0
    assert isinstance(figures["retries"], int)
    assert figures["retries"] > 0
    assert figures["invokes sent during a batch pause"] == 0


@pytest.mark.timeout(soak_timeout_s(BATCH_ITEMS))
def test_sync_batch_soak(faulty: StubProcess) -> None:
    tenant = create_tenant(faulty, "sync batch soak")
    log = RequestLog()
    with VelerianClient(
        api_key=tenant.api_key, base_url=tenant.base_url, middleware=[log]
    ) as client:
        batch = Batch.for_abp(
            client, tenant.abp_id, batch_id="soak", max_concurrency=CEILING, retry_policy=SOAK_RETRY
        )
        deadline = time.monotonic() + budget_s(BATCH_ITEMS)
        outcomes: list[BatchOutcome[InvokeResult]] = []
        for outcome in batch.run(items(BATCH_ITEMS)):
            outcomes.append(outcome)
            assert time.monotonic() < deadline, "the batch ran past its budget"
    report = check_exactly_once("sync batch soak", faulty, tenant, outcomes, batch.summary, log)
    check_faults_were_met(report)


@pytest.mark.timeout(soak_timeout_s(BATCH_ITEMS))
def test_async_batch_soak(faulty: StubProcess) -> None:
    tenant = create_tenant(faulty, "async batch soak")
    log = RequestLog()

    async def soak() -> tuple[list[BatchOutcome[InvokeResult]], BatchSummary]:
        async with AsyncVelerianClient(
            api_key=tenant.api_key, base_url=tenant.base_url, middleware=[log]
        ) as client:
            batch = AsyncBatch.for_abp(
                client,
                tenant.abp_id,
                batch_id="soak",
                max_concurrency=CEILING,
                retry_policy=SOAK_RETRY,
            )

            async def collect() -> list[BatchOutcome[InvokeResult]]:
                return [outcome async for outcome in batch.run(items(BATCH_ITEMS))]

            outcomes = await asyncio.wait_for(collect(), timeout=budget_s(BATCH_ITEMS))
            return outcomes, batch.summary

    outcomes, summary = asyncio.run(soak())
    report = check_exactly_once("async batch soak", faulty, tenant, outcomes, summary, log)
    check_faults_were_met(report)


CHILD = """
import os, sys
from velerian_sdk import Batch, BatchItem, RetryPolicy, VelerianClient
from tests.reliability.test_fault_soak import payload_of

env = os.environ
with VelerianClient(api_key=env["BATCH_KEY"], base_url=env["BATCH_URL"]) as client:
    batch = Batch.for_abp(
        client, env["BATCH_ABP"], batch_id="killed", journal=env["BATCH_JOURNAL"],
        max_concurrency=16,
        retry_policy=RetryPolicy(max_retries=25, initial_backoff=0.02, max_backoff=0.25),
    )
    count = int(env["BATCH_ITEMS"])
    source = (BatchItem(f"item-{i}", payload_of(i)) for i in range(count))
    for outcome in batch.run(source):
        print("done", outcome.key, outcome.ok, flush=True)
"""


@pytest.mark.timeout(soak_timeout_s(BATCH_ITEMS, budgets=2))
def test_a_batch_killed_halfway_and_rerun_with_its_journal_runs_each_item_once(
    faulty: StubProcess, tmp_path: Path
) -> None:
    tenant = create_tenant(faulty, "killed batch")
    journal = tmp_path / "killed.sqlite"
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [
                str(root),
                str(root / "src"),
                str(root / "stubs" / "src"),
                os.environ.get("PYTHONPATH", ""),
            ]
        ),
        "BATCH_KEY": tenant.api_key,
        "BATCH_URL": tenant.base_url,
        "BATCH_ABP": tenant.abp_id,
        "BATCH_JOURNAL": str(journal),
        "BATCH_ITEMS": str(BATCH_ITEMS),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE, text=True, cwd=root
    )
    assert child.stdout is not None
    reported = 0
    deadline = time.monotonic() + budget_s(BATCH_ITEMS)
    while reported < BATCH_ITEMS // 2:
        line = child.stdout.readline()
        assert line, f"the batch process ended early (exit {child.wait()})"
        reported += line.startswith("done ")
        assert time.monotonic() < deadline, "the batch process ran past its budget"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    with sqlite3.connect(journal) as db:
        states = dict(db.execute("SELECT state, COUNT(*) FROM items GROUP BY state").fetchall())

    with VelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as client:
        batch = Batch.for_abp(
            client,
            tenant.abp_id,
            batch_id="killed",
            journal=journal,
            max_concurrency=CEILING,
            retry_policy=SOAK_RETRY,
        )
        outcomes = list(batch.run(items(BATCH_ITEMS)))
    report = check_exactly_once(
        "batch killed and rerun", faulty, tenant, outcomes, batch.summary, None
    )
    report.figures["reported before the kill"] = reported
    report.figures["in flight at the kill"] = states.get("in_flight", 0)
    # Every item the killed process reported was journaled before it was reported.
    assert batch.summary.skipped >= reported
    assert batch.summary.skipped < BATCH_ITEMS
