"""
``client.audit`` on the asynchronous client: the tenant's audit log.

This module is the source of the synchronous twin, which ``scripts/unasync.py``
generates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

from .._core.calls import ApiCall, optional_text, page_params, timestamp
from .._models.audit import AuditAction, AuditLogEntry
from .namespace import AsyncAPIResource
from .pages import AsyncPage

__all__ = ["AsyncAudit"]


class AsyncAudit(AsyncAPIResource):
    """
    The audit log: ``client.audit``. Needs the ``audit:read`` scope.

    .. versionadded:: 0.2.0
    """

    async def list(
        self,
        *,
        action: AuditAction | None = None,
        resource_kind: str | None = None,
        resource_id: str | None = None,
        actor_user_id: str | None = None,
        since: dt.datetime | str | None = None,
        until: dt.datetime | str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> AsyncPage[AuditLogEntry]:
        """
        List audit entries, oldest first, one page at a time (``GET /api/v2/audit-log``).

        Args:
            action: Only this action, e.g. ``abp.invoke``.
            resource_kind: Only resources of this kind, e.g. ``abp``.
            resource_id: Only this resource.
            actor_user_id: Only actions by this user.
            since: Only entries at or after this instant (aware ``datetime`` or
                ISO-8601 string).
            until: Only entries before this instant.
            limit: Rows per page.
            offset: Rows to skip; pass a saved offset to resume.

        Returns:
            The page; it can fetch the pages after it.

        Raises:
            VelerianArgumentError: A bad filter, ``limit`` or ``offset``.
            VelerianForbiddenError: The key lacks ``audit:read``.
        """
        call = list_audit_log(
            action=action,
            resource_kind=resource_kind,
            resource_id=resource_id,
            actor_user_id=actor_user_id,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
        return await self._fetch_page(call, AuditLogEntry)

    def iter(
        self,
        *,
        action: AuditAction | None = None,
        resource_kind: str | None = None,
        resource_id: str | None = None,
        actor_user_id: str | None = None,
        since: dt.datetime | str | None = None,
        until: dt.datetime | str | None = None,
        page_size: int = 100,
        offset: int = 0,
        max_items: int | None = None,
    ) -> AsyncIterator[AuditLogEntry]:
        """
        Yield every matching audit entry, fetching page after page.

        The arguments are checked at once; pages are fetched as you iterate. To resume
        after a crash, count the entries you finished and pass ``offset=`` that many
        more than you started at.

        Args:
            action: Only this action.
            resource_kind: Only resources of this kind.
            resource_id: Only this resource.
            actor_user_id: Only actions by this user.
            since: Only entries at or after this instant.
            until: Only entries before this instant.
            page_size: Rows per request.
            offset: Start after this many entries.
            max_items: Stop after this many entries; ``None`` for all.

        Returns:
            An iterator over the entries.

        Raises:
            VelerianArgumentError: A bad filter, ``page_size``, ``offset`` or
                ``max_items``.
            VelerianPaginationError: The server repeats a page.

        Example:
            .. code-block:: python

                async for entry in client.audit.iter(action="api_key.revoke"):
                    print(entry.created_at, entry.resource_id)
        """
        call = list_audit_log(
            action=action,
            resource_kind=resource_kind,
            resource_id=resource_id,
            actor_user_id=actor_user_id,
            since=since,
            until=until,
            limit=page_size,
            offset=offset,
        )
        return self._iterate(call, AuditLogEntry, max_items)


def list_audit_log(
    *,
    action: object,
    resource_kind: object,
    resource_id: object,
    actor_user_id: object,
    since: object,
    until: object,
    limit: int,
    offset: int,
) -> ApiCall:
    """Build ``GET /api/v2/audit-log`` with its filters."""
    return ApiCall(
        "GET",
        "audit-log",
        params={
            "action": optional_text("action", action),
            "resource_kind": optional_text("resource_kind", resource_kind),
            "resource_id": optional_text("resource_id", resource_id),
            "actor_user_id": optional_text("actor_user_id", actor_user_id),
            "since": timestamp("since", since),
            "until": timestamp("until", until),
            **page_params(limit, offset),
        },
    )
