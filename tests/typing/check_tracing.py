"""Tracing as the type checkers see it: TracingMiddleware and the audit entry's trace id."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider
from typing_extensions import assert_type

from velerian_sdk import (
    AsyncVelerianClient,
    AuditLogEntry,
    Middleware,
    TracingMiddleware,
    VelerianClient,
)


def check_tracing(provider: TracerProvider, entry: AuditLogEntry) -> None:
    assert_type(TracingMiddleware(), TracingMiddleware)
    tracing = TracingMiddleware(tracer_provider=provider)
    link: Middleware = tracing
    VelerianClient(middleware=[link])
    AsyncVelerianClient(middleware=[TracingMiddleware()])
    # The provider is keyword-only, and must be a tracer provider.
    TracingMiddleware(provider)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    TracingMiddleware(tracer_provider="global")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    assert_type(entry.traceparent, str | None)
    assert_type(entry.trace_id, str | None)
