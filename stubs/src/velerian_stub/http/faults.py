"""
Injected trouble for client tests: latency, rate limiting, and 5xx before or after work.

Only ``/api/`` requests are affected (latency also delays ``/_storage/``); the stub's
own ``/_stub/`` routes never are. Routing and authentication come first, as
decisions.md says: an unknown path (404), an undeclared method (405), a missing or
invalid key (401) and a key without the scope (403) are answered as such, never
limited or failed. Only a request that passed them is counted by the rate limit and
drawn for faults: the route's authentication dependency calls
:meth:`FaultGate.admit` (the idempotency layer does for a replay, which runs no
route). Fault decisions come from one seeded ``random.Random`` drawn twice per
admitted request in arrival order, so a sequential client sees the same faults on
every run with the same ``--seed``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

import anyio
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from velerian_stub.service.config import StubConfig
from velerian_stub.service.errors import ApiError

__all__ = [
    "FAULT_GATE_SCOPE_KEY",
    "FAULT_HEADER",
    "MAX_CALLERS_PER_WINDOW",
    "FaultDecision",
    "FaultGate",
    "FaultInjector",
    "FaultMiddleware",
    "fault_gate_of",
]

FAULT_HEADER = "x-stub-fault"
FAULT_GATE_SCOPE_KEY = "velerian_stub.fault_gate"
"""Where the ASGI scope of an ``/api/`` request carries its :class:`FaultGate`."""
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
        # MAX_CALLERS_PER_WINDOW callers: memory stays bounded however many keys call.
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
            caller: Who is asking (the id of an authenticated API key).

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
                # A flood of new callers shares one count, so it is limited together and
                # cannot grow the table or push out an earlier caller's count.
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


class FaultGate:
    """
    The faults of one ``/api/`` request, decided once it has passed routing and auth.

    Args:
        injector: The app's decisions.
        rate_limit: The limit, for the 429's sentence.
    """

    def __init__(self, injector: FaultInjector, rate_limit: int | None) -> None:
        self._injector = injector
        self._rate_limit = rate_limit
        self._decided = False
        self._refusal: tuple[int, str, str, dict[str, str]] | None = None
        self.fail_after = False
        """Whether the answer is to be replaced by a 502 (set by :meth:`admit`)."""

    def refusal(self, api_key_id: str) -> ApiError | None:
        """
        Decide, on the first call only, whether the admitted request is refused or lost.

        Args:
            api_key_id: The authenticated caller's key, counted by the rate limit.

        Returns:
            The 429 or 503 to answer instead of running the request, else ``None``
            (and :attr:`fail_after` says whether its answer will be lost).
        """
        if not self._decided:
            self._decided = True
            self._refusal = self._decide(api_key_id)
        if self._refusal is None:
            return None
        status_code, detail, fault, headers = self._refusal
        return ApiError(status_code, detail, {FAULT_HEADER: fault, **headers})

    def admit(self, api_key_id: str) -> None:
        """
        Let an authenticated, authorised request through, or refuse it with its fault.

        Args:
            api_key_id: The caller's key.

        Raises:
            ApiError: 429 (rate limit) or 503 (fail-before).
        """
        refusal = self.refusal(api_key_id)
        if refusal is not None:
            raise refusal

    def _decide(self, api_key_id: str) -> tuple[int, str, str, dict[str, str]] | None:
        if self._injector.over_limit(api_key_id):
            detail = (
                f"rate limit of {self._rate_limit} requests per second exceeded;"
                " retry after 1 second"
            )
            return 429, detail, "rate-limit", {"Retry-After": "1"}
        decision = self._injector.decide()
        if decision.fail_before:
            # Refused before the work: there is no answer to lose.
            detail = "service temporarily unavailable; the request was not processed"
            return 503, detail, "fail-before", {}
        self.fail_after = decision.fail_after
        return None


def fault_gate_of(scope: Scope) -> FaultGate | None:
    """
    Give the fault gate of a request.

    Args:
        scope: The request's ASGI scope.

    Returns:
        The gate, or ``None`` when no fault or limit is configured (or off ``/api/``).
    """
    gate = scope.get(FAULT_GATE_SCOPE_KEY)
    return gate if isinstance(gate, FaultGate) else None


class FaultMiddleware:
    """
    Apply latency, and give each ``/api/`` request the gate of its limit and faults.

    The gate refuses (429, 503) from inside the route, after authentication; a
    fail-after answer is replaced here, outside the idempotency layer, so the work and
    its record are kept.

    Args:
        app: The wrapped application.
        config: The fault settings.
    """

    def __init__(self, app: ASGIApp, config: StubConfig) -> None:
        self.app = app
        self.config = config
        self.injector = FaultInjector(config)
        # Without faults or a limit, requests pass untouched (no gate, no draws).
        self._active = (
            config.rate_limit is not None or config.fail_before > 0 or config.fail_after > 0
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or path.startswith("/_stub/"):
            await self.app(scope, receive, send)
            return
        if self.config.latency_ms:
            await anyio.sleep(self.config.latency_ms / 1000)
        if not self._active or not path.startswith("/api/"):
            await self.app(scope, receive, send)
            return
        gate = FaultGate(self.injector, self.config.rate_limit)
        lost = False

        async def send_unless_lost(message: Message) -> None:
            # The gate has decided by the time the answer starts: authentication runs
            # before any route's work, and a replay consults the gate before it answers.
            nonlocal lost
            if message["type"] == "http.response.start" and gate.fail_after:
                lost = True
            if not lost:
                await send(message)

        # The work happens and is recorded; only its answer is lost, like a gateway
        # timing out after the upstream committed.
        await self.app({**scope, FAULT_GATE_SCOPE_KEY: gate}, receive, send_unless_lost)
        if lost:
            response = JSONResponse(
                {"detail": "bad gateway: the upstream response was lost"},
                status_code=502,
                headers={FAULT_HEADER: "fail-after"},
            )
            await response(scope, receive, send)
