"""
``client.networks`` on the asynchronous client: governed runs of AgenticX networks.

This module is the source of the synchronous twin, which ``scripts/unasync.py``
generates.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence

from .._core.calls import ApiCall, json_object, path_segment, required_text, text_list
from .._core.errors import VelerianError
from .._core.polling import (
    DEFAULT_POLL_INTERVAL,
    DEFAULT_RUN_TIMEOUT,
    check_wait_arguments,
    note_queued_run,
)
from .._models.runs import QueuedRun, Run
from .namespace import AsyncAPIResource
from .runs import AsyncRuns
from .sender import AsyncSender

__all__ = ["AsyncNetworks"]


class AsyncNetworks(AsyncAPIResource):
    """
    AgenticX networks: ``client.networks``. Needs the ``runs:write`` scope.

    .. versionadded:: 0.2.0
    """

    def __init__(self, sender: AsyncSender, *, runs: AsyncRuns) -> None:
        super().__init__(sender)
        # Waits go through the client's runs namespace, with its clock and jitter.
        self._runs = runs

    def _rebind(self, sender: AsyncSender) -> None:
        super()._rebind(sender)
        runs = copy.copy(self._runs)
        runs._rebind(sender)  # the waits of these calls take the same options
        self._runs = runs

    async def submit(
        self,
        slug: str,
        *,
        prompt_text: str,
        metadata: Mapping[str, object] | None = None,
        attachment_ids: Sequence[str] | None = None,
        idempotency_key: str | None = None,
    ) -> QueuedRun:
        """
        Queue a network run and return at once, with nothing but its id.

        ``POST /api/agenticx/networks/{slug}/invoke?async=true``. The one request
        that cannot lose the run: nothing follows it. Collect the run later with
        ``client.runs.wait(queued.run_id)``.

        Args:
            slug: The network's slug.
            prompt_text: The question or scenario to run.
            metadata: Opaque per-run metadata, e.g. ``{"loan_id": "L-1"}``.
            attachment_ids: Ready attachments to run against.
            idempotency_key: Your own key, to make a repeat safe across processes.

        Returns:
            The queued run's id and page.

        Raises:
            VelerianArgumentError: A bad slug, an empty prompt, metadata that is
                not a JSON object, or ``attachment_ids`` that is not a list of ids.
            VelerianNotFoundError: No such network in your tenant.
        """
        call = queue_network_run(
            slug,
            prompt_text=prompt_text,
            metadata=metadata,
            attachment_ids=attachment_ids,
            idempotency_key=idempotency_key,
        )
        return await self._sender.fetch(call, QueuedRun)

    async def invoke(
        self,
        slug: str,
        *,
        prompt_text: str,
        metadata: Mapping[str, object] | None = None,
        attachment_ids: Sequence[str] | None = None,
        wait: bool = True,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float = DEFAULT_RUN_TIMEOUT,
        on_status: Callable[[Run], object] | None = None,
        idempotency_key: str | None = None,
    ) -> Run:
        """
        Run a network: queue it, then wait for it (or not).

        The run is always queued (``?async=true``) and polled, never held on one
        socket. With ``wait=False`` the run is read once right after queueing and
        returned as it is then (usually ``queued``); use :meth:`submit` to skip even
        that read. An error after queueing leaves the run going: on Python 3.11+ its
        traceback carries a note with the run's id.

        Args:
            slug: The network's slug.
            prompt_text: The question or scenario to run.
            metadata: Opaque per-run metadata.
            attachment_ids: Ready attachments to run against.
            wait: Wait until the run finishes (see :meth:`Runs.wait`).
            poll_interval: Seconds between polls when the server gives no hint.
            timeout: Seconds to wait before raising.
            on_status: Called with the run when first seen and on each status change.
            idempotency_key: Your own key, to make a repeat safe across processes.

        Returns:
            The finished run (any of ``succeeded``, ``failed``, ``blocked``), or with
            ``wait=False`` the run as just queued.

        Raises:
            VelerianRunTimeoutError: Not finished in ``timeout`` seconds; collect it
                later with ``client.runs.wait(error.run_id)``.
            VelerianArgumentError: A bad argument; nothing was queued.

        Example:
            .. code-block:: python

                run = await client.networks.invoke("claims-review", prompt_text="Review claim 7.")
                if run.status == "blocked":
                    print("governance blocked it:", run.governance_reasons)
        """
        check_wait_arguments(poll_interval=poll_interval, timeout=timeout)
        queued = await self.submit(
            slug,
            prompt_text=prompt_text,
            metadata=metadata,
            attachment_ids=attachment_ids,
            idempotency_key=idempotency_key,
        )
        runs = self._runs
        try:
            if not wait:
                return await runs.retrieve(queued.run_id)
            return await runs.wait(
                queued.run_id, poll_interval=poll_interval, timeout=timeout, on_status=on_status
            )
        except VelerianError as exc:
            note_queued_run(exc, queued.run_id)
            raise


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
