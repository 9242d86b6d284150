"""
The checks and defaults behind ``default_http_client`` and its async twin.

Both flavours build their ``httpx`` client from what this module resolves: the SDK's
timeouts, limits and request headers, and the user's proxy, TLS context and HTTP/2
choice, each checked before anything is built so that a mistake is a
:class:`~velerian_sdk.VelerianArgumentError` naming the option, not an ``httpx`` or
``ImportError`` from deep inside the first request.
"""

from __future__ import annotations

import importlib.util
import ssl
from dataclasses import dataclass
from typing import cast

import httpcore
import httpx

from .bodies import ACCEPT_ENCODING
from .errors import VelerianArgumentError, with_scrubbed_cause
from .identity import ATTEMPT_HEADER, CLIENT_HEADER, FIRST_ATTEMPT, USER_AGENT, client_identity
from .redaction import fields_repr
from .settings import resolve_timeout

__all__ = [
    "HTTPCORE_ERRORS",
    "HttpOptions",
    "as_httpx_error",
    "default_http_headers",
    "resolve_http_options",
]

_PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def default_http_headers(user_agent: str | None = None) -> dict[str, str]:
    """
    Return the headers the SDK puts on every request to the API, as an ``httpx`` default.

    A client whose ``httpx`` client already sends these exact values leaves them to
    ``httpx``'s header merging and does no header work of its own per call.

    Args:
        user_agent: The ``User-Agent``; the SDK's own when ``None``.

    Returns:
        ``User-Agent``, ``Accept``, ``Accept-Encoding``, ``X-Velerian-Client`` and the
        first attempt's ``X-Velerian-Attempt``.
    """
    return {
        "User-Agent": user_agent or USER_AGENT,
        "Accept": "application/json",
        # Only what _content_decoding inflates in bounded steps: httpx would otherwise
        # offer br and zstd whenever their packages are installed.
        "Accept-Encoding": ACCEPT_ENCODING,
        CLIENT_HEADER: client_identity(),
        # The first attempt's number rides with the defaults, which cost nothing more
        # per call; the retry link sets it on each later attempt.
        ATTEMPT_HEADER: FIRST_ATTEMPT,
    }


@dataclass(frozen=True, slots=True)
class HttpOptions:
    """
    The checked options of a ``default_http_client`` call.

    Attributes:
        timeout: The ``httpx`` client's timeout.
        limits: Its connection limits.
        proxy: The proxy to send every request through, or ``None``.
        ssl_context: The TLS context for the API's connections (and an ``https`` proxy's).
        http2: Whether to offer HTTP/2 over TLS.
    """

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    timeout: httpx.Timeout
    limits: httpx.Limits
    proxy: httpx.Proxy | None
    ssl_context: ssl.SSLContext
    http2: bool


def resolve_http_options(
    *,
    timeout: object,
    limits: object,
    proxy: object,
    ssl_context: object,
    http2: object,
) -> HttpOptions:
    """
    Check the options of ``default_http_client`` and fill in the SDK's defaults.

    Args:
        timeout: Seconds, an ``httpx.Timeout`` or ``None``, as the clients' ``timeout``.
        limits: An ``httpx.Limits``.
        proxy: A proxy URL (``str`` or ``httpx.URL``), an ``httpx.Proxy``, or ``None``.
        ssl_context: An ``ssl.SSLContext``, or ``None`` for ``httpx``'s default (certifi).
        http2: Whether to offer HTTP/2.

    Returns:
        The options, checked.

    Raises:
        VelerianArgumentError: An option of the wrong type, a proxy URL that cannot be
            parsed or whose scheme is not ``http``, ``https``, ``socks5`` or ``socks5h``,
            or an option whose package is missing (``h2`` for HTTP/2, ``socksio`` for
            a SOCKS proxy).
    """
    resolved = resolve_timeout(cast("float | httpx.Timeout | None", timeout), injected=False)
    assert resolved is not None  # only "not given" resolves to None
    if not isinstance(limits, httpx.Limits):
        msg = f"limits must be an httpx.Limits, got {type(limits).__name__}"
        raise VelerianArgumentError(msg)
    if ssl_context is not None and not isinstance(ssl_context, ssl.SSLContext):
        msg = f"ssl_context must be an ssl.SSLContext or None, got {type(ssl_context).__name__}"
        raise VelerianArgumentError(msg)
    if not isinstance(http2, bool):
        msg = f"http2 must be a bool, got {type(http2).__name__}"
        raise VelerianArgumentError(msg)
    if http2:
        _require("h2", "http2=True", "httpx[http2]")
    checked = _proxy(proxy)
    if checked is not None and checked.url.scheme.startswith("socks"):
        _require("socksio", "a SOCKS proxy", "httpx[socks]")
    return HttpOptions(
        timeout=resolved,
        limits=limits,
        proxy=checked,
        ssl_context=ssl_context or httpx.create_ssl_context(),
        http2=http2,
    )


def _proxy(proxy: object) -> httpx.Proxy | None:
    if proxy is None or isinstance(proxy, httpx.Proxy):
        return proxy
    if not isinstance(proxy, (str, httpx.URL)):
        msg = (
            "proxy must be a URL (str or httpx.URL), an httpx.Proxy or None, "
            f"got {type(proxy).__name__}"
        )
        raise VelerianArgumentError(msg)
    try:
        url = httpx.URL(proxy)
    except httpx.InvalidURL as exc:
        # The URL may carry the proxy's password: name the problem, never the value.
        msg = f"proxy is not a valid URL ({exc})"
        failure = with_scrubbed_cause(VelerianArgumentError(msg), exc)
    else:
        if url.scheme not in _PROXY_SCHEMES or not url.host:
            msg = (
                f"proxy must be a URL with a host and one of the schemes "
                f"{', '.join(_PROXY_SCHEMES)}; got scheme {url.scheme!r}"
            )
            raise VelerianArgumentError(msg)
        return httpx.Proxy(url)
    raise failure


def _require(package: str, option: str, extra: str) -> None:
    if importlib.util.find_spec(package) is None:
        msg = f"{option} needs the {package!r} package: pip install '{extra}'"
        raise VelerianArgumentError(msg)


_HTTPX_TWINS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)
"""Each ``httpcore`` error and the ``httpx`` error raised for it, most specific first."""

HTTPCORE_ERRORS: tuple[type[Exception], ...] = tuple(kind for kind, _ in _HTTPX_TWINS)


def as_httpx_error(exc: Exception, request: httpx.Request) -> httpx.TransportError:
    """The ``httpx`` twin of an ``httpcore`` error, to raise after the ``except`` block."""
    twin = next(target for kind, target in _HTTPX_TWINS if isinstance(exc, kind))
    error = twin(str(exc), request=request)
    error.__cause__ = exc
    return error
