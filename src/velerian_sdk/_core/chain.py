"""
The middleware chain every request passes through: its two drivers and the SDK's links.

A middleware is a generator, in the style of ``httpx.Auth.auth_flow``: it receives the
request, yields it (or a changed one) to the next link, receives the response, and
returns the response it wants the caller to see. Because it never does I/O itself, one
implementation serves the sync and the async client; :func:`send_through_chain` and
:func:`asend_through_chain` are the only code that knows which flavour is running.

A link may yield more than once (that is how retry works) and may yield a
:class:`Backoff` to ask its driver to sleep before sending. Exceptions raised below a
link (a :class:`~velerian_sdk.VelerianConnectionError`, say) are thrown into its
generator, so a link can catch them.

The SDK's own links, outermost first (retry is in ``retry.py``):

- :class:`DefaultHeadersMiddleware`: the client's default headers and user agent, once
  per call.
- :class:`IdempotencyMiddleware`: one ``Idempotency-Key`` per call, reused by every
  retry of it, which is what makes a retried invoke bill once.
- :class:`BearerAuth`: the ``Authorization`` header, sent only to the scheme, host and
  port of the base URL. A request to any other origin (a presigned storage link) is cut
  down by :func:`keep_call_headers` to the headers its own call set, less
  ``Authorization``, and those HTTP needs: neither the key nor the client's defaults
  reach another host.
- :class:`LoggingMiddleware`: one log line per attempt, redacted by allowlist.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable, Collection, Generator, Sequence
from dataclasses import dataclass
from typing import ClassVar, Final, Literal, TypeAlias

import httpx

from .errors import VelerianArgumentError
from .logging import logger
from .redaction import attribute, fields_repr, mask_secret, redact_body, redact_headers, redact_url

__all__ = [
    "ATTEMPT",
    "ATTEMPT_TIMER",
    "DEADLINE",
    "EXPLICIT_HEADERS",
    "MAX_KEY_LENGTH",
    "MUTATING_METHODS",
    "PRESET_HEADERS",
    "STARTED",
    "STREAM",
    "TRACE_SPAN",
    "TRANSPORT_HEADERS",
    "Backoff",
    "BearerAuth",
    "DefaultHeadersMiddleware",
    "IdempotencyMiddleware",
    "LoggingMiddleware",
    "Middleware",
    "MiddlewareFlow",
    "asend_through_chain",
    "check_idempotency_key",
    "keep_call_headers",
    "new_idempotency_key",
    "same_origin",
    "send_through_chain",
]


@dataclass(frozen=True, slots=True)
class Backoff:
    """
    Yielded by a middleware to send ``request`` after sleeping ``seconds``.

    .. versionadded:: 0.2.0
    """

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    seconds: float
    request: httpx.Request


MiddlewareFlow: TypeAlias = Generator["httpx.Request | Backoff", httpx.Response, httpx.Response]
"""What :meth:`Middleware.flow` returns: yields requests, receives responses."""

# The request extensions the SDK sets, all here: a middleware sees them on
# ``request.extensions`` under these names.

STREAM = "velerian_stream"
"""Request extension: leave a 2xx body unread so the caller can stream it."""

NO_AUTH = "velerian_no_auth"
"""Request extension: set to True to send this request without the key."""

EXPLICIT_HEADERS = "velerian_explicit_headers"
"""Request extension: lower-cased names of the headers the call itself passed."""

DEADLINE = "velerian_deadline"
"""Request extension: the call's deadline on the ``time.monotonic`` clock."""

ATTEMPT = "velerian_attempt"
"""Request extension: retries sent so far for this call (0 on the first attempt)."""

ATTEMPT_TIMER = "velerian_attempt_timer"
"""Request extension: the async attempt's deadline timer, while the attempt runs."""

STARTED = "velerian_started"
"""Request extension: when the call started, on the ``time.monotonic`` clock."""

TRACE_SPAN = "velerian_trace_span"
"""Request extension: the call's OpenTelemetry span, parent of each attempt's span."""


class Middleware:
    """
    One link of the request chain; subclass it to add your own behaviour.

    Override :meth:`on_request` and :meth:`on_response` for the common case (add a
    header, record a metric), or :meth:`flow` for full control (time the call, catch
    errors, send again). Your middleware runs once per attempt by default, innermost,
    after auth; set ``stage = "call"`` to run once per call, outside the retries.

    Example:
        .. code-block:: python

            import time
            from velerian_sdk import Middleware, MiddlewareFlow, VelerianClient

            class Timing(Middleware):
                def flow(self, request):
                    started = time.perf_counter()
                    response = yield request
                    print(request.url.path, time.perf_counter() - started)
                    return response

            client = VelerianClient(middleware=[Timing()])

    .. versionadded:: 0.2.0
    """

    stage: ClassVar[Literal["call", "attempt"]] = "attempt"

    def on_request(self, request: httpx.Request) -> None:
        """
        Inspect or change the request before it is sent.

        Args:
            request: The outgoing request; its headers may be changed in place.
        """

    def on_response(self, request: httpx.Request, response: httpx.Response) -> None:
        """
        Inspect the response before the caller sees it.

        Args:
            request: The request that was sent.
            response: Its response; the body is read unless the call streams.
        """

    def flow(self, request: httpx.Request) -> MiddlewareFlow:
        """
        Run this link: the default calls :meth:`on_request` and :meth:`on_response`.

        Args:
            request: The outgoing request.

        Returns:
            A generator that yields the request to send and returns the response.
        """
        self.on_request(request)
        response = yield request
        self.on_response(request, response)
        return response


_HOOKS_ONLY = Middleware.flow
"""The default flow. A link that keeps it is driven by calling its hooks directly: the
same behaviour as running the generator (an exception below it passes through), without
creating one per request."""


Send: TypeAlias = Callable[[httpx.Request], httpx.Response]


AsyncSend: TypeAlias = Callable[[httpx.Request], Awaitable[httpx.Response]]


Sleep: TypeAlias = Callable[[float], None]


AsyncSleep: TypeAlias = Callable[[float], Awaitable[None]]


def send_through_chain(
    chain: Sequence[Middleware],
    request: httpx.Request,
    send: Send,
    sleep: Sleep = time.sleep,
    index: int = 0,
) -> httpx.Response:
    """
    Drive ``chain[index:]`` for one request, with ``send`` at the bottom (sync).

    Args:
        chain: The middleware, outermost first.
        request: The request handed to ``chain[index]``.
        send: Sends a request over the network and returns its response.
        sleep: Waits before a :class:`Backoff`'s request is sent.
        index: Which link to start from.

    Returns:
        The response that the outermost link returned.
    """
    if index == len(chain):
        return send(request)
    link = chain[index]
    if type(link).flow is _HOOKS_ONLY:
        link.on_request(request)
        response = send_through_chain(chain, request, send, sleep, index + 1)
        link.on_response(request, response)
        return response
    flow = link.flow(request)
    step = next(flow)
    while True:
        if isinstance(step, Backoff):
            if step.seconds > 0:
                sleep(step.seconds)
            step = step.request
        try:
            response = send_through_chain(chain, step, send, sleep, index + 1)
        except Exception as exc:  # noqa: BLE001 - handed to the link, which may re-raise
            try:
                step = flow.throw(exc)
            except StopIteration as stop:
                return _returned(stop)
            continue
        try:
            step = flow.send(response)
        except StopIteration as stop:
            return _returned(stop)


async def _asyncio_sleep(seconds: float) -> None:
    import asyncio  # here, not at the top: a program that never goes async never loads it

    await asyncio.sleep(seconds)


async def asend_through_chain(
    chain: Sequence[Middleware],
    request: httpx.Request,
    send: AsyncSend,
    sleep: AsyncSleep = _asyncio_sleep,
    index: int = 0,
) -> httpx.Response:
    """
    Drive ``chain[index:]`` for one request, with ``send`` at the bottom (async).

    The twin of :func:`send_through_chain`; a :class:`Backoff` sleeps with
    :func:`asyncio.sleep` by default, so cancelling the task cancels the wait.

    Args:
        chain: The middleware, outermost first.
        request: The request handed to ``chain[index]``.
        send: Sends a request over the network and returns its response.
        sleep: Waits before a :class:`Backoff`'s request is sent.
        index: Which link to start from.

    Returns:
        The response that the outermost link returned.
    """
    if index == len(chain):
        return await send(request)
    link = chain[index]
    if type(link).flow is _HOOKS_ONLY:
        link.on_request(request)
        response = await asend_through_chain(chain, request, send, sleep, index + 1)
        link.on_response(request, response)
        return response
    flow = link.flow(request)
    step = next(flow)
    while True:
        if isinstance(step, Backoff):
            if step.seconds > 0:
                await sleep(step.seconds)
            step = step.request
        try:
            response = await asend_through_chain(chain, step, send, sleep, index + 1)
        except Exception as exc:  # noqa: BLE001 - handed to the link, which may re-raise
            try:
                step = flow.throw(exc)
            except StopIteration as stop:
                return _returned(stop)
            continue
        try:
            step = flow.send(response)
        except StopIteration as stop:
            return _returned(stop)


def _returned(stop: StopIteration) -> httpx.Response:
    value: object = stop.value
    if not isinstance(value, httpx.Response):
        msg = f"a middleware flow returned {type(value).__name__}, not an httpx.Response"
        raise TypeError(msg)
    return value


PRESET_HEADERS = (
    "user-agent",
    "accept",
    "accept-encoding",
    "x-velerian-client",
    "x-velerian-attempt",
)
"""The defaults a client gives the ``httpx`` client it builds (never the user's own
``default_headers``, which a derived client sharing that ``httpx`` client must not send)."""


class DefaultHeadersMiddleware(Middleware):
    """
    Set the client's default headers, except those the call passed itself.

    They replace what an ``httpx`` client adds on its own (its user agent,
    ``Accept: */*`` and an ``Accept-Encoding`` that names ``br`` and ``zstd`` when their
    packages are installed), which is why this is not left to ``httpx``'s header
    merging, except for ``preset`` names: a client that builds its own ``httpx`` client
    gives it its :data:`PRESET_HEADERS` (``User-Agent``, ``Accept``, ``Accept-Encoding``,
    ``X-Velerian-Client`` and the first ``X-Velerian-Attempt``), so ``httpx`` has
    merged them into the request already (the call's own headers winning) and setting
    them again per request would only cost time.

    Args:
        headers: The defaults: ``User-Agent``, ``Accept``, ``Accept-Encoding``, the
            client's identity and first attempt number (``identity.py``) and the user's
            own.
        preset: Lower-case names that the ``httpx`` client building the requests
            already sets to these very values.
    """

    stage: ClassVar[Literal["call", "attempt"]] = "call"

    def __init__(self, headers: httpx.Headers, *, preset: Collection[str] = ()) -> None:
        self._headers = [
            (name.lower(), value)
            for name, value in headers.multi_items()
            if name.lower() not in preset
        ]

    def on_request(self, request: httpx.Request) -> None:
        """
        Apply the defaults.

        Args:
            request: The outgoing request.
        """
        if not self._headers:
            return
        explicit: frozenset[str] = request.extensions.get(EXPLICIT_HEADERS, frozenset())
        for name, value in self._headers:
            if name not in explicit:
                request.headers[name] = value


MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


MAX_KEY_LENGTH = 255


def check_idempotency_key(value: object) -> str:
    """
    Check a caller's idempotency key before any request is built.

    The API takes 1 to 255 printable ASCII characters. HTTP trims spaces around a header
    value, so a key that starts or ends with a space would not be the key the server
    sees (and ``httpx`` refuses to send it): it is refused here with a clear message.

    Args:
        value: What the caller passed as ``idempotency_key``.

    Returns:
        The key.

    Raises:
        VelerianArgumentError: Not a str, empty, longer than 255 characters, with a
            character outside printable ASCII, or with a space at either end.
    """
    if not isinstance(value, str):
        msg = f"idempotency_key must be a str, got {type(value).__name__}"
        raise VelerianArgumentError(msg)
    problem = None
    if not value or len(value) > MAX_KEY_LENGTH:
        problem = f"it is {len(value)} characters long"
    elif any(not (" " <= char <= "~") for char in value):
        problem = "it has a character outside printable ASCII"
    elif value[0] == " " or value[-1] == " ":
        problem = "it starts or ends with a space, which HTTP would trim"
    if problem is not None:
        msg = f"idempotency_key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters: {problem}"
        raise VelerianArgumentError(msg)
    return value


class IdempotencyMiddleware(Middleware):
    """Give every POST, PUT, PATCH and DELETE a fresh uuid4 key unless it has one."""

    stage: ClassVar[Literal["call", "attempt"]] = "call"

    def on_request(self, request: httpx.Request) -> None:
        """
        Set ``Idempotency-Key`` on a mutating request that has none.

        Args:
            request: The outgoing request.
        """
        if request.method in MUTATING_METHODS and "idempotency-key" not in request.headers:
            request.headers["Idempotency-Key"] = new_idempotency_key()


def new_idempotency_key() -> str:
    """
    Return a random (version 4) UUID in its canonical form, as ``str(uuid.uuid4())`` does.

    It is formatted from the random bytes directly: ``uuid.UUID`` checks and converts
    its input on every call, which doubled the cost of a key on the invoke path.

    Returns:
        36 characters, e.g. ``3f2c9a41-d07e-4b3c-8a6e-1f09b2c4d5e6``.
    """
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


class BearerAuth(Middleware):
    """
    Attach ``Authorization: Bearer <key>`` on every attempt to the API's origin.

    A request for any other origin gets only its call's own headers (see
    :func:`~velerian_sdk._core.chain.keep_call_headers`); this link runs after every link
    of the client that adds headers, so the rule sees them all.

    Args:
        api_key: The key to send.
        origin: The API's origin; no other origin ever receives the key.
    """

    def __init__(self, api_key: str, origin: httpx.URL) -> None:
        self._header = f"Bearer {api_key}"
        self._masked = mask_secret(api_key)
        self._origin = origin

    def on_request(self, request: httpx.Request) -> None:
        """
        Add the key to a request for the API's origin; strip anything else down.

        Args:
            request: The outgoing request.
        """
        if not same_origin(request.url, self._origin):
            keep_call_headers(request)
        elif not request.extensions.get(NO_AUTH):
            request.headers["Authorization"] = self._header
        elif "authorization" in request.headers:
            del request.headers["authorization"]

    def __repr__(self) -> str:
        origin = attribute(self, "_origin")
        shown = str(origin) if isinstance(origin, httpx.URL) else origin
        return f"BearerAuth(api_key={attribute(self, '_masked')!r}, origin={shown!r})"


TRANSPORT_HEADERS: Final = frozenset(
    {"host", "content-length", "transfer-encoding", "accept-encoding", "connection"}
)
"""Headers that ``httpx`` sets for the connection and the body framing, kept everywhere."""


_DEFAULT_PORTS = {"http": 80, "https": 443}


def same_origin(url: httpx.URL, origin: httpx.URL) -> bool:
    """
    Tell whether ``url`` has the scheme, host and port of ``origin``.

    Args:
        url: The URL about to be requested.
        origin: The API's origin.

    Returns:
        True when ``url`` is on the API's origin.
    """
    return (
        url.scheme == origin.scheme
        and url.host == origin.host
        and (url.port or _DEFAULT_PORTS.get(url.scheme))
        == (origin.port or _DEFAULT_PORTS.get(origin.scheme))
    )


def keep_call_headers(request: httpx.Request) -> None:
    """
    Strip a request for another origin down to what its call set and HTTP needs.

    Kept: the headers the call passed itself (a transfer's ``Content-Type``, say), less
    ``Authorization``, and :data:`TRANSPORT_HEADERS`. Everything else was added by the
    client (its defaults, the user's ``default_headers``, an idempotency key, the
    ``httpx`` client's own headers and cookies) and is meant for the API only.

    Args:
        request: A request whose URL is not on the API's origin; changed in place.
    """
    explicit: frozenset[str] = request.extensions.get(EXPLICIT_HEADERS, frozenset())
    for name in list(request.headers.keys()):
        if name == "authorization" or (name not in explicit and name not in TRANSPORT_HEADERS):
            del request.headers[name]


class LoggingMiddleware(Middleware):
    """Log each attempt: method, redacted URL, status, elapsed time and request id."""

    def flow(self, request: httpx.Request) -> MiddlewareFlow:
        """
        Time the attempt and log its outcome when the logger is enabled.

        Args:
            request: The outgoing request.

        Returns:
            A generator that passes the request and response through unchanged.
        """
        if not logger.isEnabledFor(logging.INFO):
            return (yield request)
        started = time.perf_counter()
        attempt = request.extensions.get(ATTEMPT, 0) + 1
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "request %s %s attempt %d headers=%s body=%s",
                request.method,
                redact_url(request.url),
                attempt,
                redact_headers(request.headers.multi_items()),
                _request_body(request),
            )
        try:
            response = yield request
        except Exception as exc:
            logger.info(
                "%s %s failed after %.1f ms (attempt %d): %s",
                request.method,
                redact_url(request.url),
                (time.perf_counter() - started) * 1000,
                attempt,
                type(exc).__name__,
            )
            raise
        logger.info(
            "%s %s -> %d in %.1f ms (request id %s, attempt %d)",
            request.method,
            redact_url(request.url),
            response.status_code,
            (time.perf_counter() - started) * 1000,
            response.headers.get("x-request-id", "-"),
            attempt,
        )
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "response headers=%s body=%s",
                redact_headers(response.headers.multi_items()),
                _response_body(response),
            )
        return response


def _request_body(request: httpx.Request) -> str:
    if not isinstance(request.stream, httpx.ByteStream):
        return "<streamed>"
    return redact_body(request.content, request.headers.get("content-type"))


def _response_body(response: httpx.Response) -> str:
    if not response.is_stream_consumed:
        return "<streamed>"
    return redact_body(response.content, response.headers.get("content-type"))
