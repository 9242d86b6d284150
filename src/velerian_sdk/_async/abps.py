"""
``client.abps`` on the asynchronous client: agent blueprints, listed, read and invoked.

This module is the source of the synchronous twin, which ``scripts/unasync.py``
generates.
"""

from __future__ import annotations

from collections.abc import Mapping

from .._core.calls import ApiCall, json_object, optional_text, page_params, path_segment
from .._models.abps import Abp, AbpStatus, InvokeResult
from .namespace import AsyncAPIResource
from .pages import AsyncPage

__all__ = ["AsyncAbps"]


class AsyncAbps(AsyncAPIResource):
    """
    Agent blueprints (ABPs): ``client.abps``.

    .. versionadded:: 0.2.0
    """

    async def list(
        self, *, status: AbpStatus | None = None, limit: int = 50, offset: int = 0
    ) -> AsyncPage[Abp]:
        """
        List the tenant's ABPs, one page at a time (``GET /api/v2/abps``).

        Args:
            status: Only ABPs in this state (``draft``, ``deployed``, ``archived``).
            limit: Rows per page.
            offset: Rows to skip; pass a saved offset to resume.

        Returns:
            The page; it can fetch the pages after it.

        Raises:
            VelerianArgumentError: ``limit`` or ``offset`` is out of range.
            VelerianAPIError: The API refused the call.
        """
        call = list_abps(status=status, limit=limit, offset=offset)
        return await self._fetch_page(call, Abp)

    async def retrieve(self, abp_id: str) -> Abp:
        """
        Read one ABP (``GET /api/v2/abps/{abp_id}``).

        Args:
            abp_id: The ABP's id.

        Returns:
            The ABP.

        Raises:
            VelerianArgumentError: ``abp_id`` is not a valid id.
            VelerianNotFoundError: No such ABP in your tenant.
        """
        return await self._sender.fetch(retrieve_abp(abp_id), Abp)

    async def invoke(
        self,
        abp_id: str,
        *,
        payload: Mapping[str, object],
        idempotency_key: str | None = None,
    ) -> InvokeResult:
        """
        Run a governed invocation of a deployed ABP (``POST /api/v2/abps/{abp_id}/invoke``).

        Needs the ``runs:write`` scope. The call carries an ``Idempotency-Key`` (one
        per call, reused by its retries), so a retried invoke is billed once.

        Args:
            abp_id: The ABP's id.
            payload: The invocation's input, a JSON object.
            idempotency_key: Your own key, to make a repeat safe across processes.

        Returns:
            The governance verdict, output and evidence-pack pointers.

        Raises:
            VelerianArgumentError: A bad id or a payload that is not a JSON object.
            VelerianConflictError: The ABP is not ``deployed``.
            VelerianForbiddenError: The key lacks ``runs:write``.

        Example:
            .. code-block:: python

                result = await client.abps.invoke(abp_id, payload={"prompt": "Summarize."})
                if result.requires_human:
                    print("held for approval", result.approval_id)
        """
        call = invoke_abp(abp_id, payload=payload, idempotency_key=idempotency_key)
        return await self._sender.fetch(call, InvokeResult)


def list_abps(*, status: object, limit: int, offset: int) -> ApiCall:
    """Build ``GET /api/v2/abps``."""
    return ApiCall(
        "GET",
        "abps",
        params={"status": optional_text("status", status), **page_params(limit, offset)},
    )


def retrieve_abp(abp_id: object) -> ApiCall:
    """Build ``GET /api/v2/abps/{abp_id}``."""
    return ApiCall("GET", f"abps/{path_segment('abp_id', abp_id)}")


def invoke_abp(abp_id: object, *, payload: object, idempotency_key: str | None) -> ApiCall:
    """Build ``POST /api/v2/abps/{abp_id}/invoke`` with ``{"payload": ...}``."""
    return ApiCall(
        "POST",
        f"abps/{path_segment('abp_id', abp_id)}/invoke",
        json={"payload": json_object("payload", payload)},
        idempotency_key=idempotency_key,
    )
