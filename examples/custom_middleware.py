"""
Add your own middleware: a tracing header on every attempt, and per-call timings.

Reads VELERIAN_API_KEY and VELERIAN_BASE_URL from the environment.
"""

from __future__ import annotations

import secrets
import time

import httpx

from velerian_sdk import Middleware, MiddlewareFlow, VelerianClient


class TraceContext(Middleware):
    """Send a W3C `traceparent` header; every attempt of a call shares the trace id."""

    def __init__(self) -> None:
        self.trace_id = secrets.token_hex(16)

    def on_request(self, request: httpx.Request) -> None:
        span = secrets.token_hex(8)
        request.headers["traceparent"] = f"00-{self.trace_id}-{span}-01"


class CallTimer(Middleware):
    """Time each call from the caller's view: retries and their sleeps included."""

    stage = "call"

    def __init__(self) -> None:
        self.timings: list[tuple[str, str, int, float]] = []

    def flow(self, request: httpx.Request) -> MiddlewareFlow:
        started = time.perf_counter()
        response = yield request
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.timings.append((request.method, request.url.path, response.status_code, elapsed_ms))
        return response


def main() -> None:
    timer = CallTimer()
    tracing = TraceContext()
    with VelerianClient(middleware=[tracing, timer]) as client:
        client.abps.list(limit=5)
        client.usage.summary()
        client.plans.list()
    print(f"trace id {tracing.trace_id}")
    for method, path, status, elapsed in timer.timings:
        print(f"{method:<6} {path:<28} {status}  {elapsed:6.1f} ms")


if __name__ == "__main__":
    main()
