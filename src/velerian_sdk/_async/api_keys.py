"""
``client.api_keys`` on the asynchronous client: mint, list and revoke API keys.

This module is the source of the synchronous twin, which ``scripts/unasync.py``
generates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .._core.calls import ApiCall, page_params, path_segment, required_text, text_list, timestamp
from .._models.api_keys import ApiKey, ApiKeyScope, CreatedApiKey
from .namespace import AsyncAPIResource
from .pages import AsyncPage

__all__ = ["AsyncApiKeys"]


class AsyncApiKeys(AsyncAPIResource):
    """
    API keys: ``client.api_keys``. Needs the ``write`` scope and an owner or admin role.

    .. versionadded:: 0.2.0
    """

    async def create(
        self,
        *,
        name: str,
        scopes: Sequence[ApiKeyScope],
        expires_at: dt.datetime | str | None = None,
        idempotency_key: str | None = None,
    ) -> CreatedApiKey:
        """
        Mint a key (``POST /api/v2/api-keys``); its secret is shown this once.

        The key's scopes can never exceed your own key's (403 names the refused ones).

        Args:
            name: A name to recognise the key by.
            scopes: What it may do, e.g. ``["runs:read", "evidence:read"]``.
            expires_at: When it stops working (aware ``datetime`` or ISO-8601);
                never, when omitted.
            idempotency_key: Your own key, to make a repeat safe across processes.

        Returns:
            The key, with ``secret`` as a :class:`pydantic.SecretStr`: call
            ``.secret.get_secret_value()`` and store it safely at once.

        Raises:
            VelerianArgumentError: An empty name, a bare string or empty list as
                ``scopes``, or a bad ``expires_at``.
            VelerianForbiddenError: Your key or role may not mint these scopes.
        """
        call = create_api_key(
            name=name, scopes=scopes, expires_at=expires_at, idempotency_key=idempotency_key
        )
        return await self._sender.fetch(call, CreatedApiKey)

    async def list(self, *, limit: int = 50, offset: int = 0) -> AsyncPage[ApiKey]:
        """
        List the tenant's keys, revoked ones included, never with secrets.

        ``GET /api/v2/api-keys``.

        Args:
            limit: Rows per page.
            offset: Rows to skip.

        Returns:
            The page; it can fetch the pages after it.

        Raises:
            VelerianArgumentError: ``limit`` or ``offset`` is out of range.
        """
        return await self._fetch_page(list_api_keys(limit=limit, offset=offset), ApiKey)

    async def revoke(self, key_id: str) -> None:
        """
        Revoke a key (``DELETE /api/v2/api-keys/{key_id}``); it gets 401 from then on.

        Args:
            key_id: The key's id (``ApiKey.id``), not its secret.

        Raises:
            VelerianArgumentError: ``key_id`` is not a valid id.
            VelerianNotFoundError: No such key in your tenant.
        """
        await self._sender.send_call(revoke_api_key(key_id))


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
