"""What callers do with network runs: invoke (queued or synchronous), revise and share."""

from __future__ import annotations

import time

from starlette.responses import Response

from velerian_stub.schemas.runs import (
    NetworkInvokeRequest,
    NetworkRunResult,
    QueuedRun,
    RunShare,
)
from velerian_stub.service.actor import Actor
from velerian_stub.service.audit import write_entry
from velerian_stub.service.claims import answer
from velerian_stub.service.clock import format_epoch
from velerian_stub.service.context import StubContext
from velerian_stub.service.errors import conflict
from velerian_stub.service.executions import record_execution
from velerian_stub.service.runs import TERMINAL_STATUSES, create_run, load_run, run_model, run_url
from velerian_stub.store.runs import find_run_deadline

__all__ = [
    "DEFAULT_SHARE_TTL_S",
    "invoke_network_async",
    "invoke_network_sync",
    "revise_run",
    "share_run",
    "shared_run_url",
]

DEFAULT_SHARE_TTL_S = 24 * 3600


def invoke_network_async(
    ctx: StubContext, actor: Actor, slug: str, body: NetworkInvokeRequest, base_url: str
) -> QueuedRun:
    """
    Queue a network run and answer at once.

    Args:
        ctx: The stub's context.
        actor: The caller.
        slug: The network.
        body: The prompt, metadata and attachments.
        base_url: The stub's origin.

    Returns:
        The queued run's id and URL.
    """
    with ctx.db.session() as session:
        run_id = create_run(
            ctx,
            session,
            actor,
            slug=slug,
            prompt_text=body.prompt_text,
            metadata=body.metadata,
            attachment_ids=body.attachment_ids,
            now=ctx.now(),
        )
    return QueuedRun(run_id=run_id, run_url=run_url(base_url, run_id), status="queued")


def invoke_network_sync(
    ctx: StubContext, actor: Actor, slug: str, body: NetworkInvokeRequest, base_url: str
) -> Response:
    """
    Run a network synchronously, as 0.1 clients expect: hold the request until it ends.

    The run skips the queue and the request thread sleeps for its running time, without
    holding the database lock. Under an idempotency key, the transaction that creates
    the run marks the key ``executed`` with the run's id, and the answer is stored with
    the read that finishes it; a retry after a crash in between waits for that same run
    rather than starting another.

    Args:
        ctx: The stub's context.
        actor: The caller.
        slug: The network.
        body: The prompt, metadata and attachments.
        base_url: The stub's origin.

    Returns:
        The finished run in the 0.1 shape.
    """
    claim = actor.claim
    with ctx.db.session() as session:
        run_id = None if claim is None else claim.resumed_resource_id
        if run_id is None:
            run_id = create_run(
                ctx,
                session,
                actor,
                slug=slug,
                prompt_text=body.prompt_text,
                metadata=body.metadata,
                attachment_ids=body.attachment_ids,
                now=ctx.now(),
                queue_s=0.0,
            )
            if claim is not None:
                claim.mark_executed(session, run_id)
        deadline = find_run_deadline(session, run_id)
        assert deadline is not None
    time.sleep(max(deadline - ctx.now(), 0.0))
    # The configured clock may lag real time (tests substitute it): never read early.
    now = max(ctx.now(), deadline)
    with ctx.db.session() as session:
        run = run_model(ctx, load_run(ctx, session, actor.tenant_id, run_id, now), now, base_url)
        result = NetworkRunResult(
            slug=slug,
            run_id=run.id,
            run_url=run_url(base_url, run.id),
            prompt_id=run.id,
            output_text=run.output_text,
            model_id_used=run.model_id or "",
            governance_pass=bool(run.governance_pass),
            governance_reasons=run.governance_reasons,
            evidence_download_url=run.evidence_download_url,
        )
        return answer(session, claim, result)


def revise_run(
    ctx: StubContext, actor: Actor, run_id: str, instructions: str, base_url: str
) -> QueuedRun:
    """
    Queue a new run that revises a finished one with extra instructions.

    Args:
        ctx: The stub's context.
        actor: The caller.
        run_id: The finished run to revise.
        instructions: Appended to the original prompt.
        base_url: The stub's origin.

    Returns:
        The new queued run.

    Raises:
        ApiError: 404 when the run is not in the tenant, 409 unless it is terminal.
    """
    now = ctx.now()
    with ctx.db.session() as session:
        original = load_run(ctx, session, actor.tenant_id, run_id, now)
        status = run_model(ctx, original, now, base_url).status
        if status not in TERMINAL_STATUSES:
            raise conflict(f"run {run_id} is {status}; only a finished run can be revised")
        new_id = create_run(
            ctx,
            session,
            actor,
            slug=original.text("network_slug"),
            prompt_text=f"{original.text('prompt_text')}\n\nRevision: {instructions}",
            metadata=original.json_object("metadata"),
            attachment_ids=original.string_list("attachment_ids"),
            now=now,
            revision_of=run_id,
        )
        write_entry(
            session,
            actor,
            action="run.revise",
            resource_kind="run",
            resource_id=run_id,
            now=now,
            metadata={"revision_run_id": new_id},
        )
    return QueuedRun(run_id=new_id, run_url=run_url(base_url, new_id), status="queued")


def shared_run_url(ctx: StubContext, base_url: str, run_id: str, expires: int) -> str:
    """
    Build the presigned read-only link of a shared run.

    Args:
        ctx: The stub's context (signing key).
        base_url: The stub's origin.
        run_id: The run.
        expires: The link's expiry in Unix seconds.

    Returns:
        The absolute link under ``/_storage/run-shares/``.
    """
    return f"{base_url}/_storage/run-shares/{run_id}?{ctx.signer.query(run_id, expires)}"


def share_run(
    ctx: StubContext, actor: Actor, run_id: str, expires_in_s: int | None, base_url: str
) -> RunShare:
    """
    Make a link that shows a run without an API key until it expires.

    Args:
        ctx: The stub's context.
        actor: The caller.
        run_id: The run to share.
        expires_in_s: The link's lifetime; one day when ``None``.
        base_url: The stub's origin.

    Returns:
        The link and its expiry.

    Raises:
        ApiError: 404 when the run is not in the tenant.
    """
    now = ctx.now()
    expires = int(now) + (expires_in_s or DEFAULT_SHARE_TTL_S)
    with ctx.db.session() as session:
        load_run(ctx, session, actor.tenant_id, run_id, now)
        write_entry(
            session,
            actor,
            action="run.share",
            resource_kind="run",
            resource_id=run_id,
            now=now,
            metadata={"expires_at": format_epoch(expires)},
        )
        record_execution(session, actor, run_id, now)
    return RunShare(
        run_id=run_id,
        share_url=shared_run_url(ctx, base_url, run_id, expires),
        expires_at=format_epoch(expires),
    )
