"""
A batch on a Dask ``LocalCluster`` of several workers, one of them killed mid-batch.

The workers run partitions of the batch, each with its own client; the test kills
(``SIGKILL``) a worker process while it holds a partition, Dask reruns that partition
elsewhere, and the stub's execution log must show every item executed exactly once.
Skipped where the ``dask`` extra is not installed (from the clone: ``pip install './[dask]'``).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest

from tests.reliability.soak_ledger import StubLedger, stub_executions
from tests.reliability.soak_report import SoakReport
from tests.reliability.soak_settings import BATCH_ITEMS, PATIENT_POLICY, soak_timeout_s
from tests.reliability.test_fault_soak import payload_of
from velerian_sdk import (
    BatchItem,
    BatchOutcome,
    InvokeResult,
    VelerianClient,
    run_batch_on_dask,
)
from velerian_stub import StubProcess
from velerian_stub.pytest_plugin import create_tenant

distributed = pytest.importorskip(
    "distributed", reason="the dask extra is not installed: pip install './[dask]'"
)

WORKERS = 3
PARTITION = 20


def items(count: int) -> Iterator[BatchItem]:
    for index in range(count):
        yield BatchItem(f"item-{index}", payload_of(index))


@pytest.mark.timeout(soak_timeout_s(BATCH_ITEMS, extra_s=60.0))
def test_a_worker_killed_mid_batch_leaves_every_item_executed_once() -> None:
    # A slow model run keeps each partition on its worker long enough to be killed.
    with StubProcess(args=["--latency-ms", "20"]) as stub:
        tenant = create_tenant(stub, "dask batch")
        with (
            distributed.LocalCluster(
                n_workers=WORKERS, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as dask,
        ):
            pids: dict[str, int] = dask.run(os.getpid)
            outcomes: list[BatchOutcome[InvokeResult]] = []
            killed: int | None = None
            for outcome in run_batch_on_dask(
                dask,
                tenant.abp_id,
                items(BATCH_ITEMS),
                batch_id="dask",
                partition_size=PARTITION,
                api_key=tenant.api_key,
                base_url=tenant.base_url,
                max_concurrency=4,
            ):
                outcomes.append(outcome)
                if killed is None:
                    busy = [w for w, tasks in dask.processing().items() if tasks and w in pids]
                    if busy:
                        killed = pids[busy[0]]
                        os.kill(killed, signal.SIGKILL)
                        time.sleep(0.05)
        with VelerianClient(
            api_key=tenant.api_key, base_url=tenant.base_url, retry_policy=PATIENT_POLICY
        ) as verifier:
            executed = stub_executions(verifier, StubLedger(stub.admin_token, tenant.tenant_id))
    report = SoakReport("dask batch, one worker killed")
    figures = report.figures
    figures["workers"] = WORKERS
    figures["items"] = BATCH_ITEMS
    figures["partition size"] = PARTITION
    figures["worker killed"] = int(killed is not None)
    figures["succeeded"] = sum(o.ok for o in outcomes)
    figures["executed twice"] = sum(len(ids) - 1 for ids in executed.values() if len(ids) > 1)
    figures["executions"] = sum(len(ids) for ids in executed.values())
    report.publish()
    assert killed is not None
    assert sorted(o.key for o in outcomes) == sorted(f"item-{i}" for i in range(BATCH_ITEMS))
    assert figures["succeeded"] == BATCH_ITEMS
    assert figures["executed twice"] == 0
    assert figures["executions"] == BATCH_ITEMS
    returned = {o.idempotency_key: o.result.invocation_id for o in outcomes if o.result}
    assert {key: ids[0] for key, ids in executed.items()} == returned
