"""Every namespace method on both clients: the request it sends and the model it returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
import pytest

from tests.conftest import BASE, Harness
from tests.unit import api_samples as s
from velerian_sdk import (
    Abp,
    ApiKey,
    Approval,
    AsyncVelerianClient,
    Attachment,
    AuditLogEntry,
    CreatedApiKey,
    EvidenceExport,
    InvokeResult,
    JSONObject,
    Plan,
    UsageSummary,
    VelerianArgumentError,
    VelerianClient,
    VelerianConflictError,
    VelerianResponseValidationError,
)

Client = VelerianClient | AsyncVelerianClient
UTC = dt.timezone.utc


@dataclass
class Case:
    """One call, the request it must produce, and what it must return."""

    call: Callable[[Client], object]
    method: str
    path: str
    answer: JSONObject | None
    returns: type
    params: dict[str, str] = field(default_factory=dict[str, str])
    body: object = None
    status: int = 200


CASES: dict[str, Case] = {
    "abps.list": Case(
        lambda c: c.abps.list(status="deployed", limit=10, offset=20),
        "GET",
        "/api/v2/abps",
        s.page([s.abp()], limit=10, offset=20, total=21),
        Abp,
        params={"status": "deployed", "limit": "10", "offset": "20"},
    ),
    "abps.retrieve": Case(
        lambda c: c.abps.retrieve("abp_1"), "GET", "/api/v2/abps/abp_1", s.abp(), Abp
    ),
    "abps.invoke": Case(
        lambda c: c.abps.invoke("abp_1", payload={"prompt": "Hi"}, idempotency_key="k-1"),
        "POST",
        "/api/v2/abps/abp_1/invoke",
        s.invoke_result(),
        InvokeResult,
        body={"payload": {"prompt": "Hi"}},
    ),
    "evidence.for_invocation": Case(
        lambda c: c.evidence.for_invocation("abp_1", "inv_1", format="jsonl", delivery="stream"),
        "GET",
        "/api/v2/abps/abp_1/invocations/inv_1/evidence",
        s.export(),
        EvidenceExport,
        params={"format": "jsonl", "delivery": "stream"},
    ),
    "evidence.package(str)": Case(
        lambda c: c.evidence.package("abp_1", since="2025-03-01T00:00:00Z"),
        "GET",
        "/api/v2/abps/abp_1/evidence-package",
        s.export(artifact_kind="evidence_package"),
        EvidenceExport,
        params={"since": "2025-03-01T00:00:00Z"},
    ),
    "evidence.package(datetime)": Case(
        lambda c: c.evidence.package(
            "abp_1", since=dt.datetime(2025, 3, 1, tzinfo=UTC), format="json"
        ),
        "GET",
        "/api/v2/abps/abp_1/evidence-package",
        s.export(artifact_kind="evidence_package"),
        EvidenceExport,
        params={"since": "2025-03-01T00:00:00+00:00", "format": "json"},
    ),
    "audit.list": Case(
        lambda c: c.audit.list(
            action="abp.invoke",
            resource_kind="abp",
            resource_id="abp_1",
            actor_user_id="usr_1",
            since="2025-03-01",
            until=dt.datetime(2025, 4, 1, tzinfo=UTC),
        ),
        "GET",
        "/api/v2/audit-log",
        s.page([s.audit_entry()], limit=50, offset=0, total=1),
        AuditLogEntry,
        params={
            "action": "abp.invoke",
            "resource_kind": "abp",
            "resource_id": "abp_1",
            "actor_user_id": "usr_1",
            "since": "2025-03-01",
            "until": "2025-04-01T00:00:00+00:00",
            "limit": "50",
            "offset": "0",
        },
    ),
    "api_keys.create": Case(
        lambda c: c.api_keys.create(
            name="ci", scopes=["runs:read"], expires_at=dt.datetime(2026, 1, 1, tzinfo=UTC)
        ),
        "POST",
        "/api/v2/api-keys",
        s.created_api_key(),
        CreatedApiKey,
        body={"name": "ci", "scopes": ["runs:read"], "expires_at": "2026-01-01T00:00:00+00:00"},
        status=201,
    ),
    "api_keys.list": Case(
        lambda c: c.api_keys.list(limit=5),
        "GET",
        "/api/v2/api-keys",
        s.page([s.api_key()], limit=5, offset=0, total=1),
        ApiKey,
        params={"limit": "5", "offset": "0"},
    ),
    "api_keys.revoke": Case(
        lambda c: c.api_keys.revoke("key_1"),
        "DELETE",
        "/api/v2/api-keys/key_1",
        None,
        type(None),
        status=204,
    ),
    "usage.summary": Case(
        lambda c: c.usage.summary(evidence_limit=2, evidence_offset=4),
        "GET",
        "/api/v2/usage/summary",
        s.usage([s.evidence_row(5)], limit=2, offset=4),
        UsageSummary,
        params={"evidence_limit": "2", "evidence_offset": "4"},
    ),
    "usage.summary()": Case(
        lambda c: c.usage.summary(), "GET", "/api/v2/usage/summary", s.usage(), UsageSummary
    ),
    "approvals.list": Case(
        lambda c: c.approvals.list(status="pending"),
        "GET",
        "/api/v2/approvals",
        s.page([s.approval()], limit=50, offset=0, total=1),
        Approval,
        params={"status": "pending", "limit": "50", "offset": "0"},
    ),
    "approvals.retrieve": Case(
        lambda c: c.approvals.retrieve("apr_1"),
        "GET",
        "/api/v2/approvals/apr_1",
        s.approval(),
        Approval,
    ),
    "approvals.approve": Case(
        lambda c: c.approvals.approve("apr_1", note="ok"),
        "POST",
        "/api/v2/approvals/apr_1/approve",
        s.approval(status="approved", note="ok"),
        Approval,
        body={"note": "ok"},
    ),
    "approvals.reject": Case(
        lambda c: c.approvals.reject("apr_1"),
        "POST",
        "/api/v2/approvals/apr_1/reject",
        s.approval(status="rejected"),
        Approval,
    ),
    "plans.list": Case(
        lambda c: c.plans.list(),
        "GET",
        "/api/v2/plans",
        s.page([s.plan()], limit=50, offset=0, total=1),
        Plan,
        params={"limit": "50", "offset": "0"},
    ),
    "attachments.retrieve": Case(
        lambda c: c.attachments.retrieve("att_1"),
        "GET",
        "/api/v2/run-attachments/att_1",
        s.attachment(),
        Attachment,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_request_and_result(harness: Harness, name: str) -> None:
    case = CASES[name]

    def answer(request: httpx.Request) -> httpx.Response:
        if case.answer is None:
            return httpx.Response(case.status)
        return httpx.Response(case.status, json=case.answer)

    client = harness.client(answer)
    result = harness.run(case.call(client))
    sent = harness.requests[0]
    assert sent.method == case.method
    assert sent.url.path == case.path
    assert str(sent.url).startswith(BASE)
    assert dict(sent.url.params) == case.params
    assert s.body_of(sent) == case.body
    if case.method in {"POST", "DELETE"}:
        assert sent.headers["idempotency-key"]
    rows: object = getattr(result, "items", None)
    if isinstance(rows, list):
        assert rows
        assert all(isinstance(row, case.returns) for row in cast("list[object]", rows))
    else:
        assert isinstance(result, case.returns)


def test_caller_idempotency_key_is_sent(harness: Harness) -> None:
    client = harness.client(s.replies(s.invoke_result()))
    harness.run(client.abps.invoke("abp_1", payload={}, idempotency_key="order-7"))
    assert harness.requests[0].headers["idempotency-key"] == "order-7"


BAD_PATHS: list[Callable[[Client], object]] = [
    lambda c: c.abps.retrieve("../api-keys"),
    lambda c: c.abps.invoke("a/b", payload={}),
    lambda c: c.evidence.for_invocation("abp_1", "inv 1"),
    lambda c: c.evidence.package("", since="2025-03-01"),
    lambda c: c.api_keys.revoke("key_1?x=1"),
    lambda c: c.approvals.approve(".."),
    lambda c: c.attachments.retrieve("att%2F1"),
    lambda c: loose(c).runs.retrieve(5),
    lambda c: c.networks.submit("claims/../x", prompt_text="p"),
]


def loose(client: Client) -> Any:
    """The client without static types, to make deliberately ill-typed calls."""
    return client


@pytest.mark.parametrize("call", BAD_PATHS)
def test_path_parameters_are_checked_before_sending(
    harness: Harness, call: Callable[[Client], object]
) -> None:
    client = harness.client(s.replies())
    with pytest.raises(VelerianArgumentError):
        harness.run(call(client))
    assert harness.requests == []


BAD_ARGUMENTS: list[tuple[Callable[[Client], object], str]] = [
    (lambda c: loose(c).abps.list(limit=0), "limit must be a whole number >= 1"),
    (lambda c: loose(c).abps.list(offset=-1), "offset must be"),
    (lambda c: loose(c).plans.list(limit=True), "limit must be"),
    (lambda c: loose(c).abps.invoke("abp_1", payload=["x"]), "payload must be a mapping"),
    (lambda c: loose(c).evidence.package("abp_1", since="last tuesday"), "not an ISO-8601"),
    (
        lambda c: loose(c).evidence.package("abp_1", since=dt.datetime(2025, 3, 1)),
        "has no timezone",
    ),
    (lambda c: loose(c).evidence.package("abp_1", since=None), "since is required"),
    (lambda c: loose(c).audit.list(until=20250301), "aware datetime or an ISO-8601 str"),
    (lambda c: loose(c).api_keys.create(name="ci", scopes="read"), "scopes must be a list"),
    (lambda c: loose(c).api_keys.create(name="ci", scopes=[]), "scopes must not be empty"),
    (lambda c: loose(c).api_keys.create(name="", scopes=["read"]), "name must be a non-empty"),
    (lambda c: loose(c).usage.summary(evidence_limit=0), "evidence_limit"),
    (lambda c: loose(c).approvals.reject("apr_1", note=5), "note must be a str"),
    (lambda c: loose(c).abps.list(status=1), "status must be a str"),
]


@pytest.mark.parametrize(("call", "message"), BAD_ARGUMENTS)
def test_arguments_are_checked_before_sending(
    harness: Harness, call: Callable[[Client], object], message: str
) -> None:
    client = harness.client(s.replies())
    with pytest.raises(VelerianArgumentError, match=message):
        harness.run(call(client))
    assert harness.requests == []


def test_since_accepts_iso_strings_that_older_pythons_cannot_parse_alone(harness: Harness) -> None:
    client = harness.client(s.replies(s.export(), s.export()))
    harness.run(client.evidence.package("abp_1", since="2025-03-01T00:00:00Z"))
    harness.run(client.evidence.package("abp_1", since="2025-03-01T00:00:00.123+02:00"))
    assert [r.url.params["since"] for r in harness.requests] == [
        "2025-03-01T00:00:00Z",
        "2025-03-01T00:00:00.123+02:00",
    ]


def test_audit_iter_walks_every_page_and_checks_arguments_at_once(harness: Harness) -> None:
    rows = [s.audit_entry(n) for n in range(5)]
    client = harness.client(s.paged(rows))
    iterator = client.audit.iter(action="abp.invoke", page_size=2)
    assert harness.requests == []  # nothing is fetched until it is consumed
    entries = s.collect(harness, iterator)
    assert [e.id for e in entries] == [f"aud_{n}" for n in range(5)]
    assert all(isinstance(e, AuditLogEntry) for e in entries)
    assert [r.url.params["offset"] for r in harness.requests] == ["0", "2", "4"]
    assert {r.url.params["action"] for r in harness.requests} == {"abp.invoke"}
    with pytest.raises(VelerianArgumentError, match="max_items"):
        client.audit.iter(max_items=-1)
    with pytest.raises(VelerianArgumentError, match="limit"):
        client.audit.iter(page_size=0)


def test_audit_iter_resumes_from_an_offset_and_caps_items(harness: Harness) -> None:
    rows = [s.audit_entry(n) for n in range(5)]
    client = harness.client(s.paged(rows))
    entries = s.collect(harness, client.audit.iter(page_size=2, offset=1, max_items=3))
    assert [e.id for e in entries] == ["aud_1", "aud_2", "aud_3"]
    assert [r.url.params["offset"] for r in harness.requests] == ["1", "3"]
    assert s.collect(harness, client.audit.iter(max_items=0)) == []


def test_a_body_that_does_not_fit_is_our_error_with_the_request_id(harness: Harness) -> None:
    def bad(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "abp_1"}, headers={"x-request-id": "req_7"})

    client = harness.client(bad)
    with pytest.raises(VelerianResponseValidationError, match="not a valid Abp") as info:
        harness.run(client.abps.retrieve("abp_1"))
    assert info.value.request_id == "req_7"
    with pytest.raises(VelerianResponseValidationError, match="PageEnvelope"):
        harness.run(client.abps.list())


def test_api_errors_pass_through(harness: Harness) -> None:
    def conflict(request: httpx.Request) -> httpx.Response:
        return httpx.Response(409, json={"detail": "ABP abp_1 is not deployed"})

    client = harness.client(conflict)
    with pytest.raises(VelerianConflictError, match="not deployed"):
        harness.run(client.abps.invoke("abp_1", payload={}))


def test_namespaces_are_cached_and_loaded_on_first_use(harness: Harness) -> None:
    client = harness.client(s.replies())
    assert client.runs is client.runs
    assert client.with_options(max_retries=0).runs is not client.runs
