"""
When to poll a run again, and when to stop waiting: the decisions of ``runs.wait``.

:class:`RunPoller` does no I/O. The clients' ``runs.wait`` fetch the run, hand it here,
and sleep for as long as it says, so the timing is tested without sockets or clocks.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Callable
from typing import Protocol

from .errors import VelerianArgumentError, VelerianRunTimeoutError

__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_RUN_TIMEOUT",
    "MAX_POLL_HINT",
    "MIN_POLL_HINT",
    "RunPoller",
    "check_wait_arguments",
    "note_queued_run",
]


class Run(Protocol):
    """What the poller reads of a fetched run (the ``Run`` model has both)."""

    @property
    def status(self) -> str:
        """The run's state now."""
        ...

    @property
    def poll_after_s(self) -> float | None:
        """The server's hint: seconds before the next poll."""
        ...


DEFAULT_POLL_INTERVAL = 3.0
"""Seconds between polls when the server gives no hint (0.1.2's choice)."""
DEFAULT_RUN_TIMEOUT = 900.0
"""Seconds to wait for a run before giving up: 15 minutes, as in 0.1.2."""
MIN_POLL_HINT = 0.1
"""The shortest server hint honoured, so that a bad hint cannot make a busy loop."""
MAX_POLL_HINT = 60.0
"""The longest server hint honoured, so that a bad hint cannot stall a wait."""
INTERVAL_JITTER = (0.8, 1.2)
"""Our own interval is spread +-20% so that many waiters do not poll in lockstep."""
HINT_JITTER = (1.0, 1.2)
"""A server hint is only ever stretched: polling earlier than asked is pointless."""


class RunPoller:
    """
    The state of one wait for a run: deadline, last status, and the next delay.

    Args:
        run_id: The run waited for.
        poll_interval: Seconds between polls when the run carries no
            ``poll_after_s`` hint; each delay is this times a random factor in
            [0.8, 1.2].
        timeout: Give up after this many seconds (``math.inf``: never).
        clock: Monotonic seconds; replaceable in tests.
        jitter: Draws a number between two bounds; replaceable in tests.

    Raises:
        VelerianArgumentError: ``poll_interval`` is not a positive number, or
            ``timeout`` is negative or not a number.
    """

    def __init__(
        self,
        run_id: str,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float = DEFAULT_RUN_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[float, float], float] = random.uniform,
    ) -> None:
        check_wait_arguments(poll_interval=poll_interval, timeout=timeout)
        self.run_id = run_id
        self.poll_interval = float(poll_interval)
        self.timeout = float(timeout)
        self.last_status: str | None = None
        self._clock = clock
        self._jitter = jitter
        self._started = clock()
        self._deadline = self._started + self.timeout

    def observe(self, run: Run) -> bool:
        """
        Record a freshly fetched run.

        Args:
            run: The run as just fetched.

        Returns:
            True when its status differs from the last one seen (always, the first
            time), i.e. when ``on_status`` should be called.
        """
        changed = run.status != self.last_status
        self.last_status = run.status
        return changed

    def next_delay(self, run: Run) -> float | None:
        """
        Decide how long to sleep before the next poll.

        The server's ``poll_after_s`` hint wins over ``poll_interval`` when present,
        bounded to [:data:`MIN_POLL_HINT`, :data:`MAX_POLL_HINT`]. The delay never
        reaches past the deadline: the last poll happens at the deadline itself.

        Args:
            run: The run as just fetched (not terminal).

        Returns:
            Seconds to sleep, or ``None`` when the deadline has passed.
        """
        remaining = self._deadline - self._clock()
        if remaining <= 0:
            return None
        hint = run.poll_after_s
        if hint is not None and _is_number(hint) and math.isfinite(hint):
            bounded = min(max(hint, MIN_POLL_HINT), MAX_POLL_HINT)
            delay = bounded * self._jitter(*HINT_JITTER)
        else:
            delay = self.poll_interval * self._jitter(*INTERVAL_JITTER)
        return max(0.0, min(delay, remaining))

    @property
    def waited_s(self) -> float:
        """Seconds since the wait started."""
        return self._clock() - self._started

    def timeout_error(self) -> VelerianRunTimeoutError:
        """
        Build the error raised when the deadline passes.

        Returns:
            A :class:`VelerianRunTimeoutError` naming the run, its last status and
            the time waited.
        """
        return VelerianRunTimeoutError(self.run_id, status=self.last_status, waited_s=self.waited_s)


def check_wait_arguments(*, poll_interval: float, timeout: float) -> None:
    """
    Check the arguments of a wait, before anything is queued or billed.

    Args:
        poll_interval: Must be a positive, finite number of seconds.
        timeout: Must be a number of seconds >= 0 (``math.inf`` allowed).

    Raises:
        VelerianArgumentError: Either is out of range or not a number.
    """
    if not _is_number(poll_interval) or not (0 < poll_interval < math.inf):
        msg = f"poll_interval must be a positive number of seconds, got {poll_interval!r}"
        raise VelerianArgumentError(msg)
    if not _is_number(timeout) or not timeout >= 0:
        msg = f"timeout must be a number of seconds >= 0, got {timeout!r}"
        raise VelerianArgumentError(msg)


def note_queued_run(exc: BaseException, run_id: str) -> None:
    """
    Add the queued run's id to an error raised after it was queued.

    The run goes on (and is billed) whatever happened to this process's wait, so the
    traceback says how to collect it. Notes need Python 3.11; on 3.10 nothing is added.

    Args:
        exc: The error about to propagate.
        run_id: The queued run.
    """
    if sys.version_info >= (3, 11):
        exc.add_note(
            f"run {run_id} was queued and goes on without this process: collect it with "
            f"client.runs.wait({run_id!r})"
        )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
