"""
The 0.1 client's methods on :class:`AsyncVelerianClient`, as thin calls to namespaces.

Every 0.1 snippet keeps working: these methods keep their 0.1 names, arguments and
result shapes (plain ``dict`` rows where 0.1 returned them) and delegate to the typed
namespaces. ``docs/migration.md`` maps each to its namespace form. This module is the
source of the synchronous twin, which ``scripts/unasync.py`` generates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, cast

from .._core.calls import JSONObject, Params
from .._core.errors import VelerianError
from .._core.namespace_property import NamespaceProperty
from .._core.polling import (
    DEFAULT_POLL_INTERVAL,
    DEFAULT_RUN_TIMEOUT,
    check_wait_arguments,
    note_queued_run,
)

if TYPE_CHECKING:
    from .._models.abps import InvokeResult
    from .._models.evidence import EvidenceExport
    from .._models.usage import UsageSummary
    from ._rows import AsyncRows
    from .abps import AsyncAbps
    from .evidence import AsyncEvidence
    from .networks import AsyncNetworks
    from .pages import AsyncPage
    from .runs import AsyncRuns
    from .sender import AsyncHttpSender
    from .usage import AsyncUsage

__all__ = ["AsyncLegacyMethods"]


class AsyncNamespaces(Protocol):
    """The client's namespaces that the 0.1 methods delegate to."""

    @property
    def abps(self) -> AsyncAbps: ...
    @property
    def evidence(self) -> AsyncEvidence: ...
    @property
    def usage(self) -> AsyncUsage: ...
    @property
    def runs(self) -> AsyncRuns: ...
    @property
    def networks(self) -> AsyncNetworks: ...


class AsyncLegacyMethods:
    """
    The 0.1 methods, kept working; each names the namespace call it delegates to.

    .. versionchanged:: 0.2.0
       Thin delegations to the namespaces (``client.abps``, ``client.runs``...).
    """

    _sender: AsyncHttpSender
    """Sends every call; set by the client's constructor."""

    @property
    def _namespaces(self) -> AsyncNamespaces:
        # This mixin is only ever a base of the client, which defines the namespaces.
        return cast("AsyncNamespaces", self)

    @NamespaceProperty
    def _rows(self) -> AsyncRows:
        # Plain-row pages and walks, which only the 0.1 methods return.
        from ._rows import AsyncRows

        return AsyncRows(self._sender)

    async def invoke_abp(self, abp_id: str, *, payload: Mapping[str, object]) -> InvokeResult:
        """
        Run a governed invocation of a deployed ABP; same as ``client.abps.invoke``.

        Args:
            abp_id: The ABP's id.
            payload: The invocation's input, a JSON object.

        Returns:
            The governance verdict and evidence-pack pointers.
        """
        return await self._namespaces.abps.invoke(abp_id, payload=payload)

    async def invocation_evidence(
        self, abp_id: str, invocation_id: str, *, format: str | None = None
    ) -> EvidenceExport:
        """
        Export one invocation's evidence; same as ``client.evidence.for_invocation``.

        Args:
            abp_id: The ABP that was invoked.
            invocation_id: The invocation.
            format: ``json`` or ``jsonl``; the server's default when omitted.

        Returns:
            Where and until when to download the export.
        """
        return await self._namespaces.evidence.for_invocation(abp_id, invocation_id, format=format)

    async def evidence_package(
        self, abp_id: str, *, since: dt.datetime | str, format: str | None = None
    ) -> EvidenceExport:
        """
        Export an ABP's evidence since an instant; same as ``client.evidence.package``.

        Args:
            abp_id: The ABP.
            since: ISO-8601 string or aware ``datetime``.
            format: ``json`` or ``jsonl``; the server's default when omitted.

        Returns:
            Where and until when to download the export.
        """
        return await self._namespaces.evidence.package(abp_id, since=since, format=format)

    async def usage_summary(self) -> UsageSummary:
        """
        Read the tenant's usage summary; same as ``client.usage.summary()``.

        Returns:
            The summary.
        """
        return await self._namespaces.usage.summary()

    async def list_audit_log(
        self,
        *,
        action: str | None = None,
        resource_kind: str | None = None,
        resource_id: str | None = None,
        actor_user_id: str | None = None,
        since: dt.datetime | str | None = None,
        until: dt.datetime | str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> AsyncPage[JSONObject]:
        """
        List one page of audit entries as plain ``dict`` rows, as 0.1 did.

        ``entry["created_at"]`` is the ISO string. ``client.audit.list`` returns
        :class:`AuditLogEntry` models instead.

        Args:
            action: Only this action.
            resource_kind: Only resources of this kind.
            resource_id: Only this resource.
            actor_user_id: Only actions by this user.
            since: Only entries at or after this instant.
            until: Only entries before this instant.
            limit: Rows per page.
            offset: Rows to skip.

        Returns:
            The page of rows.
        """
        from .audit import list_audit_log

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
        return await self._rows.page(call)

    def iter_audit_log(
        self,
        *,
        action: str | None = None,
        resource_kind: str | None = None,
        resource_id: str | None = None,
        actor_user_id: str | None = None,
        since: dt.datetime | str | None = None,
        until: dt.datetime | str | None = None,
        page_size: int = 100,
    ) -> AsyncIterator[JSONObject]:
        """
        Yield every matching audit entry as a plain ``dict``, across pages, as 0.1 did.

        ``client.audit.iter`` yields :class:`AuditLogEntry` models instead.

        Args:
            action: Only this action.
            resource_kind: Only resources of this kind.
            resource_id: Only this resource.
            actor_user_id: Only actions by this user.
            since: Only entries at or after this instant.
            until: Only entries before this instant.
            page_size: Rows per request.

        Returns:
            The rows, fetched page by page.
        """
        from .audit import list_audit_log

        call = list_audit_log(
            action=action,
            resource_kind=resource_kind,
            resource_id=resource_id,
            actor_user_id=actor_user_id,
            since=since,
            until=until,
            limit=page_size,
            offset=0,
        )
        return self._rows.iterate(call)

    def iter_paginated(
        self,
        path: str,
        *,
        params: Params | None = None,
        page_size: int = 100,
        limit_param: str = "limit",
        offset_param: str = "offset",
        items_key: str = "items",
    ) -> AsyncIterator[JSONObject]:
        """
        Walk any limit/offset route, yielding each row as a plain ``dict``.

        For routes without a typed method. Override the names for routes paged
        differently, e.g. the usage summary's evidence packs:
        ``iter_paginated("usage/summary", limit_param="evidence_limit",
        offset_param="evidence_offset", items_key="evidence_packs")``. The walk stops
        on a short or empty page or at the total the body states (``total``, or
        ``evidence_total`` for ``evidence_limit``), and refuses a repeated page.

        Args:
            path: The list route (see :meth:`request`).
            params: Extra query parameters (filters).
            page_size: Rows per request.
            limit_param: The query (and body) name of the page size.
            offset_param: The query (and body) name of the offset.
            items_key: The body key of the rows.

        Returns:
            The rows, fetched page by page.

        Raises:
            VelerianPaginationError: The rows are not JSON objects, or the server
                repeats a page.
        """
        return self._rows.walk(
            path,
            params=params,
            page_size=page_size,
            limit_param=limit_param,
            offset_param=offset_param,
            items_key=items_key,
        )

    async def invoke_network(
        self,
        slug: str,
        *,
        prompt_text: str,
        metadata: Mapping[str, object] | None = None,
        attachment_ids: Sequence[str] | None = None,
        wait: bool = True,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        run_timeout: float = DEFAULT_RUN_TIMEOUT,
    ) -> JSONObject:
        """
        Run a network, returning the 0.1 ``dict`` shapes; see ``client.networks.invoke``.

        The run is queued and polled. With ``wait=False`` the result is the queueing
        answer ``{"run_id", "run_url", "status": "queued"}``; otherwise it is the run
        row plus ``slug``, ``run_id``, ``prompt_id`` (deprecated alias of ``run_id``),
        ``run_url`` and ``model_id_used``, for any terminal status (``blocked`` too).

        Args:
            slug: The network's slug.
            prompt_text: The question or scenario to run.
            metadata: Opaque per-run metadata.
            attachment_ids: Ready attachments to run against.
            wait: Wait until the run finishes.
            poll_interval: Seconds between polls when the server gives no hint.
            run_timeout: Seconds to wait before raising.

        Returns:
            The 0.1 result ``dict``.

        Raises:
            VelerianRunTimeoutError: Not finished in ``run_timeout`` seconds; it
                carries ``run_id``.
        """
        check_wait_arguments(poll_interval=poll_interval, timeout=run_timeout)
        queued = await self._namespaces.networks.submit(
            slug,
            prompt_text=prompt_text,
            metadata=metadata,
            attachment_ids=attachment_ids or None,
        )
        if not wait:
            return queued.raw
        try:
            run = await self._namespaces.runs.wait(
                queued.run_id, poll_interval=poll_interval, timeout=run_timeout
            )
        except VelerianError as exc:
            note_queued_run(exc, queued.run_id)
            raise
        from .._models.legacy import network_result  # the 0.1 shape, for this method only

        return network_result(slug, queued, run)

    async def await_run(
        self,
        run_id: str,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        run_timeout: float = DEFAULT_RUN_TIMEOUT,
    ) -> JSONObject:
        """
        Poll a run until it finishes and return its row as a ``dict``; see ``runs.wait``.

        Args:
            run_id: The run's id.
            poll_interval: Seconds between polls when the server gives no hint.
            run_timeout: Seconds to wait before raising.

        Returns:
            The run row, for any terminal status (``blocked`` too).

        Raises:
            VelerianRunTimeoutError: Not finished in ``run_timeout`` seconds.
        """
        run = await self._namespaces.runs.wait(
            run_id, poll_interval=poll_interval, timeout=run_timeout
        )
        return run.raw
