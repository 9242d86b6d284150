"""
What every attempt of a soak did, recorded by user middleware (what the middleware API is for).

:class:`AttemptLog` runs once per attempt (the default stage, innermost, after auth): it
timestamps the attempt, keeps its status, the stub's fault header, ``Retry-After`` and
``idempotent-replayed``, and the transport error when there was no response.
:class:`CallGauge` runs once per call, outside retry, and measures how many calls were
in flight at once. Both are thread-safe, so one instance serves 16 threads.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import ClassVar, Literal

import httpx

from velerian_sdk import Middleware, MiddlewareFlow, ScrubbedCause, VelerianConnectionError
from velerian_stub.http.faults import FAULT_HEADER

__all__ = ["Attempt", "AttemptLog", "CallGauge", "Reach", "call_reach"]

Reach = Literal["never", "reached", "unknown"]
"""Whether a call's work can have run, judged from its attempts alone."""

# A connection that was refused never carried the request; any other transport
# failure may have happened after the server read it.
_NEVER_SENT = frozenset({"ConnectError", "ConnectTimeout", "PoolTimeout"})


@dataclass(frozen=True, slots=True)
class Attempt:
    """
    One attempt of one call.

    Attributes:
        key: The call's ``Idempotency-Key`` (``-`` for a GET).
        started: ``time.monotonic()`` when the attempt was handed to the transport.
        ended: ``time.monotonic()`` when its response (or error) came back.
        status: The HTTP status, or ``None`` when there was no response.
        fault: The stub's ``x-stub-fault`` header (``fail-before``, ``fail-after``,
            ``rate-limit``), if any.
        retry_after: The ``Retry-After`` seconds the response asked for, if any.
        replayed: Whether the answer was an idempotent replay.
        error: The transport error's class name, when there was no response.
    """

    key: str
    started: float
    ended: float
    status: int | None
    fault: str | None
    retry_after: float | None
    replayed: bool
    error: str | None

    @property
    def reach(self) -> Reach:
        """``never`` if this attempt certainly did no work, ``reached`` if it certainly did."""
        if self.status is None:
            return "never" if self.error in _NEVER_SENT else "unknown"
        if self.status == 429 or self.fault == "fail-before":
            return "never"
        if self.fault == "fail-after" or self.replayed or 200 <= self.status < 300:
            return "reached"
        return "unknown"


class AttemptLog(Middleware):
    """Record every attempt, grouped by idempotency key; count attempts in flight."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[str, list[Attempt]] = defaultdict(list)
        self._in_flight = 0
        self.peak_in_flight = 0

    def flow(self, request: httpx.Request) -> MiddlewareFlow:
        """Time one attempt and keep what came back."""
        key = request.headers.get("idempotency-key", "-")
        with self._lock:
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        started = time.monotonic()
        try:
            response = yield request
        except VelerianConnectionError as exc:
            caught = exc.__cause__
            cause = (
                caught.type_name.rpartition(".")[2]
                if isinstance(caught, ScrubbedCause)
                else type(exc).__name__
            )
            self._keep(Attempt(key, started, time.monotonic(), None, None, None, False, cause))
            raise
        finally:
            with self._lock:
                self._in_flight -= 1
        self._keep(
            Attempt(
                key=key,
                started=started,
                ended=time.monotonic(),
                status=response.status_code,
                fault=response.headers.get(FAULT_HEADER),
                retry_after=_seconds(response.headers.get("retry-after")),
                replayed=response.headers.get("idempotent-replayed") == "true",
                error=None,
            )
        )
        return response

    def _keep(self, attempt: Attempt) -> None:
        with self._lock:
            self._by_key[attempt.key].append(attempt)

    def of(self, key: str) -> list[Attempt]:
        """The attempts of the call with this idempotency key, in order."""
        with self._lock:
            return sorted(self._by_key.get(key, []), key=lambda a: a.started)

    def every(self) -> list[Attempt]:
        """Every attempt recorded."""
        with self._lock:
            return [attempt for attempts in self._by_key.values() for attempt in attempts]


def call_reach(attempts: list[Attempt]) -> Reach:
    """Judge a call that raised: did any attempt do the work, or certainly none?"""
    reaches = {attempt.reach for attempt in attempts}
    if "reached" in reaches:
        return "reached"
    if reaches == {"never"}:
        return "never"
    return "unknown"


class CallGauge(Middleware):
    """Count calls in flight at once (a call-stage link: once per call, outside retry)."""

    stage: ClassVar[Literal["call", "attempt"]] = "call"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self.peak = 0

    def flow(self, request: httpx.Request) -> MiddlewareFlow:
        """Hold one slot for the whole call, retries included."""
        with self._lock:
            self._in_flight += 1
            self.peak = max(self.peak, self._in_flight)
        try:
            return (yield request)
        finally:
            with self._lock:
                self._in_flight -= 1


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None
