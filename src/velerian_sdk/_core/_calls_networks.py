"""The request of ``client.networks``, built and checked without I/O."""

from __future__ import annotations

from .calls import ApiCall, json_object, path_segment, required_text, text_list

__all__ = ["queue_network_run"]


def queue_network_run(
    slug: object,
    *,
    prompt_text: object,
    metadata: object,
    attachment_ids: object,
    idempotency_key: str | None,
) -> ApiCall:
    """
    Build ``POST /api/agenticx/networks/{slug}/invoke?async=true``.

    The run is always queued: the synchronous form dies at the gateway's 180 s limit
    while the run goes on, billed, server-side.
    """
    body: dict[str, object] = {"prompt_text": required_text("prompt_text", prompt_text)}
    if metadata is not None:
        body["metadata"] = json_object("metadata", metadata)
    if attachment_ids is not None:
        body["attachment_ids"] = text_list("attachment_ids", attachment_ids)
    return ApiCall(
        "POST",
        f"/api/agenticx/networks/{path_segment('slug', slug)}/invoke",
        params={"async": True},
        json=body,
        idempotency_key=idempotency_key,
    )
