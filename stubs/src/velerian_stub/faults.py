"""
Injected trouble for client tests: latency, rate limiting, and 5xx before or after work.

Only ``/api/`` requests are affected (latency also delays ``/_storage/``); the stub's
own ``/_stub/`` routes never are. Fault decisions come from one seeded
``random.Random`` drawn twice per ``/api/`` request in arrival order, so a sequential
client sees the same faults on every run with the same ``--seed``.
"""

from __future__ import annotations

import hashlib
import random
import threading
from dataclasses import dataclass

import anyio
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from velerian_stub.config import StubConfig

__all__ = [
    "FAULT_HEADER",
    "MAX_CALLERS_PER_WINDOW",
    "FaultDecision",
    "FaultInjector",
    "FaultMiddleware",
]

FAULT_HEADER = "x-stub-fault"
MAX_CALLERS_PER_WINDOW = 4096
"""Callers counted apart in one rate-limit window; any more share one count."""
_OVERFLOW = "overflow"


@dataclass(frozen=True)
class FaultDecision:
    """
    What happens to one ``/api/`` request.

    Attributes:
        fail_before: Answer 503 without running it.
        fail_after: Run it, then replace its response with a 502.
    """

    fail_before: bool
    fail_after: bool


class FaultInjector:
    """
    The sans-IO decisions: rate-limit windows and seeded fault draws.

    Args:
        config: The rates, the limit, the seed and the clock.
    """

    def __init__(self, config: StubConfig) -> None:
        self._config = config
        # Fault injection wants reproducibility, not unpredictability.
        self._random = random.Random(config.seed)  # noqa: S311
        self._lock = threading.Lock()
        # Counts of the current one-second window only, for at most
        # MAX_CALLERS_PER_WINDOW callers: memory stays bounded however many distinct
        # Authorization values arrive.
        self._window = 0
        self._counts: dict[str, int] = {}

    @property
    def tracked_callers(self) -> int:
        """How many callers the limiter holds a count for (at most the cap, plus one)."""
        return len(self._counts)

    def over_limit(self, caller: str) -> bool:
        """
        Count a request in its caller's current one-second window.

        Args:
            caller: Who is asking (a digest of the API key).

        Returns:
            ``True`` when the caller has exceeded the limit in this window.
        """
        limit = self._config.rate_limit
        if limit is None:
            return False
        window = int(self._config.clock())
        with self._lock:
            if window != self._window:
                self._window = window
                self._counts.clear()
            if caller not in self._counts and len(self._counts) >= MAX_CALLERS_PER_WINDOW:
                # A flood of new callers (bogus keys) shares one count, so it is limited
                # together and cannot grow the table or push out a real caller's count.
                caller = _OVERFLOW
            count = self._counts.get(caller, 0) + 1
            self._counts[caller] = count
        return count > limit

    def decide(self) -> FaultDecision:
        """
        Draw the fault decision of the next request; always two draws, for determinism.

        Returns:
            The decision.
        """
        with self._lock:
            before = self._random.random()
            after = self._random.random()
        return FaultDecision(
            fail_before=before < self._config.fail_before,
            fail_after=after < self._config.fail_after,
        )


def _caller_of(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            # A digest, so the limiter never keeps a secret in memory.
            return hashlib.sha256(value).hexdigest()
    return "anonymous"


def _fault_response(
    status_code: int, detail: str, fault: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"detail": detail},
        status_code=status_code,
        headers={FAULT_HEADER: fault, **(headers or {})},
    )


class FaultMiddleware:
    """
    Apply latency, the rate limit and injected 5xx around the idempotency layer.

    Args:
        app: The wrapped application.
        config: The fault settings.
    """

    def __init__(self, app: ASGIApp, config: StubConfig) -> None:
        self.app = app
        self.config = config
        self.injector = FaultInjector(config)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or path.startswith("/_stub/"):
            await self.app(scope, receive, send)
            return
        if self.config.latency_ms:
            await anyio.sleep(self.config.latency_ms / 1000)
        if not path.startswith("/api/"):
            await self.app(scope, receive, send)
            return
        if self.injector.over_limit(_caller_of(scope)):
            limit = self.config.rate_limit
            response = _fault_response(
                429,
                f"rate limit of {limit} requests per second exceeded; retry after 1 second",
                "rate-limit",
                {"Retry-After": "1"},
            )
            await response(scope, receive, send)
            return
        decision = self.injector.decide()
        if decision.fail_before:
            response = _fault_response(
                503, "service temporarily unavailable; the request was not processed", "fail-before"
            )
            await response(scope, receive, send)
            return
        if not decision.fail_after:
            await self.app(scope, receive, send)
            return

        async def discard(message: Message) -> None:
            # The work happens and is recorded; only its answer is lost, like a gateway
            # timing out after the upstream committed.
            del message

        await self.app(scope, receive, discard)
        response = _fault_response(502, "bad gateway: the upstream response was lost", "fail-after")
        await response(scope, receive, send)
