"""
When to send a request again, and how long to wait first.

:class:`RetryPolicy` makes every decision and does no I/O; :class:`RetryMiddleware` is
the link of the chain that applies it. Retrying is safe for billed work because every
mutating request carries an ``Idempotency-Key`` set *outside* this link, so each attempt
of one call repeats the same key and the server executes the call at most once.

The call's deadline (``RetryPolicy.total_timeout``) is kept while a response arrives,
since ``httpx`` timeouts apply to each network read and a server sending one byte at a
time could hold a call far past it. The retry link records the deadline on the request,
and each attempt is bounded by it in one of three ways:

- async, Python 3.11+: :class:`AsyncAttemptTimer` cancels the attempt at the deadline;
- sync: :class:`AttemptTimer` publishes the deadline in :data:`ATTEMPT_DEADLINE`, and
  the client's own transport (``_sync/transport.py``) gives every read the time left;
- otherwise, and for an injected ``http_client``: the body of every response read in
  full is wrapped in a :class:`DeadlineStream`, which ends the read with a timeout
  once the deadline has passed (headers that trickle in stay unbounded there).
"""

from __future__ import annotations

import email.utils
import math
import random
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar, Literal

import httpx

from .chain import (
    ATTEMPT,
    ATTEMPT_TIMER,
    DEADLINE,
    STARTED,
    Backoff,
    Middleware,
    MiddlewareFlow,
)
from .errors import VelerianArgumentError, VelerianConnectionError, note_attempts
from .identity import ATTEMPT_HEADER, attempt_value
from .logging import logger
from .redaction import fields_repr, redact_url

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "ATTEMPT_DEADLINE",
    "AsyncAttemptTimer",
    "AsyncDeadlineStream",
    "AttemptTimer",
    "DeadlineStream",
    "RetryMiddleware",
    "RetryPolicy",
    "check_max_retries",
    "check_total_timeout",
    "parse_retry_after",
    "why_no_retry",
]


RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


MAX_READABLE_RETRY_AFTER = 86_400.0
"""The longest ``Retry-After`` taken as meant: a day. Anything longer is read as noise."""


def check_max_retries(value: object) -> int:
    """
    Check a retry count: the one check, for the client's argument and the policy's field.

    Args:
        value: What the caller passed.

    Returns:
        The count.

    Raises:
        VelerianArgumentError: It is not a whole number of at least 0.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"max_retries must be a whole number >= 0, got {value!r}"
        raise VelerianArgumentError(msg)
    return value


def check_total_timeout(value: object) -> float | None:
    """
    Check a call's deadline over all its attempts.

    Args:
        value: What the caller passed.

    Returns:
        The deadline in seconds, or ``None`` for none.

    Raises:
        VelerianArgumentError: Not ``None`` and not a number of seconds above 0.
    """
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        msg = (
            f"total_timeout must be a number of seconds > 0, or None for no deadline; got {value!r}"
        )
        raise VelerianArgumentError(msg)
    return float(value)


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
        check_max_retries(self.max_retries)
        check_total_timeout(self.total_timeout)
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
        if self._clock is time.monotonic:
            # Read on the same clock by the clients while a body arrives (the deadline)
            # and when they describe the response of a typed call (the start).
            request.extensions[STARTED] = started
            if deadline is not None:
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
            request.extensions[ATTEMPT] = attempt
            # Every attempt sends this same request object: number this one. The auth
            # link, after this one, strips the header from a request for another origin.
            request.headers[ATTEMPT_HEADER] = attempt_value(attempt + 1)
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


ATTEMPT_DEADLINE: ContextVar[float | None] = ContextVar("velerian_attempt_deadline", default=None)
"""The running sync attempt's deadline (``time.monotonic``), for the client's transport."""


_MESSAGE = "the call's total_timeout ran out while the response body was arriving"


_ATTEMPT_MESSAGE = "the call's total_timeout ran out while waiting for the response"


class AttemptTimer:
    """
    The synchronous twin of :class:`AsyncAttemptTimer`: it publishes the deadline.

    A blocking read cannot be interrupted from its own thread. Inside this block the
    request's deadline is in ``ATTEMPT_DEADLINE``, where the sync client's own transport
    (``owned_transport_sync``) reads it and gives every network read and write at most
    the time left. An injected ``http_client``'s transport does not look; the caller
    still bounds the body with :class:`DeadlineStream`, so entering returns ``False``.

    Args:
        request: The request being sent; its ``DEADLINE`` extension is the bound.
    """

    __slots__ = ("_request", "_token")

    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        self._token: Token[float | None] | None = None

    def __enter__(self) -> bool:
        deadline = self._request.extensions.get(DEADLINE)
        if isinstance(deadline, float):
            self._token = ATTEMPT_DEADLINE.set(deadline)
        return False

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            ATTEMPT_DEADLINE.reset(self._token)
            self._token = None


class AsyncAttemptTimer:
    """
    Bound a whole async attempt, response headers included, by the call's deadline.

    ``httpx`` timeouts apply per network read, so a server that sends its headers one
    byte at a time could hold an attempt for ever. Inside this block the attempt's task
    is cancelled when the request's deadline passes, and that cancellation surfaces as
    an ``httpx.ReadTimeout`` (which the clients turn into a ``VelerianTimeoutError``); a
    cancellation from anywhere else propagates untouched.

    This runs on every async call, so it arms no timer of its own: it registers with
    its event loop's :class:`_Watchdog`, one timer handle per loop that wakes at the
    earliest registered deadline. Without a deadline, outside an asyncio task, or on
    Python 3.10 (no ``Task.uncancel``), it does nothing, and entering it returns
    ``False``: the caller then bounds the body with :class:`AsyncDeadlineStream`.

    Args:
        request: The request being sent; its ``DEADLINE`` extension is the bound.
    """

    __slots__ = ("_deferred", "_expired", "_held", "_request", "_task", "_watchdog")

    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        self._task: asyncio.Task[object] | None = None
        self._watchdog: _Watchdog | None = None
        self._expired = False
        self._held = False
        self._deferred = False

    def __enter__(self) -> bool:
        deadline = self._request.extensions.get(DEADLINE)
        if not isinstance(deadline, float) or not _CAN_UNCANCEL:
            return False
        try:
            task = (_current_task or _load_current_task())()
        except RuntimeError:  # no asyncio loop is running this coroutine
            return False
        if task is None:
            return False
        loop = task.get_loop()
        watchdog = _WATCHDOGS.get(loop)
        if watchdog is None:
            watchdog = _Watchdog.for_loop(loop)
        self._task = task
        self._watchdog = watchdog
        self._request.extensions[ATTEMPT_TIMER] = self
        watchdog.add(self, loop.time() + (deadline - time.monotonic()))
        return True

    def expire(self) -> None:
        """Cancel the attempt's task: its deadline has passed (called by the watchdog)."""
        if self._held:
            self._deferred = True
            return
        self._expired = True
        if self._task is not None:
            self._task.cancel()

    def hold(self) -> None:
        """
        Keep the deadline from cancelling the attempt until :meth:`release`.

        The transport holds it while it closes a response: ``httpcore`` leaves a
        connection busy for good if a cancellation lands in the middle of that close.
        """
        self._held = True

    def release(self) -> None:
        """
        Let the deadline cancel the attempt again: if it passed meanwhile, on the next turn.

        Not at once: this runs in the attempt's own task, and a task that cancels itself
        and then leaves the attempt without waiting on anything would carry the
        cancellation out of it. The watchdog cancels the attempt only if it is still on.
        """
        self._held = False
        if self._deferred and self._watchdog is not None and self._task is not None:
            self._deferred = False
            self._watchdog.add(self, self._task.get_loop().time())

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._watchdog is None:
            return
        self._watchdog.remove(self)
        self._request.extensions.pop(ATTEMPT_TIMER, None)
        if not self._expired or self._task is None:
            return
        import asyncio

        # Take back our own cancellation; if nobody else asked for one, it was ours.
        still_cancelling = _uncancel(self._task)
        if exc_type is asyncio.CancelledError and still_cancelling == 0:
            raise httpx.ReadTimeout(_ATTEMPT_MESSAGE, request=self._request) from None


class _Watchdog:
    """
    One event loop's timer for every attempt in flight on it.

    A handle of the loop's own (``call_at``) and a ``cancel`` per attempt would cost each
    call a heap push and leave a cancelled handle behind in the loop's heap; here an
    attempt costs a dict insert and a delete. The single handle is armed at the earliest
    deadline registered; when it fires it cancels the attempts past their deadline and
    re-arms for the next one, or stays unarmed when none is left.
    """

    __slots__ = ("_armed_at", "_entries", "_handle", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._entries: dict[AsyncAttemptTimer, float] = {}
        self._handle: asyncio.TimerHandle | None = None
        self._armed_at = math.inf

    @classmethod
    def for_loop(cls, loop: asyncio.AbstractEventLoop) -> _Watchdog:
        """Return ``loop``'s watchdog, creating it and forgetting closed loops' ones."""
        for known in list(_WATCHDOGS):
            if known.is_closed():
                _WATCHDOGS.pop(known, None)
        return _WATCHDOGS.setdefault(loop, cls(loop))

    def add(self, timer: AsyncAttemptTimer, when: float) -> None:
        """Watch ``timer`` until ``when`` (on the loop's clock)."""
        self._entries[timer] = when
        if when < self._armed_at:
            if self._handle is not None:
                self._handle.cancel()
            self._handle = self._loop.call_at(when, self._fire)
            self._armed_at = when

    def remove(self, timer: AsyncAttemptTimer) -> None:
        """Stop watching ``timer``: its attempt is over."""
        self._entries.pop(timer, None)

    @property
    def armed(self) -> bool:
        """Whether the loop holds a handle for this watchdog."""
        return self._handle is not None

    def _fire(self) -> None:
        self._handle = None
        self._armed_at = math.inf
        # call_at may run a handle up to the clock's resolution early.
        now = self._loop.time() + _EARLY
        expired = [timer for timer, when in self._entries.items() if when <= now]
        for timer in expired:
            del self._entries[timer]
            timer.expire()
        if self._entries:
            when = min(self._entries.values())
            self._handle = self._loop.call_at(when, self._fire)
            self._armed_at = when


_EARLY = 1e-3


_WATCHDOGS: dict[asyncio.AbstractEventLoop, _Watchdog] = {}


def _load_current_task() -> Callable[[], asyncio.Task[object] | None]:
    # Imported on the first bounded attempt, not with this module: importing the SDK
    # does not load asyncio (an async client has loaded it by then).
    global _current_task  # noqa: PLW0603 - resolved once
    import asyncio

    _current_task = asyncio.current_task
    return _current_task


_current_task: Callable[[], asyncio.Task[object] | None] | None = None


_CAN_UNCANCEL = sys.version_info >= (3, 11)


def _uncancel(task: asyncio.Task[object]) -> int:
    uncancel: Callable[[], int] = getattr(task, "uncancel")  # noqa: B009 - Python 3.11+
    return uncancel()


class DeadlineStream(httpx.SyncByteStream):
    """A response body that raises :class:`httpx.ReadTimeout` once the deadline passes."""

    def __init__(
        self,
        stream: httpx.SyncByteStream,
        deadline: float,
        request: httpx.Request,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._deadline = deadline
        self._request = request
        self._clock = clock

    @classmethod
    def attach(cls, response: httpx.Response) -> None:
        """Bound ``response``'s body by its request's deadline, if it has one."""
        deadline = response.request.extensions.get(DEADLINE)
        if isinstance(deadline, float) and isinstance(response.stream, httpx.SyncByteStream):
            response.stream = cls(response.stream, deadline, response.request)

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            if self._clock() > self._deadline:
                raise httpx.ReadTimeout(_MESSAGE, request=self._request)
            yield chunk

    def close(self) -> None:
        self._stream.close()


class AsyncDeadlineStream(httpx.AsyncByteStream):
    """The asynchronous twin of :class:`DeadlineStream`."""

    def __init__(
        self,
        stream: httpx.AsyncByteStream,
        deadline: float,
        request: httpx.Request,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._deadline = deadline
        self._request = request
        self._clock = clock

    @classmethod
    def attach(cls, response: httpx.Response) -> None:
        """Bound ``response``'s body by its request's deadline, if it has one."""
        deadline = response.request.extensions.get(DEADLINE)
        if isinstance(deadline, float) and isinstance(response.stream, httpx.AsyncByteStream):
            response.stream = cls(response.stream, deadline, response.request)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            if self._clock() > self._deadline:
                raise httpx.ReadTimeout(_MESSAGE, request=self._request)
            yield chunk

    async def aclose(self) -> None:
        await self._stream.aclose()
