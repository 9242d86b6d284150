"""
The stub is killed with ``SIGKILL`` again and again under load; nothing runs twice or is lost.

Worker threads share one SDK client (retries on) and make calls with their own
idempotency keys: governed invokes, queued network runs (each then waited for, so runs
also finish across kills), and key mints. A call that still raises after the SDK's
retries is repeated with the same key, as a user recovers, until it succeeds. Meanwhile
the main thread kills the stub at random moments, mid-request included, and restarts it
on the same database and port. At the end the database itself is read:

- every idempotency key was executed exactly once (0 duplicate executions), and it is
  the resource the call was answered with;
- every acknowledged write is there (0 lost): the invocation with its audit entry and
  evidence pack, the run, the key (whose hash matches the secret the call received);
- the ABP's evidence chain verifies end to end, and every export row has its file and
  every file its row.

Sizes: ``VELERIAN_SOAK_KILLS`` (CI: a few kills; ``nox -s soak``: 60).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import socket
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import pytest

from tests.reliability.attempt_log import AttemptLog
from tests.reliability.soak_report import SoakReport
from tests.reliability.soak_settings import KILLS, SEED
from tests.reliability.test_fault_soak import payload_of
from velerian_sdk import RetryPolicy, VelerianClient, VelerianError
from velerian_stub import StubProcess

T = TypeVar("T")
Kind = Literal["invoke", "run", "mint"]

WORKERS = 6
RIDE_THROUGH_POLICY = RetryPolicy(
    max_retries=8, initial_backoff=0.05, max_backoff=0.5, total_timeout=20.0
)
"""Enough for most calls to ride out a restart; the rest are repeated by the worker."""
CALL_DEADLINE_S = 120.0
"""How long a worker repeats one call before the soak fails."""
_NEVER_SENT = frozenset({"ConnectError", "ConnectTimeout", "PoolTimeout"})


@dataclass(frozen=True)
class Acknowledged:
    """A call that succeeded: what the client was told was written."""

    key: str
    kind: Kind
    resource_id: str
    secret: str | None = None


class Workers:
    """The threads making calls until told to stop; the first unexpected error is kept."""

    def __init__(self, client: VelerianClient, abp_id: str, slug: str) -> None:
        self.client = client
        self.abp_id = abp_id
        self.slug = slug
        self.acknowledged: list[Acknowledged] = []
        self.user_retries = 0
        self.failure: BaseException | None = None
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._next = 0
        self._threads = [
            threading.Thread(target=self._work, name=f"crash-soak-{n}", daemon=True)
            for n in range(WORKERS)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(CALL_DEADLINE_S * 2)
            assert not thread.is_alive(), "a soak worker did not finish"
        if self.failure is not None:
            raise self.failure

    def done(self) -> int:
        with self._lock:
            return len(self.acknowledged)

    def _work(self) -> None:
        try:
            while not self.stop.is_set() and self.failure is None:
                with self._lock:
                    index, self._next = self._next, self._next + 1
                acknowledged = self._call(index)
                with self._lock:
                    self.acknowledged.append(acknowledged)
        except BaseException as exc:  # handed to the main thread, which fails the test
            self.failure = exc

    def _until_done(self, call: Callable[[], T]) -> T:
        deadline = time.monotonic() + CALL_DEADLINE_S
        while True:
            try:
                return call()
            except VelerianError:
                # The user's recovery: the same call with the same key, a little later.
                if time.monotonic() > deadline:
                    raise
                with self._lock:
                    self.user_retries += 1
                time.sleep(0.1)

    def _call(self, index: int) -> Acknowledged:
        key = f"crash-{index}"
        kind: Kind = "mint" if index % 10 == 9 else "run" if index % 10 in (4, 8) else "invoke"
        if kind == "invoke":
            result = self._until_done(
                lambda: self.client.abps.invoke(
                    self.abp_id, payload=payload_of(index), idempotency_key=key
                )
            )
            return Acknowledged(key, kind, result.invocation_id)
        if kind == "run":
            queued = self._until_done(
                lambda: self.client.networks.submit(
                    self.slug,
                    prompt_text=f"crash soak run {index}",
                    metadata={"stub_duration_ms": 30},
                    idempotency_key=key,
                )
            )
            self._until_done(
                lambda: self.client.runs.wait(queued.run_id, poll_interval=0.05, timeout=30.0)
            )
            return Acknowledged(key, kind, queued.run_id)
        created = self._until_done(
            lambda: self.client.api_keys.create(
                name=f"crash soak {index}", scopes=["read"], idempotency_key=key
            )
        )
        return Acknowledged(key, kind, created.id, created.secret.get_secret_value())


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Ledger:
    """What the database holds, read straight from the file."""

    executions: dict[str, list[str]]
    invocations: set[str]
    audited_invocations: Counter[str]
    packs_per_invocation: Counter[str]
    runs: set[str]
    key_hashes: dict[str, str]
    export_ids: set[str]


def read_ledger(db: Path) -> Ledger:
    connection = sqlite3.connect(db)
    try:
        executions: dict[str, list[str]] = {}
        for key, resource in connection.execute(
            "SELECT idempotency_key, resource_id FROM executions WHERE idempotency_key IS NOT NULL"
            " ORDER BY seq"
        ):
            executions.setdefault(str(key), []).append(str(resource))
        return Ledger(
            executions=executions,
            invocations={str(r[0]) for r in connection.execute("SELECT id FROM invocations")},
            audited_invocations=Counter(
                str(r[0])
                for r in connection.execute(
                    "SELECT resource_id FROM audit_log WHERE action = 'abp.invoke'"
                )
            ),
            packs_per_invocation=Counter(
                str(r[0])
                for r in connection.execute(
                    "SELECT invocation_id FROM evidence_packs WHERE invocation_id IS NOT NULL"
                )
            ),
            runs={str(r[0]) for r in connection.execute("SELECT id FROM runs")},
            key_hashes={
                str(key_id): str(digest)
                for key_id, digest in connection.execute("SELECT id, key_hash FROM api_keys")
            },
            export_ids={str(r[0]) for r in connection.execute("SELECT id FROM exports")},
        )
    finally:
        connection.close()


def lost_writes(ledger: Ledger, acknowledged: list[Acknowledged]) -> list[str]:
    """Every acknowledged write that the database does not hold in full."""
    lost: list[str] = []
    for ack in acknowledged:
        if ack.kind == "invoke":
            whole = (
                ack.resource_id in ledger.invocations
                and ledger.audited_invocations[ack.resource_id] == 1
                and ledger.packs_per_invocation[ack.resource_id] == 1
            )
        elif ack.kind == "run":
            whole = ack.resource_id in ledger.runs
        else:
            digest = hashlib.sha256((ack.secret or "").encode()).hexdigest()
            whole = ledger.key_hashes.get(ack.resource_id) == digest
        if not whole:
            lost.append(f"{ack.kind} {ack.key} -> {ack.resource_id}")
    return lost


# Each kill costs a restart and a few seconds of load; the soak's own checks fail first.
@pytest.mark.timeout(120 + 20 * KILLS)
def test_kill_9_under_load_never_runs_a_call_twice_or_loses_one(tmp_path: Path) -> None:
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    db = tmp_path / "stub.sqlite3"
    args = ["--port", str(free_port()), "--run-queue-ms", "20", "--log-level", "error"]
    chooser = random.Random(SEED)
    log = AttemptLog()
    restarts: list[float] = []
    with StubProcess(db_path=db, args=args) as stub:
        client = VelerianClient(
            api_key=stub.api_key,
            base_url=stub.base_url,
            retry_policy=RIDE_THROUGH_POLICY,
            middleware=[log],
        )
        workers = Workers(client, stub.abp_id, stub.network_slug)
        started = time.monotonic()
        workers.start()
        try:
            for _ in range(KILLS):
                # Let calls get going after the (re)start, then kill at a random instant.
                progress = workers.done()
                settle_deadline = time.monotonic() + 5.0
                while workers.done() < progress + 3 and time.monotonic() < settle_deadline:
                    time.sleep(0.01)
                time.sleep(chooser.uniform(0.0, 0.25))
                stub.kill()
                restart_started = time.monotonic()
                stub.start()
                restarts.append(time.monotonic() - restart_started)
            # Every call must finish after the last restart.
            time.sleep(0.5)
        finally:
            workers.join()
        wall = time.monotonic() - started
        export = client.evidence.package(stub.abp_id, since=since, format="json")
        chain_ok = client.evidence.verify(client.evidence.download(export, tmp_path / "ev")).ok
        client.close()
        ledger = read_ledger(db)
    blob_dir = Path(str(db) + ".blobs") / "exports"
    files = {p.name for p in blob_dir.iterdir()} if blob_dir.is_dir() else set[str]()

    acknowledged = workers.acknowledged
    by_key = {ack.key: ack for ack in acknowledged}
    duplicates = {k: ids for k, ids in ledger.executions.items() if len(ids) > 1}
    wrong = [
        f"{key}: executed {ledger.executions.get(key)}, answered {ack.resource_id}"
        for key, ack in by_key.items()
        if ledger.executions.get(key) != [ack.resource_id]
    ]
    strangers = sorted(set(ledger.executions) - set(by_key))
    lost = lost_writes(ledger, acknowledged)
    attempts = log.every()
    cut = sum(1 for a in attempts if a.status is None and a.error not in _NEVER_SENT)
    report = SoakReport("kill -9 soak")
    figures = report.figures
    figures["kills"] = KILLS
    figures["calls acknowledged"] = len(acknowledged)
    for kind in ("invoke", "run", "mint"):
        figures[f"{kind}s acknowledged"] = sum(1 for a in acknowledged if a.kind == kind)
    figures["attempts"] = len(attempts)
    figures["attempts cut mid-request by a kill"] = cut
    figures["attempts refused while down"] = sum(1 for a in attempts if a.error in _NEVER_SENT)
    figures["idempotent replays seen"] = sum(1 for a in attempts if a.replayed)
    figures["calls repeated by the user after the SDK gave up"] = workers.user_retries
    figures["executions"] = sum(len(ids) for ids in ledger.executions.values())
    figures["duplicate executions"] = sum(len(ids) - 1 for ids in duplicates.values())
    figures["acknowledged writes lost"] = len(lost)
    figures["export rows without their file"] = len(ledger.export_ids - files)
    figures["restart s (mean)"] = round(sum(restarts) / len(restarts), 2) if restarts else 0.0
    figures["wall s"] = round(wall, 1)
    report.publish()

    assert figures["duplicate executions"] == 0, duplicates
    assert lost == []
    assert wrong == []
    assert strangers == []
    assert ledger.export_ids <= files
    assert chain_ok
    assert len(acknowledged) > KILLS
    assert cut > 0, "no kill cut a request in flight; the soak tested nothing"
