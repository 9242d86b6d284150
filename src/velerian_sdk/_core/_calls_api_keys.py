"""The requests of ``client.api_keys``, built and checked without I/O."""

from __future__ import annotations

from .calls import ApiCall, page_params, path_segment, required_text, text_list, timestamp

__all__ = ["create_api_key", "list_api_keys", "revoke_api_key"]


def create_api_key(
    *, name: object, scopes: object, expires_at: object, idempotency_key: str | None
) -> ApiCall:
    """Build ``POST /api/v2/api-keys``; ``expires_at`` is left out when ``None``."""
    body: dict[str, object] = {
        "name": required_text("name", name),
        "scopes": text_list("scopes", scopes, allow_empty=False),
    }
    expires = timestamp("expires_at", expires_at)
    if expires is not None:
        body["expires_at"] = expires
    return ApiCall("POST", "api-keys", json=body, idempotency_key=idempotency_key)


def list_api_keys(*, limit: int, offset: int) -> ApiCall:
    """Build ``GET /api/v2/api-keys``."""
    return ApiCall("GET", "api-keys", params=page_params(limit, offset))


def revoke_api_key(key_id: object) -> ApiCall:
    """Build ``DELETE /api/v2/api-keys/{key_id}``."""
    return ApiCall("DELETE", f"api-keys/{path_segment('key_id', key_id)}")
