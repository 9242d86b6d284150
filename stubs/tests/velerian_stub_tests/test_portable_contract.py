"""The contract's shapes are ones code generators read as the stub means them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.routing import Route

from velerian_stub.http.app import create_app
from velerian_stub.http.portable_contract import make_portable
from velerian_stub.openapi import render_openapi
from velerian_stub.service.config import StubConfig
from velerian_stub.service.context import context_of

OPTIONAL_BODIES = [
    ("/api/v2/approvals/{approval_id}/approve", "ApprovalDecision"),
    ("/api/v2/approvals/{approval_id}/reject", "ApprovalDecision"),
    ("/api/v2/pack-runs/{run_id}/share", "ShareRequest"),
]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(render_openapi())
    return loaded


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


@pytest.mark.parametrize(("path", "model"), OPTIONAL_BODIES)
def test_an_optional_body_is_absent_or_the_object(
    spec: dict[str, Any], path: str, model: str
) -> None:
    # `anyOf: [model, null]` made generated clients send their "unset" marker.
    body = spec["paths"][path]["post"]["requestBody"]
    assert body["required"] is False
    assert body["content"] == {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}
    }


def test_no_request_body_is_declared_nullable(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            assert {"type": "null"} not in media["schema"].get("anyOf", []), (method, path)


def test_each_answer_has_one_decoding(spec: dict[str, Any]) -> None:
    # A generator picks one media type per status and decodes every answer by it: the
    # export file declared as JSON and NDJSON under one 200 was JSON-parsed as jsonl.
    for path, method, operation in operations(spec):
        for code, response in operation["responses"].items():
            assert len(response.get("content", {})) <= 1, (method, path, code)


@pytest.mark.parametrize(
    "path", ["/api/v2/exports/{export_id}/content", "/_storage/exports/{export_id}"]
)
def test_export_files_are_declared_as_bytes(spec: dict[str, Any], path: str) -> None:
    ok = spec["paths"][path]["get"]["responses"]["200"]
    assert ok["content"] == {
        "application/octet-stream": {"schema": {"format": "binary", "type": "string"}}
    }
    assert {"Content-Length", "Content-Disposition"} <= set(ok["headers"])


def test_every_method_the_stub_serves_is_in_the_contract(spec: dict[str, Any]) -> None:
    app = create_app(StubConfig(db_path=":memory:"))
    try:
        served = {
            (route.path, method.lower())
            for route in app.routes
            if isinstance(route, Route) and route.path.startswith(("/api/", "/_storage/"))
            for method in route.methods or ()
        }
    finally:
        context_of(app).close()
    declared = {(path, method) for path, method, _ in operations(spec)}
    assert served - declared == set()
    assert {
        ("/api/v2/exports/{export_id}/content", "head"),
        ("/_storage/exports/{export_id}", "head"),
    } <= declared


def test_head_answers_are_declared_without_a_body(spec: dict[str, Any]) -> None:
    heads = [operation for _, method, operation in operations(spec) if method == "head"]
    assert len(heads) == 2
    for operation in heads:
        assert operation["operationId"].startswith("head_")
        for response in operation["responses"].values():
            assert "content" not in response


def test_make_portable_is_idempotent(spec: dict[str, Any]) -> None:
    again = json.loads(json.dumps(spec))
    assert make_portable(again) == spec
