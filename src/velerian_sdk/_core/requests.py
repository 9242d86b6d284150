"""
Everything both flavours' senders share that does no I/O.

:class:`BaseClient` validates settings, assembles the middleware chain once, turns a
call into an :class:`httpx.Request`, and turns a response into a model or a typed
error. The sync and async senders (``_sync.sender``, ``_async.sender``) add only the
sending and sleeping; the clients hold a sender and add the public methods.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import httpx
import pydantic

from .bodies import ERROR_BODY_EXCERPT
from .calls import Params, QueryValue, encode_json
from .chain import (
    ATTEMPT,
    EXPLICIT_HEADERS,
    NO_AUTH,
    PRESET_HEADERS,
    STARTED,
    STREAM,
    BearerAuth,
    DefaultHeadersMiddleware,
    IdempotencyMiddleware,
    LoggingMiddleware,
    Middleware,
    check_idempotency_key,
)
from .connections import SharedPool
from .errors import (
    VelerianArgumentError,
    VelerianConnectionError,
    VelerianResponseValidationError,
    VelerianTimeoutError,
    error_from_response,
    with_scrubbed_cause,
)
from .http_options import default_http_headers
from .logging import configure_logging_from_env, hide_transfer_queries
from .redaction import fields_repr, redact_url
from .retry import RetryMiddleware, RetryPolicy, check_max_retries, parse_retry_after
from .settings import (
    API_PREFIX,
    NOT_GIVEN,
    ClientSettings,
    NotGiven,
    check_headers,
    resolve_api_key,
    resolve_base_url,
    resolve_max_response_bytes,
    resolve_timeout,
    resolve_user_agent,
)

__all__ = [
    "RESPONSE_KEY",
    "BaseClient",
    "ModelT",
    "ResponseInfo",
    "attach_response",
    "response_info",
]

HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)
ModelT = TypeVar("ModelT")


_EMPTY: frozenset[str] = frozenset()
_CONTENT_TYPE: frozenset[str] = frozenset({"content-type"})
_URL_CACHE_SIZE = 512
"""Parsed URLs kept per client; the cache starts over when it is full."""
_ADAPTERS: dict[object, pydantic.TypeAdapter[Any]] = {}


class BaseClient(Generic[HttpT]):
    """
    Settings, request building and response parsing shared by the two senders.

    Attributes:
        http: The ``httpx`` client requests are built with and sent through; renewed
            from :attr:`pool` after a fork.
        pool: The connection pool this sender shares with ``with_options`` copies.
        generation: The fork generation :attr:`http` belongs to.
        owns_http: Whether closing the client closes :attr:`pool`.
        chain: The middleware chain, built once.
        user_middleware: The caller's own links, as given.
        urls: Parsed API URLs by path (see :meth:`url`).
        query_urls: Parsed API URLs with their query, by path and query (see
            :meth:`url_with_query`).
    """

    http: HttpT
    pool: SharedPool[HttpT]
    generation: int
    owns_http: bool
    chain: tuple[Middleware, ...]
    user_middleware: tuple[Middleware, ...]
    urls: dict[str, httpx.URL]
    query_urls: dict[tuple[str, tuple[tuple[str, str], ...]], httpx.URL]
    _settings: ClientSettings
    _default_headers: httpx.Headers

    @property
    def settings(self) -> ClientSettings:
        """The resolved settings of the client this sender serves."""
        return self._settings

    def configure(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | NotGiven | None,
        max_retries: int | NotGiven,
        default_headers: Mapping[str, str] | None,
        user_agent: str | None,
        middleware: Sequence[Middleware],
        allow_insecure_http: bool,
        injected: bool,
        retry_policy: RetryPolicy | None = None,
        max_response_bytes: int | NotGiven = NOT_GIVEN,
        http_headers: httpx.Headers | None = None,
    ) -> None:
        configure_logging_from_env()
        # Named as the argument, so that scrubbers of locals (Sentry's among them) hide it.
        api_key = resolve_api_key(api_key)
        root, origin = resolve_base_url(base_url, allow_insecure_http=allow_insecure_http)
        retry = retry_policy or RetryPolicy()
        if not isinstance(max_retries, NotGiven):
            check_max_retries(max_retries)
            if retry.max_retries != max_retries:
                retry = dataclasses.replace(retry, max_retries=max_retries)
        links = cast("Sequence[object]", middleware)
        for link in links:
            if not isinstance(link, Middleware):
                msg = f"middleware must be Middleware instances, got {type(link).__name__}"
                raise VelerianArgumentError(msg)
        self._settings = ClientSettings(
            api_key=api_key,
            root=root,
            origin=origin,
            timeout=resolve_timeout(timeout, injected=injected),
            retry=retry,
            default_headers=check_headers("default_headers", default_headers),
            user_agent=resolve_user_agent(user_agent),
            allow_insecure_http=allow_insecure_http,
            max_response_bytes=resolve_max_response_bytes(max_response_bytes),
        )
        self.user_middleware = tuple(middleware)
        self._default_headers = httpx.Headers(default_http_headers(user_agent))
        self._default_headers.update(self._settings.default_headers)
        # A client that builds its own httpx client gives it the PRESET_HEADERS (see
        # _preset_headers), so httpx merges them into every request it builds; so does
        # an injected or shared one for those it already sets to the same values.
        preset: tuple[str, ...] = PRESET_HEADERS
        if injected:
            sent = http_headers or httpx.Headers()
            preset = tuple(n for n in PRESET_HEADERS if sent.get(n) == self._default_headers[n])
        self.chain = self._build_chain(preset=preset)
        self._root_api = f"{root}{API_PREFIX}/"
        self.urls = {}
        self.query_urls = {}

    def preset_headers(self) -> dict[str, str]:
        """The headers of the ``httpx`` client this client builds for itself."""
        return {name: self._default_headers[name] for name in PRESET_HEADERS}

    def _build_chain(self, *, preset: tuple[str, ...]) -> tuple[Middleware, ...]:
        settings = self._settings
        user_call: list[Middleware] = [m for m in self.user_middleware if m.stage == "call"]
        user_attempt: list[Middleware] = [m for m in self.user_middleware if m.stage != "call"]
        attempt_spans: list[Middleware] = []
        if self.user_middleware:
            # Imported only for a client with middleware: the module is not loaded, nor
            # its objects kept, by a program that never traces.
            from .tracing import TracingMiddleware

            # A TracingMiddleware is a call link; its per-attempt spans come from its own
            # link, after auth (which strips the headers of a request to another origin).
            attempt_spans = [
                m.attempt_link(settings.origin)
                for m in self.user_middleware
                if isinstance(m, TracingMiddleware)
            ]
        return (
            DefaultHeadersMiddleware(self._default_headers, preset=preset),
            IdempotencyMiddleware(),
            *user_call,
            RetryMiddleware(settings.retry),
            BearerAuth(settings.api_key, settings.origin),
            *attempt_spans,
            LoggingMiddleware(),
            *user_attempt,
        )

    def url(self, path: str) -> str | httpx.URL:
        """The URL of an API path (parsed once and kept), or a server's link as is."""
        if path.startswith(("http://", "https://")):
            return path  # a link from the server (presigned, say): used once
        url = self.urls.get(path)
        if url is None:
            # Parsing a URL is a large part of what httpx spends building a request;
            # the same API paths come back again and again (an ABP invoked, a run
            # polled), and an httpx.URL is immutable, so parsed ones are kept.
            root = self._settings.root if path[:1] == "/" else self._root_api
            url = httpx.URL(root + path)
            if len(self.urls) >= _URL_CACHE_SIZE:
                self.urls.clear()
            self.urls[path] = url
        return url

    def url_with_query(self, path: str, params: Params) -> str | httpx.URL:
        """
        The URL of an API path with its query (parsed once and kept), or a link as is.

        A call with query parameters (a page of a list, a filter, ``usage.summary``)
        would otherwise have ``httpx`` merge them into the URL and parse it again on
        every call; the same few queries come back again and again.
        """
        query = _query_items(params)
        url = self.url(path)
        if isinstance(url, str):
            return url if not query else httpx.URL(url).copy_merge_params(query)
        if not query:
            return url
        key = (path, query)
        found = self.query_urls.get(key)
        if found is None:
            found = url.copy_merge_params(query)
            if len(self.query_urls) >= _URL_CACHE_SIZE:
                self.query_urls.clear()
            self.query_urls[key] = found
        return found

    def build_request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: object = None,
        content: bytes | Iterator[bytes] | AsyncIterator[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = None,
        stream: bool = False,
        authenticate: bool = True,
    ) -> httpx.Request:
        call_headers = check_headers("headers", headers) if headers else {}
        if json is not None:
            if content is not None:
                msg = "pass either json= or content=, not both"
                raise VelerianArgumentError(msg)
            content = encode_json(json)
        if idempotency_key is not None:
            key = check_idempotency_key(idempotency_key)
            if any(name.lower() == "idempotency-key" for name in call_headers):
                msg = (
                    "pass the idempotency key once, as idempotency_key= or in headers, "
                    "not both: a request with two keys could be billed twice"
                )
                raise VelerianArgumentError(msg)
            call_headers["Idempotency-Key"] = key
        json_body = json is not None and "content-type" not in (k.lower() for k in call_headers)
        explicit = frozenset(k.lower() for k in call_headers) if call_headers else _EMPTY
        if json_body:
            explicit = explicit | _CONTENT_TYPE if explicit else _CONTENT_TYPE
        extensions: dict[str, object] = {EXPLICIT_HEADERS: explicit}
        if stream:
            extensions[STREAM] = True
        if not authenticate:
            extensions[NO_AUTH] = True
        request_timeout = self._settings.timeout
        if not isinstance(timeout, NotGiven) and timeout is not None:
            request_timeout = resolve_timeout(timeout, injected=False)
        try:
            request = self.http.build_request(
                method,
                self.url_with_query(path, params) if params else self.url(path),
                content=content,
                headers=call_headers,
                extensions=extensions,
            )
        except httpx.InvalidURL as exc:
            # A presigned link's query is its signature: keep it out of the message.
            shown = path
            if not authenticate and "?" in path:
                shown = path.partition("?")[0] + "?REDACTED"
            msg = f"cannot build a URL from path {shown!r}: {exc}"
            failure = with_scrubbed_cause(VelerianArgumentError(msg), exc)
        else:
            if not authenticate:
                hide_transfer_queries(request.url)
            if request_timeout is not None:
                request.extensions["timeout"] = request_timeout.as_dict()
            if json_body:
                request.headers["Content-Type"] = "application/json"
            return request
        raise failure

    @staticmethod
    def _raise_for_status(response: httpx.Response) -> httpx.Response:
        if response.is_success:
            return response
        raise error_from_response(response, retry_after=parse_retry_after(response.headers))

    @staticmethod
    def parse(response: httpx.Response, cast_to: type[ModelT]) -> ModelT:
        """Validate a 2xx body straight from bytes into ``cast_to``."""
        try:
            # Only a class has a metaclass. ``issubclass`` refuses a union (``X | None``) on
            # every version and a generic alias (``dict[str, X]``) from 3.13 on; the
            # adapter takes either.
            if issubclass(type(cast_to), type) and issubclass(cast_to, pydantic.BaseModel):
                return cast_to.model_validate_json(response.content)
            return _adapter(cast_to).validate_json(response.content)
        except pydantic.ValidationError as exc:
            errors = [
                f"{'.'.join(map(str, e['loc'])) or '<body>'}: {e['msg']}"
                for e in exc.errors(include_url=False)
            ]
            name = getattr(cast_to, "__name__", str(cast_to))
            request = response.request
            msg = (
                f"{request.method} {request.url.path} answered {response.status_code} with a "
                f"body that is not a valid {name}: {'; '.join(errors[:5])}"
                f" (request id {response.headers.get('x-request-id', '-')})"
            )
            failure = VelerianResponseValidationError(
                msg,
                body=response.content[:ERROR_BODY_EXCERPT],
                request_id=response.headers.get("x-request-id"),
                status_code=response.status_code,
                errors=errors,
            )
            with_scrubbed_cause(failure, exc)
        raise failure


def translate_transport_error(
    exc: httpx.HTTPError, request: httpx.Request
) -> VelerianConnectionError:
    """
    Turn an ``httpx`` failure into the SDK's own error, naming the request.

    Raise the result after the ``except`` block that caught ``exc``: its cause is a
    :class:`ScrubbedCause`, and ``exc`` (which holds the request and its
    ``Authorization`` header) must not become its context.

    Args:
        exc: What ``httpx`` raised.
        request: The request being sent.

    Returns:
        A :class:`VelerianTimeoutError` or :class:`VelerianConnectionError`.
    """
    where = f"{request.method} {redact_url(request.url)}"
    if isinstance(exc, httpx.TimeoutException):
        error: VelerianConnectionError = VelerianTimeoutError(
            f"{where} timed out ({type(exc).__name__})",
            method=request.method,
            url=redact_url(request.url),
        )
    else:
        error = VelerianConnectionError(
            f"{where} failed: {type(exc).__name__}: {exc}",
            method=request.method,
            url=redact_url(request.url),
        )
    return with_scrubbed_cause(error, exc)


def _query_items(params: Params) -> tuple[tuple[str, str], ...]:
    """
    The query's name and value pairs, every value as the text ``httpx`` would send.

    Text, so that the pairs are a safe cache key: ``1``, ``1.0`` and ``True`` are equal
    keys in a dict but ``1``, ``1.0`` and ``true`` on the wire.
    """
    items: list[tuple[str, str]] = []
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            items.extend((name, _query_value(v)) for v in cast("Sequence[str | int]", value))
        else:
            items.append((name, _query_value(cast("QueryValue", value))))
    return tuple(items)


def _query_value(value: QueryValue) -> str:
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            msg = f"datetime {value.isoformat()} has no timezone: pass an aware datetime"
            raise VelerianArgumentError(msg)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:  # in a list: httpx sends an empty value
        return ""
    return str(value)


def _adapter(cast_to: type[ModelT]) -> pydantic.TypeAdapter[ModelT]:
    adapter = _ADAPTERS.get(cast_to)
    if adapter is None:
        adapter = _ADAPTERS[cast_to] = pydantic.TypeAdapter(cast_to)
    return cast("pydantic.TypeAdapter[ModelT]", adapter)


@dataclass(slots=True)
class ResponseInfo:
    """
    The HTTP response a typed result came from: ``result.last_response``.

    Quote :attr:`request_id` to support about a call (a disputed verdict, say); the
    headers hold what else the server said (rate-limit state, server timing).

    Attributes:
        status_code: The HTTP status.
        headers: The response's headers.
        attempts: How many attempts the call made (``1`` when it was not retried).
        elapsed_s: Seconds from the call's start until its body was read, waits
            between attempts included.

    .. versionadded:: 0.2.0
    """

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    status_code: int
    headers: httpx.Headers
    attempts: int
    elapsed_s: float

    @property
    def request_id(self) -> str | None:
        """The server's ``x-request-id`` for the call, if it sent one."""
        found: str | None = self.headers.get("x-request-id")
        return found


def response_info(response: httpx.Response) -> ResponseInfo:
    """
    Describe ``response``, the answer to a typed call whose body was read.

    Args:
        response: The response.

    Returns:
        Its status, headers, and how the call was tried.
    """
    extensions = response.request.extensions
    started: float | None = extensions.get(STARTED)
    return ResponseInfo(
        response.status_code,
        response.headers,
        extensions.get(ATTEMPT, 0) + 1,
        0.0 if started is None else time.monotonic() - started,
    )


RESPONSE_KEY = "_velerian_response"
"""Where a result keeps its :class:`ResponseInfo`: in ``__dict__``, beside the fields."""


def attach_response(model: pydantic.BaseModel, response: httpx.Response) -> None:
    """
    Give a typed result the response it came from (``VelerianModel.last_response``).

    It goes in the instance's ``__dict__`` under a name no field can have, past a frozen
    model's ``__setattr__``: pydantic compares, hashes and dumps fields only.

    Args:
        model: The result.
        response: The response its body came from.
    """
    object.__setattr__(model, RESPONSE_KEY, response_info(response))
