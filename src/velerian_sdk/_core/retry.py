"""
When to send a request again, and how long to wait first.

:class:`RetryPolicy` makes every decision and does no I/O; :class:`RetryMiddleware` is
the link of the chain that applies it. Retrying is safe for billed work because every
mutating request carries an ``Idempotency-Key`` set *outside* this link, so each attempt
of one call repeats the same key and the server executes the call at most once.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import httpx

from ._deadline import DEADLINE
from ._reprs import fields_repr
from .chain import Backoff, Middleware, MiddlewareFlow
from .errors import VelerianArgumentError, VelerianConnectionError, note_attempts
from .logging import logger
from .redaction import redact_url

__all__ = ["RetryMiddleware", "RetryPolicy", "parse_retry_after", "why_no_retry"]

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

MAX_READABLE_RETRY_AFTER = 86_400.0
"""The longest ``Retry-After`` taken as meant: a day. Anything longer is read as noise."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """
    How many times to retry a call, on what, and with which delays.

    Retried: connection errors and timeouts, and the statuses 408, 429, 500, 502, 503
    and 504. Never retried: any other 4xx, nor 501 or 505 (they are not transient).
    The delay honours ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)
    up to :attr:`max_retry_after`; a server that asks for longer is not retried, so the
    caller gets the typed error (with ``retry_after``) at once instead of a hang. A
    server-requested delay is never shortened, but it is stretched by a random extra of
    up to :attr:`retry_after_spread` of itself, so that many calls told "wait 1 s"
    together do not all come back in the same instant. Otherwise the delay is
    full-jitter exponential backoff. A value that cannot be meant (negative, not a
    number, more than a day, garbage, an HTTP date without a timezone) is ignored in
    favour of that backoff. Whatever the source, no delay is shorter than
    :attr:`min_delay`, so a server answering ``Retry-After: 0`` cannot make the client
    spin.

    Attributes:
        max_retries: Retries after the first attempt; 0 makes exactly one attempt.
        initial_backoff: Upper bound of the first jittered delay, in seconds.
        max_backoff: Upper bound of any jittered delay, in seconds.
        max_retry_after: The longest server-requested delay that is honoured.
        retry_after_spread: The largest random extra added to a server-requested
            delay, as a fraction of it: with 0.25, ``Retry-After: 2`` waits between
            2 and 2.5 s. 0 waits exactly what the server asked.
        min_delay: The shortest wait between two attempts, in seconds, whatever the
            server asked or the jitter drew (``Retry-After: 0`` included).
        total_timeout: The whole call's deadline in seconds, attempts and sleeps
            included; each attempt's timeouts are clipped to what is left, so
            ``timeout`` times retries cannot add up past it. ``None``: no deadline.
        jitter: Draws a delay between two bounds; replaceable in tests.

    .. versionadded:: 0.2.0
    """

    max_retries: int = 3
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0
    retry_after_spread: float = 0.25
    min_delay: float = 0.05
    total_timeout: float | None = 180.0
    jitter: Callable[[float, float], float] = field(default=random.uniform, repr=False)

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            msg = f"max_retries must be >= 0, got {self.max_retries}"
            raise VelerianArgumentError(msg)
        if not 0.0 <= self.retry_after_spread <= 10.0:
            msg = f"retry_after_spread must be between 0 and 10, got {self.retry_after_spread}"
            raise VelerianArgumentError(msg)
        if not 0.0 <= self.min_delay <= 60.0:
            msg = f"min_delay must be between 0 and 60 seconds, got {self.min_delay}"
            raise VelerianArgumentError(msg)

    def delay_for(self, attempt: int, response: httpx.Response | None) -> float | None:
        """
        Seconds to wait before retry number ``attempt`` (1-based), or ``None`` to stop.

        Args:
            attempt: Which retry this would be: 1 for the first retry.
            response: The response that failed, or ``None`` after a connection error.

        Returns:
            The delay, at least :attr:`min_delay`; ``None`` when the server asked for
            more than :attr:`max_retry_after`.
        """
        if response is not None:
            hinted = parse_retry_after(response.headers)
            if hinted is not None:
                if hinted > self.max_retry_after:
                    return None
                if hinted > 0.0 and self.retry_after_spread > 0.0:
                    hinted += self.jitter(0.0, hinted * self.retry_after_spread)
                return max(self.min_delay, hinted)
        ceiling = min(self.max_backoff, self.initial_backoff * 2 ** (attempt - 1))
        return max(self.min_delay, self.jitter(0.0, ceiling))

    def delay_before_retry(self, attempt: int, response: httpx.Response | None) -> float | None:
        """
        Seconds to wait before retry number ``attempt``, or ``None`` when retries are spent.

        For code that resends a request itself (a one-shot upload stream, a download
        that broke off halfway) under the same budget as the chain's own retries.

        Args:
            attempt: Which retry this would be: 1 for the first retry.
            response: The response that failed, or ``None`` after a connection error.

        Returns:
            The delay, or ``None`` past ``max_retries`` or a too-long server request.
        """
        if attempt > self.max_retries:
            return None
        return self.delay_for(attempt, response)

    def is_retryable_status(self, status_code: int) -> bool:
        """
        Tell whether a response with this status may be retried.

        Args:
            status_code: The HTTP status.

        Returns:
            True for 408, 429, 500, 502, 503 and 504.
        """
        return status_code in RETRYABLE_STATUSES


def parse_retry_after(headers: httpx.Headers) -> float | None:
    """
    Read the server's requested delay from ``retry-after-ms`` or ``Retry-After``.

    Only a value that can be meant counts: digits (a fraction is tolerated) up to
    :data:`MAX_READABLE_RETRY_AFTER`, or an HTTP date with its timezone. Anything else
    (negative, ``nan``, ``1e9``, garbage, a date without a zone, a day or more away)
    reads as absent, so the caller falls back to its own backoff.

    Args:
        headers: Response headers.

    Returns:
        Seconds to wait (0 for a date already past), or ``None`` when absent or
        unreadable.
    """
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        millis = _delay_seconds(raw_ms)
        if millis is not None and millis <= MAX_READABLE_RETRY_AFTER * 1000.0:
            return millis / 1000.0
    raw = headers.get("retry-after")
    if raw is None:
        return None
    seconds = _delay_seconds(raw)
    if seconds is None:
        seconds = _seconds_until(raw)
    return seconds if seconds is not None and seconds <= MAX_READABLE_RETRY_AFTER else None


def _delay_seconds(raw: str) -> float | None:
    """A plain non-negative number of seconds, or ``None`` for anything else."""
    # ASCII digits, a fraction tolerated, short enough to parse cheaply: float() alone
    # would take "nan", "-1", "1e9" and "1_000", and str.isdigit() alone takes "²".
    whole, dot, fraction = raw.strip().partition(".")
    if not (whole.isascii() and fraction.isascii() and 0 < len(whole) <= 12):
        return None
    if not whole.isdigit() or (dot and not (fraction.isdigit() and len(fraction) <= 9)):
        return None
    return float(f"{whole}.{fraction}") if dot else float(whole)


def _seconds_until(raw: str) -> float | None:
    """The seconds from now until an HTTP date with a timezone; 0 if it has passed."""
    try:
        when = email.utils.parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    seconds = when.timestamp() - time.time()
    return max(0.0, seconds) if math.isfinite(seconds) else None


class RetryMiddleware(Middleware):
    """
    Apply a :class:`RetryPolicy` to every call; the boundary between call and attempt.

    Everything outside this link runs once per call, everything inside once per attempt.

    Args:
        policy: The decisions to apply.
        clock: A monotonic clock, replaceable in tests.

    .. versionadded:: 0.2.0
    """

    stage: ClassVar[Literal["call", "attempt"]] = "call"

    def __init__(self, policy: RetryPolicy, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock

    def flow(self, request: httpx.Request) -> MiddlewareFlow:
        """
        Send ``request`` until it succeeds, fails for good, or the budget is spent.

        Args:
            request: The request of this call; every attempt sends this same object.

        Returns:
            A generator yielding each attempt and returning the last response.
        """
        policy = self.policy
        # One clock read per call, as before: the deadline is counted from it, and a
        # connection error that ends the call says how long it tried.
        started = self._clock()
        deadline = None if policy.total_timeout is None else started + policy.total_timeout
        if deadline is not None and self._clock is time.monotonic:
            # Read by the clients while a body arrives (see _deadline), on the same clock.
            request.extensions[DEADLINE] = deadline
        base_timeout: dict[str, float | None] = dict(request.extensions.get("timeout") or {})
        # With more time left than the longest timeout, clipping would change nothing.
        longest = _longest(base_timeout)
        # Decided before the first send: a transport may swap a consumed stream for bytes.
        replayable = isinstance(request.stream, httpx.ByteStream)
        attempt = 0
        step: httpx.Request | Backoff = request
        while True:
            if deadline is not None:
                # A retry is sent after its backoff: clip to the time left once it has slept.
                pending = step.seconds if isinstance(step, Backoff) else 0.0
                left = deadline - self._clock() - pending
                if longest is None or left < longest:
                    _clip_timeouts(request, base_timeout, left)
            failure: VelerianConnectionError | None = None
            response: httpx.Response | None = None
            try:
                response = yield step
            except VelerianConnectionError as exc:
                failure = exc
            else:
                if not policy.is_retryable_status(response.status_code):
                    return response
            attempt += 1
            delay = self._delay_before(attempt, response, deadline) if replayable else _ONE_SHOT
            if isinstance(delay, str):
                if failure is not None:
                    note_attempts(failure, attempt, self._clock() - started, delay)
                    raise failure
                assert response is not None
                return response
            request.extensions["velerian_attempt"] = attempt
            logger.info(
                "retrying %s %s in %.2fs (retry %d of %d) after %s",
                request.method,
                redact_url(request.url),
                delay,
                attempt,
                policy.max_retries,
                type(failure).__name__ if response is None else f"HTTP {response.status_code}",
            )
            step = Backoff(delay, request)

    def _delay_before(
        self, attempt: int, response: httpx.Response | None, deadline: float | None
    ) -> float | str:
        """The wait before retry ``attempt``, or why there is none (for the last error)."""
        policy = self.policy
        delay = None if attempt > policy.max_retries else policy.delay_for(attempt, response)
        if delay is None:
            return why_no_retry(policy, attempt)
        if deadline is not None and self._clock() + delay >= deadline:
            # Only here was the deadline the reason; a deadline means total_timeout is set.
            total = policy.total_timeout or 0.0
            return f"no retry fits in the rest of total_timeout={total:g} s"
        return delay


_ONE_SHOT = "not retried: a streamed body cannot be sent twice"


def why_no_retry(policy: RetryPolicy, attempt: int) -> str:
    """
    Say why ``policy`` gave no delay before retry ``attempt``: for the last error's message.

    Args:
        policy: The policy that was asked.
        attempt: The retry it was asked about, 1-based.

    Returns:
        ``max_retries=N`` when retries are spent; otherwise that the policy declined
        (its ``delay_for`` answered ``None``, e.g. for too long a ``Retry-After``).
    """
    if attempt > policy.max_retries:
        return f"max_retries={policy.max_retries}"
    return "the retry policy declined to retry"


def _longest(timeouts: dict[str, float | None]) -> float | None:
    """The longest of the timeouts, or ``None`` if there are none or one is unlimited."""
    values = list(timeouts.values())
    if not values or None in values:
        return None
    return max(value for value in values if value is not None)


def _clip_timeouts(request: httpx.Request, base: dict[str, float | None], left: float) -> None:
    left = max(left, 0.001)
    keys = base or dict.fromkeys(("connect", "read", "write", "pool"))
    request.extensions["timeout"] = {
        key: left if value is None else min(value, left) for key, value in keys.items()
    }
