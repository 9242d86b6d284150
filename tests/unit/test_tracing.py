"""
OpenTelemetry tracing: a span per call, a child span per attempt, and the trace context.

Each test gets its own tracer provider with the OpenTelemetry SDK's in-memory exporter,
passed to :class:`TracingMiddleware`: the global provider can be set once per process,
and a test that set it would trace every later test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanContext, SpanKind, StatusCode

from tests.conftest import Harness
from tests.unit.api_samples import invoke_result
from tests.unit.test_transfer_safety import Export, Storage, ok, run_download, run_upload
from velerian_sdk import (
    TracingMiddleware,
    VelerianConnectionError,
    VelerianNotFoundError,
)
from velerian_sdk._core.chain import TRACE_SPAN
from velerian_sdk._core.tracing import route_template

pytestmark = pytest.mark.timeout(10)

ROOT = Path(__file__).resolve().parents[2]


class Traced:
    """A tracer provider of the test's own and the spans it finished."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.middleware = TracingMiddleware(tracer_provider=self.provider)

    def spans(self, kind: SpanKind) -> list[ReadableSpan]:
        return [s for s in self.exporter.get_finished_spans() if s.kind is kind]

    def call(self) -> ReadableSpan:
        (span,) = [s for s in self.spans(SpanKind.INTERNAL) if s.name.startswith("velerian ")]
        return span


@pytest.fixture
def traced() -> Iterator[Traced]:
    t = Traced()
    yield t
    t.provider.shutdown()


def invoked(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=invoke_result(), headers={"x-request-id": "req_ok"})


def test_a_call_has_a_span_and_its_attempt_a_client_span(harness: Harness, traced: Traced) -> None:
    client = harness.client(invoked, middleware=[traced.middleware])
    harness.run(client.abps.invoke("abp_7", payload={"prompt": "hi"}))
    call = traced.call()
    (attempt,) = traced.spans(SpanKind.CLIENT)
    assert call.name == "velerian POST /api/v2/abps/{id}/invoke"
    assert attempt.name == "POST /api/v2/abps/{id}/invoke"
    assert attempt.parent is not None
    assert attempt.parent.span_id == context_of(call).span_id
    assert dict(attempt.attributes or {}) == {
        "http.request.method": "POST",
        "url.full": "https://api.test/api/v2/abps/abp_7/invoke",
        "url.template": "/api/v2/abps/{id}/invoke",
        "server.address": "api.test",
        "server.port": 443,
        "http.response.status_code": 200,
        "velerian.attempt": 1,
        "velerian.request.id": "req_ok",
    }
    assert dict(call.attributes or {}) == {
        "http.request.method": "POST",
        "url.full": "https://api.test/api/v2/abps/abp_7/invoke",
        "server.address": "api.test",
        "server.port": 443,
        "http.response.status_code": 200,
        "velerian.attempt": 1,
        "velerian.abp.id": "abp_7",
        "velerian.invocation.id": "inv_1",
        "velerian.outcome": "allowed",
        "velerian.request.id": "req_ok",
    }
    assert call.status.status_code is StatusCode.UNSET


def test_a_retried_call_shows_each_attempt(harness: Harness, traced: Traced) -> None:
    statuses = iter([503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        if next(statuses) == 503:
            return httpx.Response(503, headers={"x-request-id": "req_1"})
        return invoked(request)

    client = harness.client(handler, middleware=[traced.middleware])
    harness.run(client.abps.invoke("abp_7", payload={}))
    first, second = traced.spans(SpanKind.CLIENT)
    assert first.attributes is not None
    assert second.attributes is not None
    assert first.attributes["http.response.status_code"] == 503
    assert first.attributes["error.type"] == "503"
    assert first.status.status_code is StatusCode.ERROR
    assert "http.request.resend_count" not in first.attributes
    assert second.attributes["http.request.resend_count"] == 1
    assert second.attributes["velerian.attempt"] == 2
    assert second.attributes["velerian.request.id"] == "req_ok"
    call = traced.call()
    assert call.attributes is not None
    assert call.attributes["velerian.attempt"] == 2
    assert call.status.status_code is StatusCode.UNSET
    # Each attempt carried its own span's context: the API can tell the two apart.
    sent = [r.headers["traceparent"] for r in harness.requests]
    assert sent == [traceparent(first), traceparent(second)]


def test_an_error_answer_marks_both_spans(harness: Harness, traced: Traced) -> None:
    client = harness.client(
        lambda r: httpx.Response(404, json={"detail": "no"}), middleware=[traced.middleware]
    )
    with pytest.raises(VelerianNotFoundError):
        harness.run(client.abps.retrieve("abp_gone"))
    (attempt,) = traced.spans(SpanKind.CLIENT)
    call = traced.call()
    for span in (attempt, call):
        assert span.attributes is not None
        assert span.attributes["error.type"] == "404"
        assert span.attributes["http.response.status_code"] == 404
        assert span.status.status_code is StatusCode.ERROR


def test_a_connection_error_marks_both_spans(harness: Harness, traced: Traced) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = harness.client(refuse, middleware=[traced.middleware], max_retries=1)
    with pytest.raises(VelerianConnectionError):
        harness.run(client.abps.retrieve("abp_1"))
    attempts = traced.spans(SpanKind.CLIENT)
    assert len(attempts) == 2
    call = traced.call()
    for span in (*attempts, call):
        assert span.attributes is not None
        assert span.attributes["error.type"] == "VelerianConnectionError"
        assert "http.response.status_code" not in span.attributes
        assert span.status.status_code is StatusCode.ERROR
    assert call.attributes is not None
    assert call.attributes["velerian.attempt"] == 2


def test_the_call_span_is_a_child_of_the_current_span(harness: Harness, traced: Traced) -> None:
    client = harness.client(invoked, middleware=[traced.middleware])
    tracer = traced.provider.get_tracer("test")
    with tracer.start_as_current_span("outer") as outer:
        harness.run(client.abps.invoke("abp_7", payload={}))
    call = traced.call()
    assert call.parent is not None
    assert call.parent.span_id == outer.get_span_context().span_id
    assert context_of(call).trace_id == outer.get_span_context().trace_id


def context_of(span: ReadableSpan) -> SpanContext:
    context: SpanContext | None = span.context
    assert context is not None
    return context


def traceparent(span: ReadableSpan) -> str:
    context = context_of(span)
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"


def test_the_api_receives_the_attempt_s_traceparent(harness: Harness, traced: Traced) -> None:
    client = harness.client(invoked, middleware=[traced.middleware])
    harness.run(client.abps.invoke("abp_7", payload={}))
    (attempt,) = traced.spans(SpanKind.CLIENT)
    (sent,) = harness.requests
    assert sent.headers["traceparent"] == traceparent(attempt)


def test_a_presigned_download_gets_no_trace_context(
    harness: Harness, traced: Traced, tmp_path: Path
) -> None:
    client = harness.client(ok, middleware=[traced.middleware])
    tracer = traced.provider.get_tracer("test")
    with tracer.start_as_current_span("outer"):
        run_download(harness, client, Export(), tmp_path / "e.json")
    (get,) = harness.requests
    assert "traceparent" not in get.headers
    assert "tracestate" not in get.headers
    (attempt,) = traced.spans(SpanKind.CLIENT)
    assert attempt.name == "GET"
    assert attempt.attributes is not None
    assert attempt.attributes["url.full"] == "https://storage.test/exports/exp_1?sig=REDACTED"
    assert "url.template" not in attempt.attributes


def test_a_presigned_upload_gets_no_trace_context(harness: Harness, traced: Traced) -> None:
    client = harness.client(Storage("https://store.test/u?sig=s"), middleware=[traced.middleware])
    run_upload(harness, client)
    methods = [(r.method, r.url.host, "traceparent" in r.headers) for r in harness.requests]
    assert methods == [
        ("POST", "api.test", True),
        ("PUT", "store.test", False),
        ("POST", "api.test", True),
    ]


def test_a_traceparent_passed_by_the_call_stays_off_another_host(
    harness: Harness, traced: Traced
) -> None:
    client = harness.client(lambda r: httpx.Response(200, json={}), middleware=[traced.middleware])
    harness.run(client.get("https://elsewhere.test/x", headers={"traceparent": "00-" + "1" * 49}))
    (sent,) = harness.requests
    assert "traceparent" not in sent.headers


def test_a_client_without_tracing_has_no_tracing_link(harness: Harness) -> None:
    client = harness.client(invoked)
    chain = client._sender.chain  # pyright: ignore[reportPrivateUsage]
    assert not [m for m in chain if type(m).__module__ == "velerian_sdk._core.tracing"]
    harness.run(client.abps.invoke("abp_7", payload={}))
    (sent,) = harness.requests
    assert "traceparent" not in sent.headers


def test_tracing_links_sit_around_the_retries(harness: Harness, traced: Traced) -> None:
    client = harness.client(invoked, middleware=[traced.middleware])
    names = [type(m).__name__ for m in client._sender.chain]  # pyright: ignore[reportPrivateUsage]
    assert names == [
        "DefaultHeadersMiddleware",
        "IdempotencyMiddleware",
        "TracingMiddleware",
        "RetryMiddleware",
        "BearerAuth",
        "_AttemptSpans",
        "LoggingMiddleware",
    ]


@pytest.mark.parametrize(
    ("url", "template"),
    [
        ("https://api.test/api/v2/abps/abp_7/invoke", "/api/v2/abps/{id}/invoke"),
        ("https://api.test/api/v2/audit-log", "/api/v2/audit-log"),
        ("https://api.test/api/v2/runs/3f2c9a41-d07e-4b3c-8a6e-1f09b2c4d5e6", "/api/v2/runs/{id}"),
        ("https://api.test/", "/"),
    ],
)
def test_route_templates_hide_ids(url: str, template: str) -> None:
    assert route_template(httpx.URL(url)) == template


_NO_OTEL = """
import importlib.abc, json, sys

class NoOpenTelemetry(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "opentelemetry" or name.startswith("opentelemetry."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

if sys.argv[1] == "absent":
    sys.meta_path.insert(0, NoOpenTelemetry())

import httpx
import velerian_sdk

seen = {"after_import": sorted(m for m in sys.modules if m.startswith("opentelemetry"))}
transport = httpx.MockTransport(lambda r: httpx.Response(200, json={"items": []}))
with velerian_sdk.VelerianClient(
    api_key="vk_live_" + "x" * 40,
    base_url="https://api.test",
    http_client=httpx.Client(transport=transport),
) as client:
    client.get("plans")
seen["after_call"] = sorted(m for m in sys.modules if m.startswith("opentelemetry"))
seen["tracing_module"] = "velerian_sdk._core.tracing" in sys.modules
try:
    velerian_sdk.TracingMiddleware()
except velerian_sdk.VelerianArgumentError as exc:
    seen["error"] = str(exc)
print(json.dumps(seen))
"""


@pytest.mark.parametrize("extra", ["absent", "installed"])
def test_nothing_of_opentelemetry_is_imported_without_a_tracing_middleware(extra: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-c", _NO_OTEL, extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=True,
    )
    seen = json.loads(done.stdout)
    assert seen["after_import"] == []
    assert seen["after_call"] == []
    assert seen["tracing_module"] is False
    if extra == "absent":
        assert "pip install 'velerian-sdk[otel]'" in seen["error"]
    else:
        assert "error" not in seen


def test_without_a_provider_a_call_is_not_traced(harness: Harness) -> None:
    if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        pytest.skip("this process has set a global tracer provider")
    client = harness.client(invoked, middleware=[TracingMiddleware()])
    harness.run(client.abps.invoke("abp_7", payload={}))
    (sent,) = harness.requests
    assert "traceparent" not in sent.headers
    assert sent.extensions.get(TRACE_SPAN) is None


_GLOBAL_LATER = """
import httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
import velerian_sdk

sent = []
def answer(request):
    sent.append(request.headers.get("traceparent"))
    return httpx.Response(200, json={"items": []})

client = velerian_sdk.VelerianClient(
    api_key="vk_live_" + "x" * 40,
    base_url="https://api.test",
    middleware=[velerian_sdk.TracingMiddleware()],
    http_client=httpx.Client(transport=httpx.MockTransport(answer)),
)
client.get("plans")
exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
client.get("plans")
print(sent[0] is None, sent[1] is not None, [s.name for s in exporter.get_finished_spans()])
"""


def test_a_global_provider_set_after_the_client_is_used() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-c", _GLOBAL_LATER],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=True,
    )
    assert done.stdout.split("\n")[0] == (
        "True True ['GET /api/v2/plans', 'velerian GET /api/v2/plans']"
    )
