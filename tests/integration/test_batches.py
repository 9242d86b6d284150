"""
Batches against the stub: results per item, exactly once on rerun, resume, bad input.

Executions are counted from the stub's own log (``/_stub/executions``), never from
what the runner says it did.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.reliability.soak_ledger import StubLedger, stub_executions
from velerian_sdk import (
    AsyncBatch,
    AsyncVelerianClient,
    Batch,
    BatchItem,
    BatchOutcome,
    InvokeResult,
    Middleware,
    VelerianAPIError,
    VelerianArgumentError,
    VelerianBatchError,
    VelerianClient,
    VelerianConflictError,
)
from velerian_stub import StubProcess
from velerian_stub.pytest_plugin import StubTenant, create_tenant

MAX_BODY = 16_384


@pytest.fixture(scope="module")
def stub() -> Iterator[StubProcess]:
    """A stub of its own: a small body limit makes a payload the API refuses easy to send."""
    with StubProcess(args=["--max-body-bytes", str(MAX_BODY)]) as process:
        yield process


@pytest.fixture
def tenant(stub: StubProcess, request: pytest.FixtureRequest) -> StubTenant:
    return create_tenant(stub, request.node.name[:60])


class RequestCounter(Middleware):
    """Counts the invoke requests that reach the wire."""

    def __init__(self) -> None:
        self.invokes = 0

    def on_request(self, request: httpx.Request) -> None:
        if request.url.path.endswith("/invoke"):
            self.invokes += 1


def executions(stub: StubProcess, tenant: StubTenant) -> dict[str, list[str]]:
    with VelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as verifier:
        return stub_executions(verifier, StubLedger(stub.admin_token, tenant.tenant_id))


def items(count: int, start: int = 0) -> Iterator[BatchItem]:
    for index in range(start, start + count):
        yield BatchItem(f"claim-{index}", {"claim": index, "prompt": f"summarise claim {index}"})


def run_sync(
    tenant: StubTenant,
    source: Iterator[BatchItem] | list[BatchItem],
    *,
    batch_id: str = "b1",
    journal: Path | None = None,
    counter: RequestCounter | None = None,
    stop_after: int | None = None,
    stop_on_error: bool = False,
) -> tuple[list[BatchOutcome[InvokeResult]], Batch[InvokeResult]]:
    middleware = [] if counter is None else [counter]
    with VelerianClient(
        api_key=tenant.api_key, base_url=tenant.base_url, middleware=middleware
    ) as client:
        batch = Batch.for_abp(
            client,
            tenant.abp_id,
            batch_id=batch_id,
            journal=journal,
            max_concurrency=8,
            stop_on_error=stop_on_error,
        )
        outcomes: list[BatchOutcome[InvokeResult]] = []
        for outcome in batch.run(source):
            outcomes.append(outcome)
            if stop_after is not None and len(outcomes) >= stop_after:
                break
    return outcomes, batch


def run_async(
    tenant: StubTenant, source: Iterator[BatchItem], *, batch_id: str = "b1"
) -> tuple[list[BatchOutcome[InvokeResult]], AsyncBatch[InvokeResult]]:
    async def go() -> tuple[list[BatchOutcome[InvokeResult]], AsyncBatch[InvokeResult]]:
        async with AsyncVelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as c:
            batch = AsyncBatch.for_abp(c, tenant.abp_id, batch_id=batch_id, max_concurrency=8)
            return [outcome async for outcome in batch.run(source)], batch

    return asyncio.run(go())


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_every_item_runs_once_and_a_rerun_replays_instead_of_running_again(
    stub: StubProcess, tenant: StubTenant, flavour: str
) -> None:
    runner = run_sync if flavour == "sync" else run_async
    first, batch = runner(tenant, items(40))
    assert sorted(o.key for o in first) == sorted(f"claim-{i}" for i in range(40))
    assert all(o.ok and o.result is not None for o in first)
    assert batch.summary.succeeded == 40
    assert batch.summary.failed == batch.summary.in_flight == 0
    ran = executions(stub, tenant)
    assert sorted(ran) == sorted(o.idempotency_key for o in first)
    assert all(len(ids) == 1 for ids in ran.values())
    # The same batch again (no journal): every call is answered from the API's records.
    again, _ = runner(tenant, items(40))
    assert executions(stub, tenant) == ran
    invocation = {o.key: o.result.invocation_id for o in first if o.result is not None}
    assert {o.key: o.result.invocation_id for o in again if o.result is not None} == invocation
    # Another batch id is another batch: its items run.
    _, other = runner(tenant, items(5), batch_id="b2")
    assert other.summary.succeeded == 5
    assert sum(len(ids) for ids in executions(stub, tenant).values()) == 45


def test_a_rerun_with_the_journal_skips_finished_items_without_a_request(
    stub: StubProcess, tenant: StubTenant, tmp_path: Path
) -> None:
    journal = tmp_path / "b1.sqlite"
    first, _ = run_sync(tenant, items(60), journal=journal, stop_after=25)
    finished = {o.key for o in first}
    counter = RequestCounter()
    second, batch = run_sync(tenant, items(60), journal=journal, counter=counter)
    skipped = {o.key for o in second if o.from_journal}
    assert skipped == finished
    assert all(o.attempts == 0 and o.result is not None for o in second if o.from_journal)
    assert batch.summary.skipped == 25
    assert batch.summary.succeeded == 35
    assert counter.invokes == 35  # none for the skipped items
    ran = executions(stub, tenant)
    assert len(ran) == 60
    assert all(len(ids) == 1 for ids in ran.values())


def test_bad_items_fail_alone_and_the_rest_goes_on(stub: StubProcess, tenant: StubTenant) -> None:
    source = [
        BatchItem("a", {"prompt": "fine"}),
        BatchItem("a", {"prompt": "the same key again"}),
        BatchItem("nan", {"score": float("nan")}),
        BatchItem("huge", {"prompt": "x" * (MAX_BODY * 2)}),
        BatchItem("b", {"prompt": "fine too"}),
    ]
    outcomes, batch = run_sync(tenant, source)
    by_key: dict[str, list[BatchOutcome[InvokeResult]]] = {}
    for outcome in outcomes:
        by_key.setdefault(outcome.key, []).append(outcome)
    assert [o.ok for o in by_key["a"]].count(True) == 1
    duplicate = next(o.error for o in by_key["a"] if o.error is not None)
    assert isinstance(duplicate, VelerianArgumentError)
    assert "appears more than once" in str(duplicate)
    assert isinstance(by_key["nan"][0].error, VelerianArgumentError)
    refused = by_key["huge"][0].error
    assert isinstance(refused, VelerianAPIError)
    assert refused.status_code == 413
    assert by_key["b"][0].ok
    assert batch.summary.succeeded == 2
    assert batch.summary.failed == 3
    assert len(executions(stub, tenant)) == 2


def test_a_draft_abp_is_refused_before_any_item_is_sent(
    stub: StubProcess, tenant: StubTenant
) -> None:
    with VelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as client:
        batch = Batch.for_abp(client, tenant.draft_abp_id, batch_id="b1")
        with pytest.raises(VelerianBatchError, match="not 'deployed'"):
            next(iter(batch.run(items(3))))
        # Unchecked, each item gets the API's 409, and stop_on_error stops the batch.
        unchecked = Batch.for_abp(
            client,
            tenant.draft_abp_id,
            batch_id="b1",
            check_target=False,
            stop_on_error=True,
            max_concurrency=1,
        )
        outcomes = list(unchecked.run(items(50)))
    assert len(outcomes) == 1
    assert isinstance(outcomes[0].error, VelerianConflictError)
    assert unchecked.summary.stopped
    assert executions(stub, tenant) == {}


def test_a_changed_payload_under_the_same_batch_says_to_use_a_new_batch_id(
    tenant: StubTenant,
) -> None:
    run_sync(tenant, [BatchItem("k", {"prompt": "first"})])
    outcomes, _ = run_sync(tenant, [BatchItem("k", {"prompt": "changed"})])
    assert isinstance(outcomes[0].error, VelerianBatchError)
    assert "new batch_id" in str(outcomes[0].error)


def test_progress_reports_done_and_total(tenant: StubTenant) -> None:
    seen: list[tuple[int, int | None]] = []
    with VelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as client:
        batch = Batch.for_abp(
            client,
            tenant.abp_id,
            batch_id="b1",
            progress=lambda done, total: seen.append((done, total)),
        )
        list(batch.run(list(items(6))))
        list(batch.run(items(2, start=6)))  # a generator: no total
    assert seen[:6] == [(n, 6) for n in range(1, 7)]
    assert seen[6:] == [(1, None), (2, None)]


def test_network_batches_wait_for_each_run(stub: StubProcess, tenant: StubTenant) -> None:
    with VelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as client:
        batch = Batch.for_network(client, tenant.network_slug, batch_id="n1", run_timeout=30.0)
        source = [
            BatchItem(f"n{i}", {"prompt_text": f"review {i}", "metadata": {"i": i}})
            for i in range(4)
        ]
        outcomes = list(batch.run([*source, BatchItem("bad", {"metadata": {}})]))
    runs = {o.key: o.result for o in outcomes if o.result is not None}
    assert len(runs) == 4
    assert all(run.is_terminal for run in runs.values())
    bad = next(o for o in outcomes if o.key == "bad")
    assert isinstance(bad.error, VelerianArgumentError)
    assert "prompt_text" in str(bad.error)


def test_a_rerun_with_another_key_of_the_tenant_does_not_run_items_again(
    stub: StubProcess, tenant: StubTenant
) -> None:
    # Another machine, its own key: the API keeps idempotency records per tenant.
    first, _ = run_sync(tenant, items(20))
    with VelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as client:
        minted = client.api_keys.create(name="second machine", scopes=["read", "write"])
    second_machine = dataclasses.replace(tenant, api_key=minted.secret.get_secret_value())
    again, batch = run_sync(second_machine, items(20))
    assert batch.summary.succeeded == 20
    ran = executions(stub, tenant)
    assert len(ran) == 20
    assert all(len(ids) == 1 for ids in ran.values())
    assert {o.key: o.result for o in again} == {o.key: o.result for o in first}
