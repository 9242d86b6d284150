"""
The client's settings: where they come from and what makes them valid.

Every value is checked once, when the client is built, so a mistake is reported where
it was made (``VelerianArgumentError``, also a ``ValueError``) and never as a failed
request later.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, cast

import httpx

from .errors import VelerianArgumentError, with_scrubbed_cause
from .redaction import attribute, masked_key, redact_headers
from .retry import RetryPolicy

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "ClientSettings",
    "NotGiven",
    "check_headers",
    "insecure_http",
    "resolve_api_key",
    "resolve_base_url",
    "resolve_max_response_bytes",
    "resolve_timeout",
    "resolve_user_agent",
]

DEFAULT_BASE_URL: Final = "https://app.velerian.ai"
"""The API's origin; ``/api/v2`` is added to it."""

DEFAULT_TIMEOUT: Final = httpx.Timeout(60.0, connect=5.0)
"""Per attempt: 60 s to read (a governed invoke can take a while), 5 s to connect."""


DEFAULT_LIMITS: Final = httpx.Limits(
    max_connections=100, max_keepalive_connections=100, keepalive_expiry=30.0
)
"""Keep every open connection alive, so a burst never has to re-open connections."""

DEFAULT_MAX_RESPONSE_BYTES: Final = 32 * 1024 * 1024
"""The largest API response body a client reads, decoded: 32 MiB (``max_response_bytes``)."""

API_KEY_ENV: Final = "VELERIAN_API_KEY"
BASE_URL_ENV: Final = "VELERIAN_BASE_URL"
API_PREFIX: Final = "/api/v2"

_TOKEN_CHARS: Final = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
"""What an HTTP field name is made of (RFC 9110, section 5.6.2)."""


class NotGiven:
    """
    The type of :data:`NOT_GIVEN`: "keep the current value", distinct from ``None``.

    .. versionadded:: 0.2.0
    """

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Everything a client was configured with, validated."""

    api_key: str
    root: str
    origin: httpx.URL
    timeout: httpx.Timeout | None
    retry: RetryPolicy
    default_headers: Mapping[str, str]
    user_agent: str | None
    allow_insecure_http: bool
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    def __repr__(self) -> str:
        # The generated repr would print the key in full wherever the settings are shown
        # (a debugger, ``vars(client)``, a locals dump in a crash report), and would
        # raise on a half-built instance.
        headers = attribute(self, "default_headers")
        if isinstance(headers, Mapping):
            headers = redact_headers(cast("Mapping[str, str]", headers).items())
        shown = {
            "api_key": masked_key(attribute(self, "api_key")),
            "root": attribute(self, "root"),
            "timeout": attribute(self, "timeout"),
            "retry": attribute(self, "retry"),
            "default_headers": headers,
            "user_agent": attribute(self, "user_agent"),
            "allow_insecure_http": attribute(self, "allow_insecure_http"),
            "max_response_bytes": attribute(self, "max_response_bytes"),
        }
        return f"ClientSettings({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


def resolve_api_key(api_key: str | None) -> str:
    """
    Take the key given, else ``VELERIAN_API_KEY``; refuse a missing or malformed one.

    Args:
        api_key: The key passed to the constructor, if any.

    Returns:
        The key.

    Raises:
        VelerianArgumentError: No key, an empty one, or one with whitespace inside.
    """
    if api_key is None:
        api_key = os.environ.get(API_KEY_ENV)
        if api_key is None:
            msg = (
                f"No API key: pass api_key=... or set the {API_KEY_ENV} environment "
                "variable (keys look like vk_live_...)."
            )
            raise VelerianArgumentError(msg)
        source = f"the {API_KEY_ENV} environment variable"
    else:
        source = "api_key"
    # Callers without a type checker can pass anything. (No second local holds the key:
    # scrubbers of a traceback's locals hide it by the name ``api_key``.)
    if not isinstance(cast("object", api_key), str):
        msg = f"api_key must be a str, got {type(api_key).__name__}"
        raise VelerianArgumentError(msg)
    if not api_key.strip():
        msg = f"{source} is empty: set it to your key (vk_live_...)."
        raise VelerianArgumentError(msg)
    if any(not ("!" <= char <= "~") for char in api_key):
        msg = (
            f"{source} contains whitespace or non-printable characters: check for a "
            "stray newline or space around the key."
        )
        raise VelerianArgumentError(msg)
    return api_key


def resolve_base_url(base_url: str | None, *, allow_insecure_http: bool) -> tuple[str, httpx.URL]:
    """
    Take the URL given, else ``VELERIAN_BASE_URL``, else :data:`DEFAULT_BASE_URL`.

    Args:
        base_url: The URL passed to the constructor, if any.
        allow_insecure_http: Accept plain ``http`` to hosts other than loopback.

    Returns:
        The root (origin plus any path prefix, no trailing slash) and the origin.

    Raises:
        VelerianArgumentError: Not an absolute http(s) URL, or plain http to a remote
            host without ``allow_insecure_http=True``.
    """
    if base_url is None:
        base_url = os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    given = cast("object", base_url)  # callers without a type checker can pass anything
    if not isinstance(given, str) or not given.strip():
        msg = f"base_url must be a non-empty URL; omit it to use {DEFAULT_BASE_URL!r}."
        raise VelerianArgumentError(msg)
    url = _parsed_base_url(base_url)
    if url.scheme not in {"http", "https"} or not url.host:
        msg = f"base_url {base_url!r} must be an absolute http(s) URL such as {DEFAULT_BASE_URL!r}."
        raise VelerianArgumentError(msg)
    if url.username or url.password or url.query or url.fragment:
        msg = f"base_url {base_url!r} must not carry credentials, a query or a fragment."
        raise VelerianArgumentError(msg)
    if insecure_http(url, allow_insecure_http=allow_insecure_http):
        msg = (
            f"base_url {base_url!r} uses plain http to a remote host, which would send "
            "your API key unencrypted. Use https, or pass allow_insecure_http=True for a "
            "trusted private network."
        )
        raise VelerianArgumentError(msg)
    path = url.path.rstrip("/")
    if path.endswith(API_PREFIX):
        path = path[: -len(API_PREFIX)]
    origin = url.copy_with(path="/", query=None, fragment=None)
    return str(origin).rstrip("/") + path, origin


def _parsed_base_url(base_url: str) -> httpx.URL:
    try:
        return httpx.URL(base_url.strip())
    except httpx.InvalidURL as exc:
        msg = f"base_url {base_url!r} is not a valid URL: {exc}"
        failure = with_scrubbed_cause(VelerianArgumentError(msg), exc)
    raise failure


def insecure_http(url: httpx.URL, *, allow_insecure_http: bool) -> bool:
    """
    Tell whether ``url`` is plain http to a remote host that the settings do not allow.

    The one rule for every URL the client sends to: the base URL, and the download and
    upload links the server hands out. Plain ``http`` is allowed to loopback hosts, and
    anywhere with ``allow_insecure_http=True``.

    Args:
        url: The URL about to be used.
        allow_insecure_http: The client's setting.

    Returns:
        True when ``url`` must be refused.
    """
    return url.scheme == "http" and not allow_insecure_http and not is_loopback(url.host)


def is_loopback(host: str) -> bool:
    """
    Tell whether ``host`` is this machine: ``localhost``, 127.0.0.0/8 or ``::1``.

    Args:
        host: A host name or address.

    Returns:
        True for loopback hosts.
    """
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_timeout(
    timeout: float | httpx.Timeout | NotGiven | None, *, injected: bool
) -> httpx.Timeout | None:
    """
    Turn the constructor's ``timeout`` into an :class:`httpx.Timeout`.

    Args:
        timeout: Seconds, an ``httpx.Timeout``, ``None`` for no timeout, or not given.
        injected: Whether the user passed their own ``http_client``; its timeout is
            then kept unless one is given here.

    Returns:
        The timeout to put on each request, or ``None`` to use the http client's.

    Raises:
        VelerianArgumentError: A negative or non-numeric timeout.
    """
    if isinstance(timeout, NotGiven):
        return None if injected else DEFAULT_TIMEOUT
    if timeout is None or isinstance(timeout, httpx.Timeout):
        return httpx.Timeout(timeout)
    given = cast("object", timeout)  # callers without a type checker can pass anything
    if isinstance(given, bool) or not isinstance(given, (int, float)) or given <= 0:
        msg = f"timeout must be a positive number of seconds or an httpx.Timeout, got {timeout!r}"
        raise VelerianArgumentError(msg)
    return httpx.Timeout(float(timeout), connect=min(float(timeout), 5.0))


def check_headers(setting: str, headers: object) -> dict[str, str]:
    """
    Copy a mapping of headers, refusing any that HTTP/1.1 cannot carry.

    A line break would split the header (or be refused by the connection on every
    attempt, which looks like a network failure), and a non-ASCII character cannot be
    encoded at all; both are refused here, once, instead of failing each call.

    Args:
        setting: The argument's name, for the message (``default_headers``).
        headers: What the caller passed.

    Returns:
        A plain ``dict`` copy.

    Raises:
        VelerianArgumentError: Not a mapping of ``str`` to ``str``, a name that is not
            an HTTP token, or a value with a control or non-ASCII character. The value
            is never quoted in the message: it may be a credential.
    """
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        msg = f"{setting} must be a mapping of header names to values, got {type(headers).__name__}"
        raise VelerianArgumentError(msg)
    checked: dict[str, str] = {}
    for name, value in cast("Mapping[object, object]", headers).items():
        if not isinstance(name, str) or not name or not _TOKEN_CHARS.issuperset(name):
            shown = name if isinstance(name, str) else type(name).__name__
            msg = (
                f"{setting} has a header name that HTTP cannot carry: {shown!r} (names are "
                "letters, digits and !#$%&'*+-.^_`|~, without spaces)"
            )
            raise VelerianArgumentError(msg)
        checked[name] = _header_value(f"{setting}[{name!r}]", value)
    return checked


def resolve_user_agent(user_agent: object) -> str | None:
    """
    Check the ``user_agent`` setting.

    Args:
        user_agent: What the caller passed; ``None`` keeps the SDK's own.

    Returns:
        The user agent, or ``None``.

    Raises:
        VelerianArgumentError: Not a ``str``, or a character a header cannot carry.
    """
    return None if user_agent is None else _header_value("user_agent", user_agent)


def _header_value(setting: str, value: object) -> str:
    if not isinstance(value, str):
        msg = f"{setting} must be a str, got {type(value).__name__}"
        raise VelerianArgumentError(msg)
    if not _sendable(value):
        bad = next(char for char in value if not _sendable(char))
        kind = (
            "a line break"
            if bad in "\r\n"
            else "a control character"
            if bad < " " or bad == "\x7f"
            else "a non-ASCII character"
        )
        msg = (
            f"{setting} contains {kind}: HTTP header values must be printable ASCII "
            "(percent-encode or drop anything else)"
        )
        raise VelerianArgumentError(msg)
    return value


def resolve_max_response_bytes(value: int | NotGiven) -> int:
    """
    Check the constructor's ``max_response_bytes``.

    Args:
        value: The largest decoded response body to read, in bytes, or not given.

    Returns:
        The limit (:data:`DEFAULT_MAX_RESPONSE_BYTES` when not given).

    Raises:
        VelerianArgumentError: Not a whole number of at least 1,024 bytes.
    """
    if isinstance(value, NotGiven):
        return DEFAULT_MAX_RESPONSE_BYTES
    given = cast("object", value)  # callers without a type checker can pass anything
    if isinstance(given, bool) or not isinstance(given, int) or given < _MIN_RESPONSE_BYTES:
        msg = (
            f"max_response_bytes must be a whole number of bytes >= {_MIN_RESPONSE_BYTES}, "
            f"got {value!r} (the default is {DEFAULT_MAX_RESPONSE_BYTES})"
        )
        raise VelerianArgumentError(msg)
    return value


def _sendable(value: str) -> bool:
    """Printable ASCII, spaces and tabs: what a header value may hold (no CR, LF, NUL)."""
    return value.isascii() and value.replace("\t", " ").isprintable()


_MIN_RESPONSE_BYTES = 1024
