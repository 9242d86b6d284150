"""
The canned bodies the benchmarks serve: realistic shapes from ``docs/api/decisions.md``.

The loopback server, the in-process mock transports and the parsing suite all serve
these same bytes, so every contender parses exactly the same input.
"""

from __future__ import annotations

import json

__all__ = [
    "ABP_ID",
    "ABP_JSON",
    "CHAT_COMPLETION_JSON",
    "INVOKE_BODY",
    "INVOKE_JSON",
    "INVOKE_PAYLOAD",
    "audit_items",
    "audit_page",
]

ABP_ID = "abp_5f2c9a41d07e4b3c8a6e1f09"

ABP_JSON = json.dumps(
    {
        "id": ABP_ID,
        "name": "Claims triage",
        "description": "Routes incoming insurance claims to the right desk.",
        "status": "deployed",
        "version": 7,
        "created_at": "2026-01-05T09:12:44Z",
        "updated_at": "2026-02-11T16:03:10Z",
        "deployed_at": "2026-02-11T16:03:10Z",
    }
).encode()
"""``GET /api/v2/abps/{abp_id}``: an Abp."""

INVOKE_PAYLOAD: dict[str, object] = {"prompt": "Summarize the attached filing."}
"""The ``payload`` of every benchmarked invoke."""

INVOKE_BODY: dict[str, object] = {"payload": INVOKE_PAYLOAD}
"""The request body of every benchmarked invoke."""

INVOKE_JSON = json.dumps(
    {
        "invocation_id": "inv_8d1e33b0c94f4a27b5e6d2a1",
        "outcome": "allowed",
        "is_allowed": True,
        "requires_human": False,
        "withheld": False,
        "constraint_count": 2,
        "aggregated_conditions": [
            {"constraint": "no-pii", "result": "pass", "message": "no personal data found"},
            {"constraint": "tone", "result": "pass", "message": "neutral"},
        ],
        "output": {"text": "The filing reports a 4% rise in quarterly revenue."},
        "approval_id": None,
        "evidence_pack_id": "evp_0a6b1c2d3e4f5a6b7c8d9e0f",
        "evidence_pack_s3_key": "ten_1/abp_5f2c/evp_0a6b1c2d3e4f5a6b7c8d9e0f.json",
        "evidence_pack_chain_hash": "3f" * 32,
        "model_error": None,
    }
).encode()
"""``POST /api/v2/abps/{abp_id}/invoke``: an allowed InvokeResponse."""

CHAT_COMPLETION_JSON = json.dumps(
    {
        "id": "chatcmpl-bench0001",
        "object": "chat.completion",
        "created": 1767600000,
        "model": "gpt-bench",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "The filing reports a 4% rise in quarterly revenue.",
                    "refusal": None,
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 11, "total_tokens": 23},
    }
).encode()
"""``POST /v1/chat/completions``: the shape the openai client parses."""

PAGE_MARK = b"@@@@@@@@@@@@"
"""Stands for the page's offset, in hex, inside every item id of a page template."""


def audit_items(count: int) -> list[bytes]:
    """
    Return ``count`` audit-log entries as JSON, their ids carrying :data:`PAGE_MARK`.

    Args:
        count: How many entries.

    Returns:
        One encoded entry per item; replace :data:`PAGE_MARK` to make ids unique.
    """
    actions = ("abp.invoke", "network.invoke", "approval.approve", "api_key.create")
    items: list[bytes] = []
    for index in range(count):
        entry = {
            "id": f"aud_{PAGE_MARK.decode()}{index:012x}",
            "created_at": f"2026-02-{1 + index % 28:02d}T{index % 24:02d}:{index % 60:02d}:07Z",
            "action": actions[index % len(actions)],
            "actor_user_id": "usr_31a4c6e8f0b2d4f6a8c0e2b4",
            "actor_api_key_id": None,
            "resource_kind": "abp",
            "resource_id": ABP_ID,
            "metadata": {"outcome": "allowed", "invocation_id": f"inv_{index:024x}"},
            "request_id": f"req_{index:024x}",
        }
        items.append(json.dumps(entry, separators=(",", ":")).encode())
    return items


def audit_page(items: list[bytes], *, limit: int, offset: int, total: int | None) -> bytes:
    """
    Encode a page envelope around ``items``, with ids unique to this ``offset``.

    Args:
        items: Encoded entries from :func:`audit_items`.
        limit: The page size to report.
        offset: The page's offset, also written into every item id.
        total: The count to report, or ``None`` to leave it out.

    Returns:
        ``{"items": [...], "limit": L, "offset": O, "total": T}`` as bytes.
    """
    body = b"[" + b",".join(items) + b"]"
    body = body.replace(PAGE_MARK, b"%012x" % offset)
    tail = b"" if total is None else b',"total":%d' % total
    return b'{"items":%s,"limit":%d,"offset":%d%s}' % (body, limit, offset, tail)
