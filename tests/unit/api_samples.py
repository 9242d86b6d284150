"""Response bodies in the shapes of docs/api/decisions.md, shared by the resource tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import TypeVar, overload

import httpx

from tests.conftest import Harness
from tests.recording import SentRequest
from velerian_sdk import JSONObject, JSONValue

T0 = "2025-03-01T12:00:00.250000Z"
T1 = "2025-03-01T12:05:00Z"

Handler = Callable[[httpx.Request], httpx.Response]
T = TypeVar("T")


@overload
def collect(harness: Harness, iterator: Iterator[T]) -> list[T]: ...
@overload
def collect(harness: Harness, iterator: AsyncIterator[T]) -> list[T]: ...
def collect(harness: Harness, iterator: Iterator[T] | AsyncIterator[T]) -> list[T]:
    """Drain a sync or async iterator."""
    if isinstance(iterator, Iterator):
        return list(iterator)

    async def drain() -> list[T]:
        return [item async for item in iterator]

    return harness.run(drain())


def abp(abp_id: str = "abp_1", **changes: JSONValue) -> JSONObject:
    body: JSONObject = {
        "id": abp_id,
        "name": "Claims triage",
        "description": None,
        "status": "deployed",
        "version": 3,
        "created_at": T0,
        "updated_at": T1,
        "deployed_at": T1,
    }
    return _changed(body, changes)


def invoke_result(**changes: JSONValue) -> JSONObject:
    body: JSONObject = {
        "invocation_id": "inv_1",
        "outcome": "allowed",
        "is_allowed": True,
        "requires_human": False,
        "withheld": False,
        "constraint_count": 1,
        "aggregated_conditions": [{"constraint": "pii", "result": "pass", "message": "ok"}],
        "output": {"text": "Summary."},
        "approval_id": None,
        "evidence_pack_id": "evp_1",
        "evidence_pack_s3_key": "packs/evp_1.json",
        "evidence_pack_chain_hash": "ab" * 32,
        "model_error": None,
    }
    return _changed(body, changes)


def export(**changes: JSONValue) -> JSONObject:
    body: JSONObject = {
        "export_id": "exp_1",
        "artifact_kind": "invocation_evidence",
        "format": "json",
        "s3_key": "exports/exp_1.json",
        "download_url": "https://storage.test/_storage/exp_1?sig=SECRETSIG&expires=1",
        "expires_at": T1,
        "delivery": "presigned",
        "size_bytes": 120,
        "sha256": "cd" * 32,
    }
    return _changed(body, changes)


def audit_entry(n: int = 1, **changes: JSONValue) -> JSONObject:
    body: JSONObject = {
        "id": f"aud_{n}",
        "created_at": T0,
        "action": "abp.invoke",
        "actor_user_id": "usr_1",
        "actor_api_key_id": None,
        "resource_kind": "abp",
        "resource_id": "abp_1",
        "metadata": {"outcome": "allowed"},
        "request_id": None,
    }
    return _changed(body, changes)


SECRET = "vk_live_" + "S3cr3t" * 6 + "wxyz"


def api_key(key_id: str = "key_1", **changes: JSONValue) -> JSONObject:
    body: JSONObject = {
        "id": key_id,
        "name": "ci",
        "prefix": "vk_live_",
        "last_four": "wxyz",
        "scopes": ["runs:read", "evidence:read"],
        "created_at": T0,
        "last_used_at": None,
        "expires_at": None,
        "revoked_at": None,
    }
    return _changed(body, changes)


def created_api_key(**changes: JSONValue) -> JSONObject:
    return _changed({**api_key(), "secret": SECRET}, changes)


def evidence_row(n: int) -> JSONObject:
    return {
        "id": f"evp_{n}",
        "chain_scope": "abp:abp_1",
        "sequence": n,
        "abp_id": "abp_1",
        "invocation_id": f"inv_{n}",
        "run_id": None,
        "created_at": T0,
        "chain_hash": f"{n:064x}",
    }


def usage(rows: Sequence[JSONObject] = (), *, limit: int = 50, offset: int = 0) -> JSONObject:
    return {
        "tenant_id": "ten_1",
        "as_of": T1,
        "period_start": "2025-03-01T00:00:00Z",
        "period_end": "2025-04-01T00:00:00Z",
        "governed_runs": {"total": 5, "allowed": 3, "denied": 1, "held": 0, "network_runs": 1},
        "evidence_packs": list(rows),
        "evidence_limit": limit,
        "evidence_offset": offset,
        "evidence_total": 7,
        "adoption": {"active_abps": 2, "active_api_keys": 3},
    }


def run(run_id: str = "run_1", status: str = "queued", **changes: JSONValue) -> JSONObject:
    terminal = status in {"succeeded", "failed", "blocked"}
    body: JSONObject = {
        "id": run_id,
        "status": status,
        "network_slug": "claims-review",
        "prompt_text": "Review claim 7.",
        "metadata": {},
        "attachment_ids": [],
        "output_text": "Approved." if status == "succeeded" else None,
        "governance_pass": (status == "succeeded") if terminal else None,
        "governance_reasons": ["policy X"] if status == "blocked" else [],
        "model_id": None if status == "queued" else "model-a",
        "error": "boom" if status == "failed" else None,
        "evidence_download_url": None,
        "evidence_pack_id": "evp_9" if terminal else None,
        "revision_of": None,
        "created_at": T0,
        "started_at": None if status == "queued" else T0,
        "finished_at": T1 if terminal else None,
        "poll_after_s": None,
    }
    return _changed(body, changes)


def queued(run_id: str = "run_1") -> JSONObject:
    return {"run_id": run_id, "run_url": f"https://app.test/runs/{run_id}", "status": "queued"}


def approval(approval_id: str = "apr_1", **changes: JSONValue) -> JSONObject:
    body: JSONObject = {
        "id": approval_id,
        "abp_id": "abp_1",
        "invocation_id": "inv_1",
        "status": "pending",
        "reason": "requires human approval",
        "created_at": T0,
        "decided_at": None,
        "decided_by_user_id": None,
        "note": None,
    }
    return _changed(body, changes)


def plan(plan_id: str = "plan_team", **changes: JSONValue) -> JSONObject:
    body: JSONObject = {
        "id": plan_id,
        "name": "Team",
        "monthly_governed_runs": None,
        "evidence_retention_days": 365,
        "price_usd_cents": 49900,
        "current": True,
    }
    return _changed(body, changes)


def attachment(**changes: JSONValue) -> JSONObject:
    body: JSONObject = {
        "id": "att_1",
        "filename": "claims.csv",
        "content_type": "text/csv",
        "size_bytes": 10,
        "sha256": None,
        "status": "pending_upload",
        "upload_url": "https://storage.test/_storage/att_1?sig=UPLOADSIG",
        "upload_expires_at": T1,
        "created_at": T0,
    }
    return _changed(body, changes)


def page(items: Sequence[JSONObject], *, limit: int, offset: int, total: int | None) -> JSONObject:
    body: JSONObject = {"items": list(items), "limit": limit, "offset": offset}
    if total is not None:
        body["total"] = total
    return body


def paged(rows: Sequence[JSONObject], *, total: bool = True) -> Handler:
    """Serve ``rows`` as a well-behaved list route (limit/offset from the query)."""

    def handler(request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params.get("limit", "50"))
        offset = int(request.url.params.get("offset", "0"))
        chunk = rows[offset : offset + limit]
        return httpx.Response(
            200, json=page(chunk, limit=limit, offset=offset, total=len(rows) if total else None)
        )

    return handler


def replies(*bodies: Mapping[str, object] | httpx.Response) -> Handler:
    """Answer each request with the next body (200 JSON) or response, in order."""
    queue: Iterator[Mapping[str, object] | httpx.Response] = iter(bodies)

    def handler(request: httpx.Request) -> httpx.Response:
        item = next(queue)
        if isinstance(item, httpx.Response):
            return item
        return httpx.Response(200, json=item)

    return handler


def at_most(answers: int, handler: Handler) -> Handler:
    """
    Answer with ``handler`` up to ``answers`` times, then fail the test.

    For a server that pages forever: a walk whose loop check is broken then fails at
    once instead of hanging.
    """
    served = 0

    def bounded(request: httpx.Request) -> httpx.Response:
        nonlocal served
        served += 1
        if served > answers:
            msg = f"the walk did not stop after {answers} pages of a server that pages forever"
            raise AssertionError(msg)
        return handler(request)

    return bounded


def body_of(request: httpx.Request | SentRequest) -> object:
    return json.loads(request.content) if request.content else None


def _changed(body: JSONObject, changes: Mapping[str, JSONValue]) -> JSONObject:
    return {**body, **changes}
