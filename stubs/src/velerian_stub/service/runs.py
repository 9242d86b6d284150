"""
Network runs: created queued, then running, then terminal, all derived from the clock.

A run's row stores when it was created and how long it queues and runs; its status at
any instant follows from those, so a stub restarted on the same database carries on.
The terminal result (verdict, output, evidence pack, evidence export) is written by the
first read after the deadline, exactly once, under the database lock.
"""

from __future__ import annotations

from pydantic import JsonValue

from velerian_stub.schemas.runs import Run, RunPage, RunStatus
from velerian_stub.service.actor import Actor
from velerian_stub.service.audit import write_entry
from velerian_stub.service.clock import format_epoch
from velerian_stub.service.context import StubContext
from velerian_stub.service.errors import ApiError, not_found, unprocessable
from velerian_stub.service.evidence import MODEL_ID, append_pack
from velerian_stub.service.executions import record_execution
from velerian_stub.service.exports import create_export, presigned_url, render_packs
from velerian_stub.service.governance import Outcome, evaluate
from velerian_stub.service.ids import new_id
from velerian_stub.store.database import Row, Session, dump_json
from velerian_stub.store.files import find_attachment_status
from velerian_stub.store.runs import (
    find_run,
    find_tenant_run,
    insert_run,
    list_due_runs,
    page_runs,
    set_run_final,
)
from velerian_stub.store.tenants import network_exists

__all__ = [
    "DURATION_METADATA_KEY",
    "MAX_DURATION_MS",
    "RUN_PAGE_PREFIX",
    "TERMINAL_STATUSES",
    "create_run",
    "finish_due_runs",
    "list_runs",
    "load_run",
    "run_model",
    "run_url",
]

DURATION_METADATA_KEY = "stub_duration_ms"
MAX_DURATION_MS = 3_600_000
"""The longest running time a run's metadata may ask for: one hour."""
TERMINAL_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "blocked"})
_STATUS_OF_OUTCOME: dict[Outcome, RunStatus] = {
    "allowed": "succeeded",
    "denied": "blocked",
    "held": "blocked",
    "failed": "failed",
}
_MAX_POLL_HINT_S = 3.0
_MIN_POLL_HINT_S = 0.1


RUN_PAGE_PREFIX = "/app/runs/"
"""Where the web app's run pages live on the app's origin."""


def run_url(base_url: str, run_id: str) -> str:
    """
    Give a run's browser permalink: its page in the web app, not an API route.

    The queued answer and the synchronous 0.1 result carry it; the run row does not.

    Args:
        base_url: The stub's origin (the app's origin).
        run_id: The run.

    Returns:
        ``<base_url>/app/runs/<run_id>``.
    """
    return f"{base_url}{RUN_PAGE_PREFIX}{run_id}"


def _duration_s(metadata: dict[str, JsonValue], default_s: float) -> float:
    value = metadata.get(DURATION_METADATA_KEY)
    if value is None:
        return default_s
    # Bounded: a synchronous invoke sleeps this long, and time.sleep overflows on 1e300.
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 <= value <= MAX_DURATION_MS
    ):
        raise unprocessable(
            ["body", "metadata", DURATION_METADATA_KEY],
            f"stub_duration_ms must be a number of milliseconds from 0 to {MAX_DURATION_MS}",
            "value_error",
        )
    return float(value) / 1000.0


def _check_attachments(session: Session, tenant_id: str, attachment_ids: list[str]) -> None:
    for index, attachment_id in enumerate(attachment_ids):
        status = find_attachment_status(session, tenant_id, attachment_id)
        if status is None:
            raise unprocessable(
                ["body", "attachment_ids", str(index)],
                f"attachment {attachment_id} does not exist",
                "value_error",
            )
        if status != "ready":
            raise ApiError(409, f"attachment {attachment_id} is not finalized")


def create_run(
    ctx: StubContext,
    session: Session,
    actor: Actor,
    *,
    slug: str,
    prompt_text: str,
    metadata: dict[str, JsonValue],
    attachment_ids: list[str],
    now: float,
    queue_s: float | None = None,
    revision_of: str | None = None,
) -> str:
    """
    Queue a network run and record its ``network.invoke`` audit entry and execution.

    Args:
        ctx: The stub's context (default timings).
        session: The open transaction.
        actor: The caller.
        slug: The network.
        prompt_text: The prompt; governance reads it when the run finishes.
        metadata: Free-form metadata; ``stub_duration_ms`` sets the running time.
        attachment_ids: Finalized attachments of the caller's tenant.
        now: The current time in Unix seconds.
        queue_s: How long the run stays queued; the configured default when ``None``.
        revision_of: The run this one revises.

    Returns:
        The new run's id.

    Raises:
        ApiError: 404 for an unknown network, 422 for unknown attachments or a bad
            ``stub_duration_ms``, 409 for attachments that are not finalized.
    """
    if not network_exists(session, actor.tenant_id, slug):
        raise not_found("network", slug)
    duration_s = _duration_s(metadata, ctx.config.run_duration_s)
    _check_attachments(session, actor.tenant_id, attachment_ids)
    run_id = new_id("run_")
    insert_run(
        session,
        run_id=run_id,
        tenant_id=actor.tenant_id,
        network_slug=slug,
        prompt_text=prompt_text,
        metadata_json=dump_json(metadata),
        attachment_ids_json=dump_json(attachment_ids),
        revision_of=revision_of,
        created_at=format_epoch(now),
        created_epoch=now,
        queue_s=ctx.config.run_queue_s if queue_s is None else queue_s,
        duration_s=duration_s,
        model_id=MODEL_ID,
    )
    write_entry(
        session,
        actor,
        action="network.invoke",
        resource_kind="run",
        resource_id=run_id,
        now=now,
        metadata={"network_slug": slug, "revision_of": revision_of},
    )
    record_execution(session, actor, run_id, now)
    return run_id


def _deadline(row: Row) -> float:
    return row.real("created_epoch") + row.real("queue_s") + row.real("duration_s")


def _materialise(ctx: StubContext, session: Session, row: Row, now: float) -> Row:
    """Write a due run's terminal result; a no-op for runs already finished or not due."""
    if row.opt_text("final_status") is not None or now < _deadline(row):
        return row
    run_id = row.text("id")
    prompt = row.text("prompt_text")
    verdict = evaluate(prompt, network_run=True)
    status = _STATUS_OF_OUTCOME[verdict.outcome]
    output_text = None
    if status == "succeeded":
        output_text = f"Stub network {row.text('network_slug')!r} answered: {prompt[:200]}"
    pack = append_pack(
        session,
        tenant_id=row.text("tenant_id"),
        chain_scope=f"network:{row.text('network_slug')}",
        verdict=verdict,
        input_text=prompt,
        output_text=output_text,
        now=now,
        run_id=run_id,
    )
    export = create_export(
        ctx,
        tenant_id=row.text("tenant_id"),
        artifact_kind="evidence_package",
        fmt="json",
        delivery="presigned",
        content=render_packs([pack.body], "json"),
        now=now,
    )
    error = "model run failed (FAIL in prompt)" if status == "failed" else None
    set_run_final(
        session,
        run_id,
        status=status,
        output_text=output_text,
        governance_pass=status != "blocked",
        governance_reasons_json=dump_json(verdict.reasons),
        error=error,
        evidence_pack_id=pack.id,
        evidence_export_id=export.text("id"),
    )
    fresh = find_run(session, run_id)
    assert fresh is not None
    return fresh


def load_run(ctx: StubContext, session: Session, tenant_id: str, run_id: str, now: float) -> Row:
    """
    Read a run of a tenant, finishing it first when its deadline has passed.

    Args:
        ctx: The stub's context.
        session: The open transaction.
        tenant_id: The caller's tenant.
        run_id: The run.
        now: The current time in Unix seconds.

    Returns:
        The run's row, current as of ``now``.

    Raises:
        ApiError: 404 when it is not in the tenant.
    """
    row = find_tenant_run(session, tenant_id, run_id)
    if row is None:
        raise not_found("run", run_id)
    return _materialise(ctx, session, row, now)


def _status_at(row: Row, now: float) -> RunStatus:
    final = row.opt_text("final_status")
    if final is not None:
        return "succeeded" if final == "succeeded" else "failed" if final == "failed" else "blocked"
    if now < row.real("created_epoch") + row.real("queue_s"):
        return "queued"
    return "running"


def run_model(ctx: StubContext, row: Row, now: float, base_url: str) -> Run:
    """
    Present a run row as the API's ``Run``; links are signed afresh on every read.

    Args:
        ctx: The stub's context (signing key, link lifetime).
        row: The run's row, already materialised by :func:`load_run`.
        now: The current time in Unix seconds.
        base_url: The stub's origin.

    Returns:
        The run.
    """
    status = _status_at(row, now)
    started = row.real("created_epoch") + row.real("queue_s")
    terminal = status in TERMINAL_STATUSES
    export_id = row.opt_text("evidence_export_id")
    evidence_url = None
    if export_id is not None:
        evidence_url = presigned_url(ctx, base_url, export_id, int(now) + ctx.config.presign_ttl_s)
    poll_after = None
    if not terminal:
        # The time until the status next changes: a client that follows the hint sees
        # each status (queued, then running), not only the first and the last.
        next_change = started if status == "queued" else _deadline(row)
        poll_after = round(min(max(next_change - now, _MIN_POLL_HINT_S), _MAX_POLL_HINT_S), 3)
    return Run(
        id=row.text("id"),
        status=status,
        network_slug=row.text("network_slug"),
        prompt_text=row.text("prompt_text"),
        metadata=row.json_object("metadata"),
        attachment_ids=row.string_list("attachment_ids"),
        output_text=row.opt_text("output_text"),
        governance_pass=row.opt_flag("governance_pass"),
        governance_reasons=row.string_list("governance_reasons"),
        model_id=None if status == "queued" else row.text("model_id"),
        error=row.opt_text("error"),
        evidence_download_url=evidence_url,
        evidence_pack_id=row.opt_text("evidence_pack_id"),
        revision_of=row.opt_text("revision_of"),
        created_at=row.text("created_at"),
        started_at=None if status == "queued" else format_epoch(started),
        finished_at=format_epoch(_deadline(row)) if terminal else None,
        poll_after_s=poll_after,
    )


def finish_due_runs(ctx: StubContext, session: Session, tenant_id: str, now: float) -> None:
    """
    Write the terminal result of every run of a tenant whose deadline has passed.

    Args:
        ctx: The stub's context.
        session: The open transaction.
        tenant_id: The tenant.
        now: The current time in Unix seconds.
    """
    due = list_due_runs(session, tenant_id, now)
    for row in due:
        _materialise(ctx, session, row, now)


def list_runs(
    ctx: StubContext,
    session: Session,
    tenant_id: str,
    *,
    status: RunStatus | None,
    network_slug: str | None,
    limit: int,
    offset: int,
    now: float,
    base_url: str,
) -> RunPage:
    """
    List a tenant's runs, oldest first, finishing every due run before filtering.

    Args:
        ctx: The stub's context.
        session: The open transaction.
        tenant_id: Whose runs.
        status: Only runs in this status now, when given.
        network_slug: Only runs of this network, when given.
        limit: The page size.
        offset: How many to skip.
        now: The current time in Unix seconds.
        base_url: The stub's origin.

    Returns:
        The page.
    """
    finish_due_runs(ctx, session, tenant_id, now)
    rows, total = page_runs(
        session,
        tenant_id,
        network_slug=network_slug,
        status=status,
        now=now,
        limit=limit,
        offset=offset,
    )
    items = [run_model(ctx, row, now, base_url) for row in rows]
    return RunPage(items=items, limit=limit, offset=offset, total=total)
