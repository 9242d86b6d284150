"""
The canned answers of the per-method sweep: one per typed method's route.

Shared by the loopback server and the in-process mock, so both transports serve the
same bytes. Lists answer a page of :data:`PAGE_ITEMS` items: the sweep measures what a
call costs, the parsing suite what a large page costs.
"""

from __future__ import annotations

import json

from .payloads import ABP_ID, ABP_JSON, INVOKE_JSON

__all__ = ["METHOD_ANSWERS", "PAGE_ITEMS", "RUN_ID", "answer_for"]

PAGE_ITEMS = 10
RUN_ID = "run_3c1f0e2d9b8a4c7d"
_T0 = "2026-01-05T09:12:44Z"
_T1 = "2026-02-11T16:03:10Z"

_ABP: dict[str, object] = json.loads(ABP_JSON)
_API_KEY: dict[str, object] = {
    "id": "key_1",
    "name": "ci",
    "prefix": "vk_live_",
    "last_four": "wxyz",
    "scopes": ["runs:read", "evidence:read"],
    "created_at": _T0,
    "last_used_at": None,
    "expires_at": None,
    "revoked_at": None,
}
_APPROVAL: dict[str, object] = {
    "id": "apr_1",
    "abp_id": ABP_ID,
    "invocation_id": "inv_1",
    "status": "pending",
    "reason": "requires human approval",
    "created_at": _T0,
    "decided_at": None,
    "decided_by_user_id": None,
    "note": None,
}
_RUN: dict[str, object] = {
    "id": RUN_ID,
    "status": "succeeded",
    "network_slug": "claims-review",
    "prompt_text": "Review claim 7.",
    "metadata": {},
    "attachment_ids": [],
    "output_text": "Approved.",
    "governance_pass": True,
    "governance_reasons": [],
    "model_id": "model-a",
    "error": None,
    "evidence_download_url": None,
    "evidence_pack_id": "evp_9",
    "revision_of": None,
    "created_at": _T0,
    "started_at": _T0,
    "finished_at": _T1,
    "poll_after_s": None,
}
_AUDIT: dict[str, object] = {
    "id": "aud_1",
    "created_at": _T0,
    "action": "abp.invoke",
    "actor_user_id": "usr_1",
    "actor_api_key_id": None,
    "resource_kind": "abp",
    "resource_id": ABP_ID,
    "metadata": {"outcome": "allowed"},
    "request_id": None,
}
_PLAN: dict[str, object] = {
    "id": "plan_team",
    "name": "Team",
    "monthly_governed_runs": None,
    "evidence_retention_days": 365,
    "price_usd_cents": 49900,
    "current": True,
}
_EXPORT: dict[str, object] = {
    "export_id": "exp_1",
    "artifact_kind": "invocation_evidence",
    "format": "json",
    "s3_key": "exports/exp_1.json",
    "download_url": "https://storage.example/exp_1?sig=abc",
    "expires_at": _T1,
    "delivery": "presigned",
    "size_bytes": 120,
    "sha256": "cd" * 32,
}
_USAGE: dict[str, object] = {
    "tenant_id": "ten_1",
    "as_of": _T1,
    "period_start": "2026-02-01T00:00:00Z",
    "period_end": "2026-03-01T00:00:00Z",
    "governed_runs": {"total": 5, "allowed": 3, "denied": 1, "held": 0, "network_runs": 1},
    "evidence_packs": [
        {
            "id": f"evp_{n}",
            "chain_scope": f"abp:{ABP_ID}",
            "sequence": n,
            "abp_id": ABP_ID,
            "invocation_id": f"inv_{n}",
            "run_id": None,
            "created_at": _T0,
            "chain_hash": f"{n:064x}",
        }
        for n in range(PAGE_ITEMS)
    ],
    "evidence_limit": PAGE_ITEMS,
    "evidence_offset": 0,
    "evidence_total": 70,
    "adoption": {"active_abps": 2, "active_api_keys": 3},
}
_ATTACHMENT: dict[str, object] = {
    "id": "att_1",
    "filename": "claims.csv",
    "content_type": "text/csv",
    "size_bytes": 10,
    "sha256": "ab" * 32,
    "status": "ready",
    "upload_url": None,
    "upload_expires_at": None,
    "created_at": _T0,
}
_QUEUED: dict[str, object] = {
    "run_id": RUN_ID,
    "run_url": f"https://app.example/runs/{RUN_ID}",
    "status": "queued",
}


def _page(item: dict[str, object]) -> bytes:
    items = [{**item, "id": f"{item['id']}_{n}"} for n in range(PAGE_ITEMS)]
    return json.dumps({"items": items, "limit": 50, "offset": 0, "total": 500}).encode()


def _one(body: dict[str, object]) -> bytes:
    return json.dumps(body).encode()


_V2 = "/api/v2"
METHOD_ANSWERS: dict[tuple[str, str], tuple[int, bytes]] = {
    ("GET", f"{_V2}/abps"): (200, _page(_ABP)),
    ("GET", f"{_V2}/abps/{ABP_ID}"): (200, ABP_JSON),
    ("POST", f"{_V2}/abps/{ABP_ID}/invoke"): (200, INVOKE_JSON),
    ("GET", f"{_V2}/abps/{ABP_ID}/invocations/inv_1/evidence"): (200, _one(_EXPORT)),
    ("GET", f"{_V2}/abps/{ABP_ID}/evidence-package"): (200, _one(_EXPORT)),
    ("POST", f"{_V2}/api-keys"): (201, _one({**_API_KEY, "secret": "vk_live_" + "x" * 40})),
    ("GET", f"{_V2}/api-keys"): (200, _page(_API_KEY)),
    ("DELETE", f"{_V2}/api-keys/key_1"): (204, b""),
    ("GET", f"{_V2}/approvals"): (200, _page(_APPROVAL)),
    ("GET", f"{_V2}/approvals/apr_1"): (200, _one(_APPROVAL)),
    ("POST", f"{_V2}/approvals/apr_1/approve"): (200, _one({**_APPROVAL, "status": "approved"})),
    ("POST", f"{_V2}/approvals/apr_1/reject"): (200, _one({**_APPROVAL, "status": "rejected"})),
    ("GET", f"{_V2}/run-attachments/att_1"): (200, _one(_ATTACHMENT)),
    ("GET", f"{_V2}/audit-log"): (200, _page(_AUDIT)),
    ("POST", "/api/agenticx/networks/claims-review/invoke"): (202, _one(_QUEUED)),
    ("GET", f"{_V2}/plans"): (200, _page(_PLAN)),
    ("GET", f"{_V2}/pack-runs"): (200, _page(_RUN)),
    ("GET", f"{_V2}/pack-runs/{RUN_ID}"): (200, _one(_RUN)),
    ("POST", f"{_V2}/pack-runs/{RUN_ID}/share"): (
        201,
        _one({"share_url": "https://app.example/s/abc", "run_id": RUN_ID, "expires_at": _T1}),
    ),
    ("GET", f"{_V2}/usage/summary"): (200, _one(_USAGE)),
}
"""Each route of the sweep: its status and body, by method and path (no query)."""


def answer_for(method: str, path: str) -> tuple[int, bytes] | None:
    """
    Return the canned status and body of a swept route, or ``None``.

    Args:
        method: ``GET``, ``POST``...
        path: The path, without the query.

    Returns:
        The answer, or ``None`` for a route the sweep does not call.
    """
    return METHOD_ANSWERS.get((method, path))
