"""
OpenTelemetry spans for every call, and the W3C trace context sent to the API.

Nothing here imports OpenTelemetry until a :class:`TracingMiddleware` is built, and a
client without one has no tracing link in its chain: tracing costs nothing unless it is
asked for. With one, a call makes an ``INTERNAL`` span that wraps the retries, and each
attempt a ``CLIENT`` span, its child, as OpenTelemetry's HTTP client conventions ask
(one client span per physical request, ``http.request.resend_count`` on a resend).
The attempt's ``traceparent`` and ``tracestate`` go only to the API's origin
(:func:`~velerian_sdk._core.chain.same_origin`), never to a presigned storage link.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, Final, Literal

import httpx

from .._version import __version__
from .chain import ATTEMPT, TRACE_SPAN, Middleware, MiddlewareFlow, same_origin
from .errors import VelerianArgumentError, with_scrubbed_cause
from .redaction import redact_url

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Span, Tracer, TracerProvider
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

__all__ = ["SCHEMA_URL", "TracingMiddleware", "route_template"]

SCHEMA_URL: Final = "https://opentelemetry.io/schemas/1.26.0"
"""The semantic conventions the attribute names follow (HTTP is stable since 1.23)."""

_MAX_PARSED_BODY = 64 * 1024
"""The largest JSON answer read again for ``velerian.*`` attributes (an invoke is ~1 KiB)."""

_BODY_ATTRIBUTES: Final = (
    ("abp_id", "velerian.abp.id"),
    ("invocation_id", "velerian.invocation.id"),
    ("outcome", "velerian.outcome"),
    ("run_id", "velerian.run.id"),
)
"""Fields of an answer recorded on the call's span, and the attribute each becomes."""

_PATH_ATTRIBUTES: Final = {
    "abps": "velerian.abp.id",
    "invocations": "velerian.invocation.id",
    "runs": "velerian.run.id",
}
"""Collections whose id in the path is recorded: ``/abps/{id}`` gives the ABP's id."""

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


class TracingMiddleware(Middleware):
    """
    Trace every call with OpenTelemetry; needs ``pip install 'velerian-sdk[otel]'``.

    Pass it in the client's ``middleware``. Each call gets a span (kind ``INTERNAL``,
    named ``velerian <METHOD> <route>``) under whatever span is current, and each
    attempt a child span (kind ``CLIENT``) with the HTTP client attributes
    (``http.request.method``, ``url.full`` redacted as in the logs, ``server.address``,
    ``server.port``, ``http.response.status_code``, ``error.type``,
    ``http.request.resend_count`` on a retry) and ``velerian.attempt`` and
    ``velerian.request.id``. The call's span adds what the API answered:
    ``velerian.abp.id``, ``velerian.invocation.id``, ``velerian.outcome``,
    ``velerian.run.id``, ``velerian.request.id`` and ``velerian.attempt`` (the number
    of attempts). Requests to the API carry the attempt's W3C ``traceparent`` and
    ``tracestate``; requests to any other origin (presigned storage links) never do.

    Args:
        tracer_provider: Where spans go; the global provider (set with
            ``opentelemetry.trace.set_tracer_provider``) when ``None``, even one set
            after this is built. Until one is set, calls are not traced (and send no
            trace context), at the cost of one check per call.

    Raises:
        VelerianArgumentError: ``opentelemetry-api`` is not installed.

    Example:
        .. code-block:: python

            from velerian_sdk import TracingMiddleware, VelerianClient

            client = VelerianClient(middleware=[TracingMiddleware()])

    .. versionadded:: 0.3.0
    """

    stage: ClassVar[Literal["call", "attempt"]] = "call"

    def __init__(self, *, tracer_provider: TracerProvider | None = None) -> None:
        try:
            from opentelemetry import trace
            from opentelemetry.trace.propagation.tracecontext import (
                TraceContextTextMapPropagator,
            )
        except ImportError as exc:
            msg = (
                "TracingMiddleware needs OpenTelemetry's API: "
                "pip install 'velerian-sdk[otel]' (or opentelemetry-api)"
            )
            failure = with_scrubbed_cause(VelerianArgumentError(msg), exc)
        else:
            self._tracer: Tracer = trace.get_tracer(
                "velerian_sdk", __version__, tracer_provider, schema_url=SCHEMA_URL
            )
            # Until the application sets a global provider, OpenTelemetry's API hands out
            # spans that record nothing: the call then skips building their attributes.
            self._follows_global = tracer_provider is None
            self._global_provider = trace.get_tracer_provider
            self._unset = trace.ProxyTracerProvider
            # Only W3C trace context: baggage may hold the application's own data, and
            # a global propagator may have been set up for other services' formats.
            self._propagator = TraceContextTextMapPropagator()
            return
        raise failure

    def attempt_link(self, origin: httpx.URL) -> Middleware:
        """
        Return the link that traces each attempt of a client whose API is at ``origin``.

        The client puts it among the per-attempt links, after auth.

        Args:
            origin: The API's origin: the only one that receives the trace context.

        Returns:
            The per-attempt link.
        """
        return _AttemptSpans(self._tracer, self._propagator, origin)

    def flow(self, request: httpx.Request) -> MiddlewareFlow:
        """
        Run the call inside its span.

        Args:
            request: The call's request.

        Returns:
            A generator that passes the request and response through unchanged.
        """
        from opentelemetry.trace import SpanKind, StatusCode

        if self._follows_global and isinstance(self._global_provider(), self._unset):
            return (yield request)
        span = self._tracer.start_span(
            f"velerian {request.method} {route_template(request.url)}",
            kind=SpanKind.INTERNAL,
            attributes=_request_attributes(request),
        )
        request.extensions[TRACE_SPAN] = span
        try:
            try:
                response = yield request
            except Exception as exc:
                if span.is_recording():
                    span.set_attribute("velerian.attempt", request.extensions.get(ATTEMPT, 0) + 1)
                    span.set_attribute("error.type", type(exc).__qualname__)
                    span.set_status(StatusCode.ERROR)
                raise
            if span.is_recording():
                span.set_attribute("velerian.attempt", request.extensions.get(ATTEMPT, 0) + 1)
                _record_response(span, response)
                for key, value in _answer_attributes(request, response).items():
                    span.set_attribute(key, value)
            return response
        finally:
            span.end()


class _AttemptSpans(Middleware):
    """One ``CLIENT`` span per attempt, and the trace context for the API's origin."""

    def __init__(
        self, tracer: Tracer, propagator: TraceContextTextMapPropagator, origin: httpx.URL
    ) -> None:
        self._tracer = tracer
        self._propagator = propagator
        self._origin = origin

    def flow(self, request: httpx.Request) -> MiddlewareFlow:
        from opentelemetry.trace import SpanKind, StatusCode, set_span_in_context

        parent: Span | None = request.extensions.get(TRACE_SPAN)
        if parent is None:  # the call is not traced: no provider is set yet
            return (yield request)
        context: Context = set_span_in_context(parent)
        resends: int = request.extensions.get(ATTEMPT, 0)
        attributes = _request_attributes(request)
        attributes["velerian.attempt"] = resends + 1
        if resends:
            attributes["http.request.resend_count"] = resends
        on_api = same_origin(request.url, self._origin)
        name = request.method
        if on_api:
            template = route_template(request.url)
            attributes["url.template"] = template
            name = f"{name} {template}"
        span = self._tracer.start_span(
            name, context=context, kind=SpanKind.CLIENT, attributes=attributes
        )
        try:
            if on_api:
                self._propagator.inject(request.headers, context=set_span_in_context(span))
            else:
                # BearerAuth has stripped the client's headers already; a traceparent
                # the call passed itself still stays off another host.
                for header in ("traceparent", "tracestate"):
                    if header in request.headers:
                        del request.headers[header]
            try:
                response = yield request
            except Exception as exc:
                if span.is_recording():
                    span.set_attribute("error.type", type(exc).__qualname__)
                    span.set_status(StatusCode.ERROR)
                raise
            if span.is_recording():
                _record_response(span, response)
                request_id = response.headers.get("x-request-id")
                if request_id is not None:
                    span.set_attribute("velerian.request.id", request_id)
            return response
        finally:
            span.end()


def route_template(url: httpx.URL) -> str:
    """
    The URL's path with every id replaced by ``{id}``: a span name of low cardinality.

    A segment of lower-case words joined by hyphens (``abps``, ``invoke``,
    ``audit-log``) or a version (``v2``) is a route's own; anything else
    (``abp_7f3c``, a uuid, a storage key) is an id.

    Args:
        url: The request's URL.

    Returns:
        For example ``/api/v2/abps/{id}/invoke``.
    """
    return "/".join(
        segment if not segment or _ROUTE_SEGMENT.fullmatch(segment) else "{id}"
        for segment in url.path.split("/")
    )


_ROUTE_SEGMENT = re.compile(r"[a-z]+(?:-[a-z]+)*|v[0-9]+")


def _request_attributes(request: httpx.Request) -> dict[str, str | int]:
    url = request.url
    return {
        "http.request.method": request.method,
        "url.full": redact_url(url),
        "server.address": url.host,
        "server.port": url.port or _DEFAULT_PORTS.get(url.scheme, 0),
    }


def _record_response(span: Span, response: httpx.Response) -> None:
    from opentelemetry.trace import StatusCode

    status = response.status_code
    span.set_attribute("http.response.status_code", status)
    if status >= 400:
        # The conventions' error.type for an HTTP error is the status code itself; a
        # client span is in error on any 4xx or 5xx (the SDK raises for both).
        span.set_attribute("error.type", str(status))
        span.set_status(StatusCode.ERROR)


def _answer_attributes(request: httpx.Request, response: httpx.Response) -> dict[str, str]:
    """The ``velerian.*`` facts of a call: ids from its path and its JSON answer."""
    found: dict[str, str] = {}
    segments = request.url.path.split("/")
    for collection, segment in itertools.pairwise(segments):
        key = _PATH_ATTRIBUTES.get(collection)
        if key is not None and segment:
            found[key] = segment
    request_id = response.headers.get("x-request-id")
    if request_id is not None:
        found["velerian.request.id"] = request_id
    if (
        response.is_success
        and response.is_stream_consumed
        and response.headers.get("content-type", "").startswith("application/json")
        and len(response.content) <= _MAX_PARSED_BODY
    ):
        try:
            body: object = json.loads(response.content)
        except ValueError:
            return found
        if isinstance(body, Mapping):
            fields: Mapping[str, object] = body  # pyright: ignore[reportUnknownVariableType]
            for field, key in _BODY_ATTRIBUTES:
                value = fields.get(field)
                if isinstance(value, str):
                    found[key] = value
    return found
