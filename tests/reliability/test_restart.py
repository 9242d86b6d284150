"""
The stub restarts in the middle of a fault soak; nothing written before the restart is lost.

A soak thread invokes through one client while the main thread, once half the calls are
done, snapshots what the stub holds (executions, audit entries, the ABP's evidence chain
downloaded and verified, network runs) and restarts the stub on the same database file.
Afterwards every snapshotted row is still there, the evidence chain verifies across the
restart with the earlier packs unchanged, runs queued before it finish after it, and
the soak settles like any other: no duplicate, no lost result.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.attempt_log import AttemptLog, CallGauge
from tests.reliability.soak_ledger import (
    CallOutcome,
    SoakRun,
    StubLedger,
    settle_soak,
    stub_executions,
)
from tests.reliability.soak_settings import (
    PATIENT_POLICY,
    RESTART_CALLS,
    budget_s,
    fault_args,
    soak_timeout_s,
)
from tests.reliability.test_fault_soak import invoke_once
from velerian_sdk import RetryPolicy, VelerianClient
from velerian_stub import StubProcess

RIDE_THROUGH_POLICY = RetryPolicy(
    max_retries=8, initial_backoff=0.1, max_backoff=1.0, total_timeout=30.0
)
"""Enough retries to ride out a restart of a second or two."""
RUN_SPANS_RESTART_MS = 5000
"""Long enough that runs queued just before the restart finish only after it."""


@dataclass(frozen=True)
class Snapshot:
    """What the stub held at one moment."""

    invocation_ids: frozenset[str]
    audit_ids: frozenset[str]
    packs: dict[str, str]
    run_ids: frozenset[str]


def take_snapshot(
    client: VelerianClient, ledger: StubLedger, abp_id: str, since: dt.datetime, to: Path
) -> Snapshot:
    """Read everything back; the ABP's evidence is downloaded and must verify."""
    executed = stub_executions(client, ledger)
    audit_ids = frozenset(entry.id for entry in client.audit.iter(page_size=500))
    export = client.evidence.package(abp_id, since=since, format="json")
    downloaded = client.evidence.download(export, to)
    verification = client.evidence.verify(downloaded)
    document = json.loads(to.read_bytes())
    packs = {pack["id"]: pack["chain_hash"] for pack in document["packs"]}
    # Counted too: `.ok` alone also holds for a file read as no packs at all.
    assert verification.ok
    assert verification.packs_checked == len(packs) > 0
    runs = frozenset(run.id for run in client.runs.list(limit=500).iter_all())
    return Snapshot(
        invocation_ids=frozenset(i for ids in executed.values() for i in ids),
        audit_ids=audit_ids,
        packs=packs,
        run_ids=runs,
    )


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


# Two budgets (to halfway, then to the end) and up to 60 s for each of 3 queued runs.
@pytest.mark.timeout(soak_timeout_s(RESTART_CALLS, budgets=2, extra_s=3 * 60.0))
def test_restart_in_the_middle_of_a_soak_keeps_runs_and_evidence(tmp_path: Path) -> None:
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    args = [*fault_args(), "--port", str(free_port())]
    with StubProcess(db_path=tmp_path / "stub.sqlite3", args=args) as stub:
        log, gauge = AttemptLog(), CallGauge()
        soak_client = VelerianClient(
            api_key=stub.api_key,
            base_url=stub.base_url,
            retry_policy=RIDE_THROUGH_POLICY,
            middleware=[gauge, log],
        )
        clients = [soak_client]  # a new one is appended if the port changes
        patient = VelerianClient(
            api_key=stub.api_key, base_url=stub.base_url, retry_policy=PATIENT_POLICY
        )
        ledger = StubLedger(stub.admin_token)  # the seeded tenant; the token survives restarts
        outcomes: list[CallOutcome] = []
        halfway = threading.Event()
        done = threading.Event()

        def soak() -> None:
            try:
                for index in range(RESTART_CALLS):
                    outcomes.append(invoke_once(clients[-1], stub.abp_id, index))
                    if index == RESTART_CALLS // 2:
                        halfway.set()
            finally:
                halfway.set()
                done.set()

        started = time.monotonic()
        worker = threading.Thread(target=soak, name="restart-soak", daemon=True)
        worker.start()
        assert halfway.wait(budget_s(RESTART_CALLS))
        # Runs that will still be queued or running when the stub goes down.
        queued = [
            patient.networks.submit(
                stub.network_slug,
                prompt_text=f"restart soak run {n}",
                metadata={"stub_duration_ms": RUN_SPANS_RESTART_MS},
            ).run_id
            for n in range(3)
        ]
        before = take_snapshot(patient, ledger, stub.abp_id, since, tmp_path / "before.json")
        in_progress = [
            run_id
            for run_id in queued
            if patient.runs.retrieve(run_id).status in {"queued", "running"}
        ]
        old_url = stub.base_url
        restart_started = time.monotonic()
        stub.restart()
        restart_s = time.monotonic() - restart_started
        if stub.base_url != old_url:
            clients.append(soak_client.with_options(base_url=stub.base_url))
            patient = patient.with_options(base_url=stub.base_url)
        worker.join(budget_s(RESTART_CALLS))
        assert done.is_set(), "the soak thread did not finish in its budget"
        wall = time.monotonic() - started

        finished = [patient.runs.wait(run_id, poll_interval=0.2, timeout=60.0) for run_id in queued]
        after = take_snapshot(patient, ledger, stub.abp_id, since, tmp_path / "after.json")
        run = SoakRun(
            "restart soak",
            stub.abp_id,
            outcomes,
            log,
            wall,
            gauge.peak,
            {"restart took s": round(restart_s, 2), "port kept": str(stub.base_url == old_url)},
        )
        report, problems = settle_soak(run, patient, ledger)
        final = take_snapshot(patient, ledger, stub.abp_id, since, tmp_path / "final.json")
        figures = report.figures
        figures["invocations before restart"] = len(before.invocation_ids)
        figures["evidence packs before restart"] = len(before.packs)
        figures["audit entries before restart"] = len(before.audit_ids)
        figures["runs queued before restart"] = len(queued)
        figures["of those in progress at the restart"] = len(in_progress)
        figures["of those missing after"] = (
            len(before.invocation_ids - after.invocation_ids)
            + len(before.audit_ids - after.audit_ids)
            + len(set(before.packs.items()) - set(after.packs.items()))
            + len(before.run_ids - after.run_ids)
        )
        figures["evidence packs at the end"] = len(final.packs)
        report.publish()
        soak_client.close()
        patient.close()

    assert problems == []
    assert figures["of those missing after"] == 0
    assert before.invocation_ids
    assert before.packs
    assert before.audit_ids
    assert before.invocation_ids <= after.invocation_ids
    assert before.audit_ids <= after.audit_ids
    assert set(before.packs.items()) <= set(after.packs.items())
    assert set(queued) <= before.run_ids <= after.run_ids
    assert in_progress, "no run was in progress at the restart; the run check tested nothing"
    assert all(run.status == "succeeded" and run.evidence_pack_id for run in finished)
    # The chain verified end to end in take_snapshot; every call has one pack at the end.
    assert len(final.packs) == RESTART_CALLS == figures["executions after recovery"]
    assert figures["duplicates"] == 0
    assert figures["lost results"] == 0
