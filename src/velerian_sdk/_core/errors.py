"""
The one error family: everything the SDK raises subclasses :class:`VelerianError`.

API errors keep the 0.1 names and constructor, so code that caught or built them keeps
working. Transport failures and malformed success bodies have their own classes, and
:func:`error_from_response` is the single place where a response becomes an exception.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar, cast

from .redaction import scrub_secrets

if TYPE_CHECKING:
    import httpx

__all__ = [
    "ERROR_BODY_EXCERPT",
    "ScrubbedCause",
    "VelerianAPIError",
    "VelerianArgumentError",
    "VelerianAuthError",
    "VelerianClientClosedError",
    "VelerianClientMovedError",
    "VelerianConflictError",
    "VelerianConnectionError",
    "VelerianError",
    "VelerianEvidenceError",
    "VelerianExportExpiredError",
    "VelerianForbiddenError",
    "VelerianIntegrityError",
    "VelerianNotFoundError",
    "VelerianRateLimitError",
    "VelerianResponseEncodingError",
    "VelerianResponseTooLargeError",
    "VelerianResponseValidationError",
    "VelerianRunTimeoutError",
    "VelerianServerError",
    "VelerianTimeoutError",
    "VelerianValidationError",
    "error_from_response",
    "note_attempts",
    "stated_length",
    "with_scrubbed_cause",
]


class VelerianError(Exception):
    """
    Base class of every exception the SDK raises.

    Catch this to handle any failure of a call, whatever its cause.

    Every one of them pickles (to a process pool, a task queue's result store) and
    comes back with the same type, message and attributes, except
    :attr:`VelerianAPIError.response`, which comes back as ``None``: the response
    holds its request, and the request holds the ``Authorization`` header. Copies made
    with :mod:`copy` follow the same rule. Errors do not define ``==``; compare their
    attributes.
    """

    def __reduce__(self) -> tuple[object, ...]:
        # The default rebuilds an exception by calling its class with ``self.args``,
        # which fails for every subclass whose constructor takes other arguments, and
        # would carry the response (and the key in its request) along.
        fields = cast("dict[str, object]", vars(self))
        state = {
            name: None if name == "response" else scrub_secrets(value)
            for name, value in fields.items()
        }
        return (_rebuild_error, (type(self), scrub_secrets(self.args), state))


class ScrubbedCause(Exception):  # noqa: N818 - attached as a cause, never raised
    """
    What the SDK caught before it raised one of its errors, without the data it held.

    An error the SDK raises because of another exception (an ``httpx`` transport error,
    a ``pydantic`` validation error, an ``OSError``) has one of these as its
    ``__cause__``, never that exception itself: the original may hold what must not
    outlive the call, such as the request with its ``Authorization`` header or the body
    that did not validate, and tools that pickle a whole exception chain (``tblib``,
    which Dask installs) would carry it to another process. The summary keeps the
    class name, a message with credentials masked, and the traceback, so a printed
    chain still shows where the failure happened. Its own ``__cause__`` summarises the
    original's cause in the same way, a few levels deep.

    It is never raised. Read it to tell failures apart::

        except VelerianConnectionError as error:
            cause = error.__cause__
            if isinstance(cause, ScrubbedCause) and "CERTIFICATE" in str(cause):
                ...

    Attributes:
        type_name: The caught exception's class, such as ``"httpx.ConnectError"``.
        detail: Its message, credentials masked (the whole text is ``type_name: detail``).

    .. versionadded:: 0.2.0
    """

    def __init__(self, type_name: str, detail: str) -> None:
        super().__init__(f"{type_name}: {detail}")
        self.type_name = type_name
        self.detail = detail

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.type_name, self.detail))


_ErrorT = TypeVar("_ErrorT", bound=VelerianError)
_CAUSE_DEPTH = 4
_DETAIL_LIMIT = 1000


def with_scrubbed_cause(error: _ErrorT, cause: BaseException) -> _ErrorT:
    """
    Give ``error`` a :class:`ScrubbedCause` of ``cause``; raise it outside the ``except``.

    Raised inside the ``except`` block that caught ``cause``, the error would get it as
    ``__context__`` (``from None`` only hides that from a printed traceback), and a
    pickled chain would carry it. So catch, build the error with this, and raise it
    after the block.
    """
    error.__cause__ = _summary(cause, _CAUSE_DEPTH)
    error.__suppress_context__ = True
    return error


def _summary(caught: BaseException, depth: int) -> ScrubbedCause:
    kind = type(caught)
    # Named as imported: ``pydantic_core.ValidationError``, not its private module's path.
    public = [part for part in kind.__module__.split(".") if part != "builtins"]
    for index, part in enumerate(public):
        if part.startswith("_"):
            del public[index:]
            break
    type_name = ".".join([*public, kind.__qualname__])
    summary = ScrubbedCause(type_name, _scrubbed_detail(caught))
    summary.__traceback__ = caught.__traceback__
    inner = caught.__cause__
    if inner is None and not caught.__suppress_context__:
        inner = caught.__context__
    if inner is not None and depth > 1:
        summary.__cause__ = _summary(inner, depth - 1)
    summary.__suppress_context__ = True
    return summary


def _scrubbed_detail(caught: BaseException) -> str:
    errors = getattr(caught, "errors", None)
    try:
        if type(caught).__module__.startswith("pydantic") and callable(errors):
            # Its text quotes the input that failed, which may be a minted key's secret.
            found = cast("list[dict[str, object]]", errors(include_input=False, include_url=False))
            detail = "; ".join(
                f"{'.'.join(map(str, cast('tuple[object, ...]', e['loc']))) or '<input>'}: "
                f"{e['msg']}"
                for e in found[:5]
            )
        else:
            detail = str(caught)
    except Exception:  # noqa: BLE001 - a summary must not fail: it is made while failing
        detail = "<message could not be read>"
    if len(detail) > _DETAIL_LIMIT:
        detail = detail[:_DETAIL_LIMIT] + "..."
    return _printable(scrub_secrets(detail))


def _rebuild_error(
    cls: type[VelerianError], args: tuple[object, ...], state: dict[str, object]
) -> VelerianError:
    """Rebuild a pickled error without calling its constructor (see ``__reduce__``)."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class VelerianArgumentError(VelerianError, ValueError):
    """
    An argument or setting is wrong; raised before any request is sent.

    It is also a :class:`ValueError`, so code written for the 0.1 client that caught
    ``ValueError`` for a missing key keeps working. The message says what to fix.

    .. versionadded:: 0.2.0
    """


class VelerianClientClosedError(VelerianError, RuntimeError):
    """
    A call was made on a client that has been closed.

    A client closes when its ``with`` block ends or ``close()`` is called. Make calls
    inside the block, or build a new client.

    .. versionadded:: 0.2.0
    """


class VelerianClientMovedError(VelerianError, RuntimeError):
    """
    A client was used where the connections it holds cannot follow it.

    Raised on a call in a forked child when the client was given an ``http_client``
    that may hold the parent's connections, and on a call from an event loop while
    another loop, still running in another thread, is using the async client's
    connections. The message says what to do: build the client (and your
    ``http_client``) in the process or event loop that uses it.

    .. versionadded:: 0.2.0
    """


class VelerianConnectionError(VelerianError):
    """
    The request did not get a complete HTTP response.

    Raised for refused or dropped connections, DNS failures, a response cut off halfway
    and protocol errors, once retries are spent. The message says how many attempts
    were made and over how long, and why there were not more.

    Attributes:
        method: The HTTP method of the failed request.
        url: The URL of the failed request, with its query string redacted.
        attempts: How many attempts the call made (``1`` when it was not retried).
        elapsed_s: Seconds from the call's start to the last failure, backoff sleeps
            included, or ``None`` when the error did not come through the retry link.
        why_stopped: Why the call was not tried again: ``max_retries=3``, say, or
            ``not retried`` for a failure that is never retried.

    .. versionadded:: 0.2.0
    """

    attempts: int = 1
    elapsed_s: float | None = None
    why_stopped: str = "not retried"

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.url = url

    def __str__(self) -> str:
        message = super().__str__()
        if self.elapsed_s is None:
            return message
        tries = "1 attempt" if self.attempts == 1 else f"{self.attempts} attempts"
        return f"{message} ({tries} over {self.elapsed_s:.1f} s; {self.why_stopped})"


def note_attempts(
    error: VelerianConnectionError, attempts: int, elapsed_s: float, why_no_more: str | None
) -> None:
    """
    Record on ``error`` how its call was tried, in its attributes and its message.

    Args:
        error: The failure that ends the call.
        attempts: How many attempts the call made.
        elapsed_s: Seconds since the call started.
        why_no_more: Why no further attempt was made, e.g. ``max_retries=3``; ``None``
            keeps the reason noted before.

    A second call replaces what the first wrote: a loop that resends on its own around
    the chain (an upload, a download) knows the whole count, the chain only its part.
    """
    error.attempts = attempts
    error.elapsed_s = elapsed_s
    if why_no_more is not None:
        error.why_stopped = why_no_more


class VelerianTimeoutError(VelerianConnectionError):
    """
    A connect, read, write or pool timeout, or the call's overall deadline, ran out.

    .. versionadded:: 0.2.0
    """


class VelerianResponseValidationError(VelerianError):
    """
    A 2xx response whose body does not fit the model the SDK expected.

    This usually means the server and this SDK version disagree about a shape. The raw
    body (its first 64 KiB) and the request id are kept so that the mismatch can be
    reported.

    Attributes:
        body: The raw response body, cut at 64 KiB.
        request_id: The server's ``x-request-id``, if any.
        status_code: The HTTP status of the response.
        errors: A readable list of what did not fit.

    .. versionadded:: 0.2.0
    """

    def __init__(
        self,
        message: str,
        *,
        body: bytes,
        request_id: str | None,
        status_code: int,
        errors: Sequence[str] = (),
    ) -> None:
        super().__init__(scrub_secrets(message))
        # A 2xx body that did not fit may be a minted key's: keep none of its secrets.
        self.body: bytes = scrub_secrets(body)
        self.request_id = request_id
        self.status_code = status_code
        self.errors: list[str] = [scrub_secrets(error) for error in errors]


class VelerianResponseTooLargeError(VelerianError):
    """
    A response body was larger than the client reads; the read stopped there.

    An API response is read up to the client's ``max_response_bytes`` after decoding
    (a ``Content-Length`` above it fails before the body is read), so a compressed
    body cannot inflate without bound. Not retried: the same call would get the same
    answer. Raise the limit with ``client.with_options(max_response_bytes=...)`` if
    the response is expected to be that large.

    Attributes:
        limit: The limit that was passed, in bytes.
        method: The request's HTTP method.
        url: The request's URL, with its query string redacted.

    .. versionadded:: 0.2.0
    """

    def __init__(self, message: str, *, limit: int = 0, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.limit = limit
        self.method = method
        self.url = url


class VelerianResponseEncodingError(VelerianError):
    """
    A response body came compressed in a way the SDK does not decode, or was corrupt.

    The SDK asks for ``gzip`` or ``deflate`` at most and inflates them itself, in
    bounded steps; any other ``Content-Encoding`` (``br``, ``zstd``, ``compress``, a
    stack of several) is refused before its body is read, whatever packages are
    installed, and a compressed body that does not inflate cleanly (a bad header or
    checksum, bytes after its end, a stream cut short) stops the read. Not retried: the
    same call would get the same body. It usually means a proxy or the server ignored
    the ``Accept-Encoding`` the SDK sent, or the call's own headers asked for another
    encoding.

    Attributes:
        encoding: The response's ``Content-Encoding``, as sent.
        method: The request's HTTP method.
        url: The request's URL, with its query string redacted.

    .. versionadded:: 0.2.0
    """

    def __init__(
        self, message: str, *, encoding: str = "", method: str = "", url: str = ""
    ) -> None:
        super().__init__(message)
        self.encoding = encoding
        self.method = method
        self.url = url


class VelerianIntegrityError(VelerianError):
    """
    Downloaded bytes do not match the size or SHA-256 the server stated.

    Nothing is left at the destination: the partial file is removed.

    Attributes:
        expected: What the server stated (``"size 1024"`` or ``"sha256 ab12..."``).
        actual: What arrived.

    .. versionadded:: 0.2.0
    """

    def __init__(self, message: str, *, expected: str, actual: str) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class VelerianExportExpiredError(VelerianError):
    """
    An evidence export's download link has expired.

    Presigned links are time-limited. Ask for a fresh export (``client.evidence.
    for_invocation(...)`` or ``client.evidence.package(...)``) and download that.

    Attributes:
        export_id: The expired export.
        expires_at: When its link expired, as the server stated it.

    .. versionadded:: 0.2.0
    """

    def __init__(self, export_id: str, expires_at: str) -> None:
        super().__init__(
            f"the download link of export {export_id} expired at {expires_at}: request a "
            "fresh export and download that one"
        )
        self.export_id = export_id
        self.expires_at = expires_at


class VelerianEvidenceError(VelerianError):
    """
    Evidence failed verification against its chain hashes.

    Attributes:
        breaks: Every problem found, the first broken pack first.

    .. versionadded:: 0.2.0
    """

    def __init__(self, breaks: Sequence[object]) -> None:
        self.breaks: list[object] = list(breaks)
        first = str(self.breaks[0]) if self.breaks else "no detail"
        more = f" (+{len(self.breaks) - 1} more)" if len(self.breaks) > 1 else ""
        super().__init__(f"evidence does not verify: {first}{more}")


class VelerianRunTimeoutError(VelerianError):
    """
    A governed run was not finished when the SDK stopped waiting for it.

    Nothing failed: the run was **not cancelled**, it is billed either way, and it may
    still succeed. Keep :attr:`run_id` and collect the run later with
    ``client.runs.wait(run_id)`` or ``client.runs.retrieve(run_id)``.

    Attributes:
        run_id: The run to collect later.
        status: The last status seen before the deadline (``queued`` or ``running``).
        waited_s: How long the SDK waited, in seconds.
    """

    def __init__(self, run_id: str, *, status: str | None, waited_s: float) -> None:
        self.run_id = run_id
        self.status = status
        self.waited_s = waited_s
        super().__init__(
            f"run {run_id} was still {status!r} after waiting {waited_s:.1f}s. The run was "
            f"not cancelled and may still finish: collect it with "
            f"client.runs.wait({run_id!r}) or GET /api/v2/pack-runs/{run_id}."
        )


class VelerianAPIError(VelerianError):
    """
    The API answered with a non-2xx status.

    Attributes:
        status_code: The HTTP status code.
        detail: The API's ``detail`` message; a list of validation errors is joined
            into one readable line. Falls back to the body text.
        body: The parsed JSON body, or ``None`` when the body was not JSON. Only the
            first 64 KiB of an error body is read; a longer body is not parsed, and
            :attr:`detail` quotes its start.
        response: The :class:`httpx.Response`, for anything else.
        request_id: The server's ``x-request-id``, to quote to support.
        method: The request's HTTP method.
        path: The request's URL path.
    """

    def __init__(
        self,
        status_code: int,
        detail: str | None = None,
        *,
        body: object = None,
        response: httpx.Response | None = None,
        request_id: str | None = None,
    ) -> None:
        self.status_code = status_code
        # What the error keeps outlives the call (logs, pickles): no secrets in it.
        self.detail: str | None = None if detail is None else scrub_secrets(detail)
        self.body: object = scrub_secrets(body)
        self.response = response
        self.method: str = ""
        self.path: str = ""
        if response is not None:
            self.method = response.request.method
            self.path = response.request.url.path
            if request_id is None:
                request_id = response.headers.get("x-request-id")
        # A header is the server's text too: no escapes or line breaks into the message.
        self.request_id: str | None = None if request_id is None else _printable(request_id)
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"{self.method} {self.path} -> " if self.method else ""
        text = f"{where}HTTP {self.status_code}"
        if self.detail:
            text = f"{text}: {self.detail}"
        hint = _HINTS.get(type(self))
        if hint:
            text = f"{text}. {hint}"
        if self.request_id:
            text = f"{text} (request id {self.request_id})"
        return text


class VelerianAuthError(VelerianAPIError):
    """401: the API key is missing, invalid, expired or revoked."""


class VelerianForbiddenError(VelerianAPIError):
    """403: the key is valid but lacks a scope, or its user's role is too low."""


class VelerianNotFoundError(VelerianAPIError):
    """404: no such resource, or it belongs to another tenant."""


class VelerianConflictError(VelerianAPIError):
    """409: the resource is in the wrong state (e.g. invoking an ABP not ``deployed``)."""


class VelerianValidationError(VelerianAPIError):
    """422: the request did not pass the API's schema validation; see :attr:`detail`."""


class VelerianRateLimitError(VelerianAPIError):
    """
    429: a rate limit tripped.

    Attributes:
        retry_after: Seconds the server asked to wait, or ``None`` when it did not say.
    """

    def __init__(
        self,
        status_code: int,
        detail: str | None = None,
        *,
        retry_after: float | None = None,
        body: object = None,
        response: httpx.Response | None = None,
        request_id: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(status_code, detail, body=body, response=response, request_id=request_id)


class VelerianServerError(VelerianAPIError):
    """5xx: the server failed. Retried automatically before it reaches you."""


_HINTS: dict[type[VelerianAPIError], str] = {
    VelerianAuthError: "Check VELERIAN_API_KEY: the key may be mistyped, expired or revoked",
    VelerianForbiddenError: "Mint a key with the scope this route needs, or ask an admin",
    VelerianConflictError: "The resource is not in a state that allows this call",
    VelerianRateLimitError: "Slow down, or raise max_retries to wait it out",
}

_STATUS_ERRORS: dict[int, type[VelerianAPIError]] = {
    401: VelerianAuthError,
    403: VelerianForbiddenError,
    404: VelerianNotFoundError,
    409: VelerianConflictError,
    422: VelerianValidationError,
    429: VelerianRateLimitError,
}


def error_from_response(
    response: httpx.Response, *, retry_after: float | None = None
) -> VelerianAPIError:
    """
    Build the typed exception for a non-2xx response.

    Args:
        response: A response whose body has been read.
        retry_after: The parsed ``Retry-After`` delay, for 429 and 503 answers.

    Returns:
        The most specific :class:`VelerianAPIError` subclass for the status.
    """
    status = response.status_code
    body, detail = _read_error_body(response)
    cls = _STATUS_ERRORS.get(status)
    if cls is None:
        cls = VelerianServerError if status >= 500 else VelerianAPIError
    if cls is VelerianRateLimitError:
        return VelerianRateLimitError(
            status, detail, retry_after=retry_after, body=body, response=response
        )
    return cls(status, detail, body=body, response=response)


def _read_error_body(response: httpx.Response) -> tuple[object, str | None]:
    content = response.content
    try:
        body: object = json.loads(content)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply to decode
        return None, _foreign_body_detail(response, content)
    if not isinstance(body, dict):
        return body, None
    mapping = cast("dict[str, object]", body)
    return mapping, (_readable_detail(mapping["detail"]) if "detail" in mapping else None)


_SHORT_TEXT = 200
"""A plain-text error body up to this long is quoted whole; a longer one is described."""
_TITLE = re.compile(rb"<title[^>]*>([^<]{1,200})</title>", re.IGNORECASE)


ERROR_BODY_EXCERPT = 64 * 1024
"""The most of a body that an error response gives its exception (and keeps in memory)."""


def stated_length(response: httpx.Response) -> int | None:
    """
    Return the response's ``Content-Length``, or ``None`` when absent or malformed.

    Args:
        response: A response whose headers have arrived.

    Returns:
        The stated number of body bytes on the wire.
    """
    # One pass over the raw pairs: ``headers.get`` decodes every value it compares.
    for name, value in response.headers.raw:
        if len(name) == _LENGTH_NAME_SIZE and name.lower() == b"content-length":
            return int(value) if value.isdigit() else None
    return None


_LENGTH_NAME_SIZE = len(b"content-length")


def _foreign_body_detail(response: httpx.Response, content: bytes) -> str | None:
    """
    Describe an error body that is not JSON: the API never sends one.

    A short line of plain text (a proxy's ``Bad Gateway``) is quoted as it is. Anything
    else, an HTML page above all, is described by its type and size instead of pasted
    into the message, with the page title if it has one, and a hint at the likely cause.
    """
    text = content.decode("utf-8", "replace").strip()
    if not text:
        return response.reason_phrase or None
    content_type = response.headers.get("content-type", "").partition(";")[0].strip()
    short_line = len(text) <= _SHORT_TEXT and "\n" not in text and not text.startswith("<")
    if short_line and "json" not in content_type:
        return _printable(text)
    # Only an excerpt of a long error body is read: its size is the one stated.
    size = stated_length(response)
    if size is None:
        size_text = f"{'at least ' if len(content) >= ERROR_BODY_EXCERPT else ''}{len(content)}"
    else:
        size_text = str(size)
    detail = f"a body of {size_text} bytes ({content_type or 'no content-type'})"
    title = _TITLE.search(content[:4096])
    if title is not None:
        shown = _printable(" ".join(title.group(1).decode("utf-8", "replace").split()))
        detail = f'{detail} titled "{shown}"'
    if "json" in content_type:
        return f"{detail} that is not valid JSON"
    if response.status_code >= 500:
        return f"{detail}, not the API's JSON: a proxy or gateway may have answered"
    origin = response.request.url.copy_with(path="/", query=None, fragment=None)
    return f"{detail}: this does not look like the Velerian API; check base_url ({origin})"


def _readable_detail(detail: object) -> str:
    """Make FastAPI's ``detail`` one printable line (see :func:`_printable`)."""
    return _printable(_joined_detail(detail))


def _joined_detail(detail: object) -> str:
    """A string as is, validation errors joined, anything else as JSON."""
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        parts: list[str] = []
        for item in cast("list[object]", detail):
            if isinstance(item, dict):
                entry = cast("dict[str, object]", item)
                loc = entry.get("loc", ())
                where = (
                    ".".join(map(str, cast("list[object]", loc)))
                    if isinstance(loc, list)
                    else str(loc)
                )
                parts.append(f"{where}: {entry.get('msg', entry)}")
            else:
                parts.append(str(item))
        return "; ".join(parts)
    return json.dumps(detail, default=str)


_ESCAPED_SEPARATORS = frozenset("\u2028\u2029")


def _printable(text: str) -> str:
    r"""
    Escape what a terminal or log viewer would act on rather than show.

    Text from the server (a body, a title, a header) ends up in a message that is
    printed and logged: a carriage return, an ANSI sequence (``\x1b[2J``), NUL, BEL or a
    line separator in it could rewrite the screen or forge a log line. Control and
    format characters (Unicode ``Cc`` and ``Cf``) and the line and paragraph separators
    are shown as ``\xNN``, ``\uNNNN`` or ``\UNNNNNNNN``; everything else stays as is.
    """
    if text.isprintable():  # the usual case, and every escaped character fails it
        return text
    shown: list[str] = []
    for char in text:
        if char in _ESCAPED_SEPARATORS or unicodedata.category(char) in ("Cc", "Cf"):
            code = ord(char)
            shown.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
        else:
            shown.append(char)
    return "".join(shown)


# A traceback names an exception by its class's module: show the one users import from
# (``velerian_sdk.VelerianAuthError``), not this private one. Pickle finds each class
# under that name too, since the package exports it.
for _exported in __all__:
    _value = globals()[_exported]
    if isinstance(_value, type):
        _value.__module__ = "velerian_sdk"
