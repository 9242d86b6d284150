"""
``client.runs`` on the asynchronous client: network runs, read, waited for and revised.

This module is the source of the synchronous twin, which ``scripts/unasync.py``
generates.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .._core.calls import (
    ApiCall,
    check_count,
    optional_text,
    page_params,
    path_segment,
    required_text,
)
from .._core.errors import VelerianError
from .._core.polling import DEFAULT_POLL_INTERVAL, DEFAULT_RUN_TIMEOUT, RunPoller, note_queued_run
from .._models.runs import QueuedRun, Run, RunShare, RunStatus
from .namespace import AsyncAPIResource
from .pages import AsyncPage
from .sender import AsyncSender

__all__ = ["AsyncRuns"]


class AsyncRuns(AsyncAPIResource):
    """
    Network runs (pack runs): ``client.runs``.

    A run is identified by its id alone: :meth:`wait` collects a run queued by another
    process, or one whose earlier wait timed out.

    .. versionadded:: 0.2.0
    """

    def __init__(self, sender: AsyncSender) -> None:
        super().__init__(sender)
        # The wait's clock, and the client's retry jitter; tests replace them to control time.
        self._clock: Callable[[], float] = time.monotonic
        self._jitter: Callable[[float, float], float] = sender.settings.retry.jitter

    async def list(
        self,
        *,
        status: RunStatus | None = None,
        network_slug: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> AsyncPage[Run]:
        """
        List the tenant's runs, oldest first, one page at a time.

        ``GET /api/v2/pack-runs``; needs ``runs:read``.

        Args:
            status: Only runs in this state now.
            network_slug: Only runs of this network.
            limit: Rows per page.
            offset: Rows to skip; pass a saved offset to resume.

        Returns:
            The page; it can fetch the pages after it.

        Raises:
            VelerianArgumentError: A bad filter, ``limit`` or ``offset``.
        """
        call = list_runs(status=status, network_slug=network_slug, limit=limit, offset=offset)
        return await self._fetch_page(call, Run)

    async def retrieve(self, run_id: str) -> Run:
        """
        Read a run once (``GET /api/v2/pack-runs/{run_id}``).

        Args:
            run_id: The run's id.

        Returns:
            The run, in whatever state it is now.

        Raises:
            VelerianArgumentError: ``run_id`` is not a valid id.
            VelerianNotFoundError: No such run in your tenant.
        """
        return await self._sender.fetch(retrieve_run(run_id), Run)

    async def wait(
        self,
        run_id: str,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float = DEFAULT_RUN_TIMEOUT,
        on_status: Callable[[Run], object] | None = None,
    ) -> Run:
        """
        Poll a run until it finishes: ``succeeded``, ``failed`` or ``blocked``.

        ``blocked`` is a finished governance verdict, returned like the others, not
        raised. Polls follow the run's ``poll_after_s`` hint when it has one (bounded
        to 0.1-60 s), else ``poll_interval`` spread by +-20%; no sleep reaches past
        the deadline, where one last poll is made. Cancelling the waiting task only
        stops the waiting: the run goes on and can be waited for again.

        Args:
            run_id: The run's id (from any process).
            poll_interval: Seconds between polls when the server gives no hint.
            timeout: Seconds to wait before giving up (``math.inf``: no limit).
            on_status: Called with the run when it is first seen and each time its
                status changes; a plain function, also on the async client. An
                exception it raises stops the wait.

        Returns:
            The finished run.

        Raises:
            VelerianRunTimeoutError: Not finished in ``timeout`` seconds; it carries
                ``run_id``, the last ``status`` and ``waited_s``. The run was not
                cancelled.
            VelerianArgumentError: A bad id, ``poll_interval`` or ``timeout``.
            VelerianNotFoundError: No such run in your tenant.

        Example:
            .. code-block:: python

                run = await client.runs.wait(run_id, on_status=lambda r: print(r.status))
                print(run.status, run.output_text)
        """
        call = retrieve_run(run_id)
        poller = RunPoller(
            run_id,
            poll_interval=poll_interval,
            timeout=timeout,
            clock=self._clock,
            jitter=self._jitter,
        )
        while True:
            run = await self._sender.fetch(call, Run)
            if poller.observe(run) and on_status is not None:
                on_status(run)
            if run.is_terminal:
                return run
            delay = poller.next_delay(run)
            if delay is None:
                raise poller.timeout_error()
            await self._sender.sleep(delay)

    async def revise(
        self, run_id: str, *, instructions: str, idempotency_key: str | None = None
    ) -> Run:
        """
        Queue a revision of a finished run (``POST /api/v2/pack-runs/{run_id}/revise``).

        The revision is a new, billed run; it is read once and returned in its
        current state (usually ``queued``): pass its ``id`` to :meth:`wait`.

        Args:
            run_id: The finished run to revise.
            instructions: What to change, appended to the original prompt.
            idempotency_key: Your own key, to make a repeat safe across processes.

        Returns:
            The new run.

        Raises:
            VelerianArgumentError: A bad id or empty instructions.
            VelerianConflictError: The run is still queued or running.
        """
        call = revise_run(run_id, instructions=instructions, idempotency_key=idempotency_key)
        queued = await self._sender.fetch(call, QueuedRun)
        try:
            return await self.retrieve(queued.run_id)
        except VelerianError as exc:
            note_queued_run(exc, queued.run_id)
            raise

    async def share(
        self,
        run_id: str,
        *,
        expires_in_s: int | None = None,
        idempotency_key: str | None = None,
    ) -> RunShare:
        """
        Create a read-only link to a run that needs no API key.

        ``POST /api/v2/pack-runs/{run_id}/share``. Anyone holding the link can read
        the run until it expires: share it like a secret.

        Args:
            run_id: The run to share.
            expires_in_s: The link's lifetime in seconds; one day when omitted.
            idempotency_key: Your own key, to make a repeat safe across processes.

        Returns:
            The link and its expiry.

        Raises:
            VelerianArgumentError: A bad id or ``expires_in_s``.
            VelerianNotFoundError: No such run in your tenant.
        """
        call = share_run(run_id, expires_in_s=expires_in_s, idempotency_key=idempotency_key)
        return await self._sender.fetch(call, RunShare)


def list_runs(*, status: object, network_slug: object, limit: int, offset: int) -> ApiCall:
    """Build ``GET /api/v2/pack-runs``."""
    return ApiCall(
        "GET",
        "pack-runs",
        params={
            "status": optional_text("status", status),
            "network_slug": optional_text("network_slug", network_slug),
            **page_params(limit, offset),
        },
    )


def retrieve_run(run_id: object) -> ApiCall:
    """Build ``GET /api/v2/pack-runs/{run_id}``."""
    return ApiCall("GET", f"pack-runs/{path_segment('run_id', run_id)}")


def revise_run(run_id: object, *, instructions: object, idempotency_key: str | None) -> ApiCall:
    """Build ``POST /api/v2/pack-runs/{run_id}/revise``."""
    return ApiCall(
        "POST",
        f"pack-runs/{path_segment('run_id', run_id)}/revise",
        json={"instructions": required_text("instructions", instructions)},
        idempotency_key=idempotency_key,
    )


def share_run(run_id: object, *, expires_in_s: int | None, idempotency_key: str | None) -> ApiCall:
    """Build ``POST /api/v2/pack-runs/{run_id}/share``; no body without ``expires_in_s``."""
    body = None
    if expires_in_s is not None:
        body = {"expires_in_s": check_count("expires_in_s", expires_in_s, minimum=1)}
    return ApiCall(
        "POST",
        f"pack-runs/{path_segment('run_id', run_id)}/share",
        json=body,
        idempotency_key=idempotency_key,
    )
