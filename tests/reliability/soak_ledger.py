"""
After a soak: compare what the calls saw with what the stub really executed.

The stub's ``/_stub/executions`` lists one row per mutation it ran, with the request's
idempotency key; the audit log has one ``abp.invoke`` entry per invocation. From those
and the :class:`~tests.reliability.attempt_log.AttemptLog`, :func:`settle_soak` checks:

- a call that returned has exactly one execution, and it is the invocation returned;
- a call that raised and whose every attempt provably did no work has none;
- no idempotency key was executed twice (duplicates);
- replaying the key of every call that raised (the user's recovery) returns the
  execution that already happened, or runs it once if none did: a call that raised
  after its work ran and whose replay does not return that work is a lost result;
- after recovery every call has exactly one execution and one audit entry.

It also checks from the timestamps that each retry after a 429 waited at least its
``Retry-After``. Everything it finds goes into the report; the test asserts on it.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.reliability.attempt_log import AttemptLog, call_reach
from tests.reliability.soak_report import SoakReport
from velerian_sdk import VelerianClient, VelerianError
from velerian_stub.service.admin_token import ADMIN_TOKEN_HEADER

__all__ = ["CallOutcome", "SoakRun", "StubLedger", "settle_soak", "stub_executions"]

SHORT_WAITS = "retries sooner than Retry-After"
RETRY_AFTER_TOLERANCE_S = 0.001
"""Slack for clock granularity when comparing a measured wait with ``Retry-After``."""


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """
    How one soak call ended.

    Attributes:
        key: Its idempotency key.
        payload: The payload it sent (a replay must send the same).
        invocation_id: The invocation it returned, or ``None`` if it raised.
        error: The class name of the :class:`VelerianError` it raised, if any.
    """

    key: str
    payload: dict[str, object]
    invocation_id: str | None = None
    error: str | None = None


@dataclass
class SoakRun:
    """
    A finished soak, ready to be checked.

    Attributes:
        name: The report's name.
        abp_id: The ABP every call invoked.
        outcomes: One per call.
        log: Every attempt of those calls.
        wall_s: How long the calls took.
        peak_calls_in_flight: The most calls in flight at once.
        extra: Figures the soak adds to the report (sizes, settings).
    """

    name: str
    abp_id: str
    outcomes: Sequence[CallOutcome]
    log: AttemptLog
    wall_s: float
    peak_calls_in_flight: int
    extra: dict[str, int | float | str] = field(default_factory=dict[str, int | float | str])


@dataclass(frozen=True)
class StubLedger:
    """
    Where a soak's executions are read: the stub's admin token and the soak's tenant.

    Attributes:
        admin_token: The token of the stub's ``/_stub`` routes.
        tenant_id: The soak's tenant; ``None`` for the stub's seeded tenant.
    """

    admin_token: str
    tenant_id: str | None = None


def stub_executions(verifier: VelerianClient, ledger: StubLedger) -> dict[str, list[str]]:
    """Every invoke the stub executed for the ledger's tenant: key -> invocation ids."""
    executed: dict[str, list[str]] = defaultdict(list)
    offset = 0
    headers = {ADMIN_TOKEN_HEADER: ledger.admin_token}
    while True:
        params: dict[str, str | int] = {"limit": 500, "offset": offset}
        if ledger.tenant_id is not None:
            params["tenant_id"] = ledger.tenant_id
        page = verifier.get("/_stub/executions", params=params, headers=headers).json()
        for row in page["items"]:
            if "/abps/" in row["route"] and row["route"].endswith("/invoke"):
                executed[row["idempotency_key"] or "-"].append(row["resource_id"])
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            return executed


def settle_soak(
    run: SoakRun, verifier: VelerianClient, ledger: StubLedger
) -> tuple[SoakReport, list[str]]:
    """
    Check a soak against the stub's records, recover every failed call, and report.

    Args:
        run: The soak.
        verifier: A patient client of the same tenant, without the soak's middleware.
        ledger: Where the stub's executions of that tenant are read.

    Returns:
        The report, and every problem found (empty when the soak proved its claims).
    """
    problems: list[str] = []
    before = stub_executions(verifier, ledger)
    keys = {outcome.key for outcome in run.outcomes}
    strangers = sorted(set(before) - keys)
    if strangers:
        problems.append(f"executions under keys no call used: {strangers[:5]}")
    duplicates = sum(len(ids) - 1 for ids in before.values() if len(ids) > 1)
    if duplicates:
        problems.append(f"{duplicates} duplicate executions")
    reach_of: dict[str, str] = {}
    for outcome in run.outcomes:
        ids = before.get(outcome.key, [])
        if outcome.invocation_id is not None:
            if ids != [outcome.invocation_id]:
                problems.append(f"{outcome.key} returned {outcome.invocation_id}, executed {ids}")
            continue
        reach = reach_of[outcome.key] = call_reach(run.log.of(outcome.key))
        if reach == "never" and ids:
            problems.append(f"{outcome.key} never reached the work but executed {ids}")
        if reach == "reached" and len(ids) != 1:
            problems.append(f"{outcome.key} reached the work but executed {ids}")
    lost, recovered = _recover(run, verifier, before, problems)
    after = stub_executions(verifier, ledger)
    for outcome in run.outcomes:
        if len(after.get(outcome.key, [])) != 1:
            problems.append(f"{outcome.key} has {after.get(outcome.key)} after recovery")
    audited = Counter(
        # The stub always names the resource; a missing one shows up as a difference.
        entry.resource_id or "<no resource_id>"
        for entry in verifier.audit.iter(action="abp.invoke", page_size=500)
    )
    executed = Counter(itertools.chain.from_iterable(after.values()))
    if audited != executed:
        difference = (audited - executed) or (executed - audited)
        problems.append(f"audit log and executions differ: {difference}")
    report = SoakReport(run.name)
    figures = report.figures
    figures.update(run.extra)
    raised = [o for o in run.outcomes if o.invocation_id is None]
    figures["calls"] = len(run.outcomes)
    figures["succeeded"] = len(run.outcomes) - len(raised)
    figures["raised a typed VelerianError"] = len(raised)
    for reach, label in (("never", "before"), ("reached", "after"), ("unknown", "maybe before")):
        figures[f"raised, {label} the work ran"] = sum(1 for r in reach_of.values() if r == reach)
    attempt_figures = _attempt_figures(run, keys)
    if attempt_figures[SHORT_WAITS]:
        problems.append(f"{attempt_figures[SHORT_WAITS]} retries came sooner than Retry-After")
    figures.update(attempt_figures)
    figures["executions before recovery"] = sum(len(ids) for ids in before.values())
    figures["duplicates"] = duplicates
    figures["recovered by replay"] = recovered
    figures["lost results"] = lost
    figures["executions after recovery"] = sum(executed.values())
    figures["abp.invoke audit entries"] = sum(audited.values())
    figures["peak calls in flight"] = run.peak_calls_in_flight
    figures["peak attempts in flight"] = run.log.peak_in_flight
    figures["wall s"] = round(run.wall_s, 2)
    figures["calls/s"] = round(len(run.outcomes) / run.wall_s, 1) if run.wall_s else 0.0
    figures["problems"] = len(problems)
    return report, problems


def _recover(
    run: SoakRun,
    verifier: VelerianClient,
    before: dict[str, list[str]],
    problems: list[str],
) -> tuple[int, int]:
    """Replay every failed call's key, as a user would; count lost and recovered results."""
    lost = recovered = 0
    for outcome in run.outcomes:
        if outcome.invocation_id is not None:
            continue
        executed = before.get(outcome.key, [])
        try:
            result = verifier.abps.invoke(
                run.abp_id, payload=outcome.payload, idempotency_key=outcome.key
            )
        except VelerianError as exc:
            problems.append(f"replay of {outcome.key} raised {exc!r}")
            lost += 1 if executed else 0
            continue
        if executed and result.invocation_id != executed[0]:
            problems.append(f"replay of {outcome.key} ran again: {result.invocation_id}")
            lost += 1
        else:
            recovered += 1
    return lost, recovered


def _attempt_figures(run: SoakRun, keys: set[str]) -> dict[str, int | float | str]:
    attempts = [a for a in run.log.every() if a.key in keys]
    waits_after_429 = 0
    short_waits = 0
    margins: list[float] = []
    for key in keys:
        for earlier, later in itertools.pairwise(run.log.of(key)):
            if earlier.status != 429:
                continue
            waits_after_429 += 1
            margin = (later.started - earlier.ended) - (earlier.retry_after or 0.0)
            margins.append(margin)
            if margin < -RETRY_AFTER_TOLERANCE_S:
                short_waits += 1
    count = Counter(a.status for a in attempts)
    faults = Counter(a.fault for a in attempts)
    return {
        "attempts": len(attempts),
        "retries": len(attempts) - len(run.outcomes),
        "429s seen": count[429],
        "retries after a 429": waits_after_429,
        SHORT_WAITS: short_waits,
        "min wait beyond Retry-After (ms)": round(min(margins) * 1000, 2) if margins else "n/a",
        "503 fail-before seen": faults["fail-before"],
        "502 fail-after seen": faults["fail-after"],
        "other 5xx seen": sum(n for s, n in count.items() if s is not None and s >= 500)
        - faults["fail-before"]
        - faults["fail-after"],
        "idempotent replays seen": sum(1 for a in attempts if a.replayed),
        "transport errors": sum(1 for a in attempts if a.status is None),
    }
