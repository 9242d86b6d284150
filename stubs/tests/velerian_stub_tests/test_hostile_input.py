"""Hostile input never gets a 5xx: every parameter, numbers, dates, ids and JSON bodies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from velerian_stub import StubConfig, ThreadedStub, context_of, create_app
from velerian_stub.service.context import StubContext
from velerian_stub.service.signing import BAD_EXPIRES, BAD_SIGNATURE

from .support import Api

HOSTILE: list[str] = [
    "\u00b2",  # isdigit() is true, int() refuses it
    "\u0663\u0664",  # Arabic-Indic digits
    "\uff11\uff12",  # full-width digits
    "1" * 5000,  # past int()'s 4,300 digits
    "9" * 20000,
    "1" * 19,
    "-1",
    "+1",
    " 1",
    "1_000",
    "0x10",
    "1e3",
    "1e400",
    "1.5",
    "NaN",
    "Infinity",
    "-Infinity",
    "",
    "null",
    "true",
    "[]",
    "{}",
    "%",
    "%00",
    "\x00",
    "../../etc/passwd",
    "a" * 10000,
    "9999-12-31T23:59:59-23:59",  # past year 9999 in UTC
    "0001-01-01T00:00:00+23:59",  # before year 1 in UTC
    "9999-12-31T23:59:59.999999Z",
    "2025-13-45T99:99:99Z",
    "2025-01-01T00:00:00+99:00",
    "1700000000",
    "\u202e\u200b",
    "\U0001f600",
]
hostile_text = st.sampled_from(HOSTILE) | st.text(max_size=40) | st.from_regex(r"\A[0-9]{1,30}\Z")


@pytest.fixture(scope="module")
def stub(shared_stub: ThreadedStub) -> Iterator[tuple[httpx.Client, StubContext]]:
    with httpx.Client(base_url=shared_stub.base_url, timeout=30) as client:
        yield client, shared_stub.context


def _operations() -> list[tuple[str, str, list[tuple[str, str]]]]:
    app = create_app(StubConfig(db_path=":memory:"))
    try:
        spec: dict[str, Any] = app.openapi()
    finally:
        context_of(app).close()
    found: list[tuple[str, str, list[tuple[str, str]]]] = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            params = [(p["in"], p["name"]) for p in operation.get("parameters", [])]
            found += [(method.upper(), path, params)]
    return found


OPERATIONS = _operations()
PARAMETERS = [
    (method, path, where, name) for method, path, params in OPERATIONS for where, name in params
]


def _send(
    client: httpx.Client,
    ctx: StubContext,
    method: str,
    path: str,
    where: str,
    name: str,
    value: str,
    *,
    signed: bool,
) -> int:
    path_values = dict.fromkeys(re.findall(r"{(\w+)}", path), "x_missing")
    query: dict[str, str] = {}
    headers: list[tuple[bytes, bytes]] = []
    if path.startswith("/api/"):
        headers.append((b"Authorization", f"Bearer {ctx.seed.api_key}".encode()))
    if where == "path":
        # Percent-encoded, so that the server receives exactly the value as the segment.
        path_values[name] = quote(value, safe="") or "_"
    elif where == "query":
        query[name] = value
    else:
        raw = value.encode("utf-8")
        # What HTTP/1.1 can carry in a header: no control characters, no edge spaces.
        legal = bytes(b for b in raw if b >= 0x20 and b != 0x7F).strip()
        headers.append((name.encode(), legal))
    if path.startswith("/_storage/") and signed and where == "path":
        expires = 4_000_000_000
        resource = next(iter(path_values.values()))
        query = {"expires": str(expires), "sig": ctx.signer.signature(resource, expires)}
    url = path.format(**path_values)
    response = client.request(method, url, params=query, headers=headers)
    return response.status_code


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parameter=st.sampled_from(PARAMETERS), value=hostile_text, signed=st.booleans())
def test_no_parameter_value_gets_a_5xx(
    stub: tuple[httpx.Client, StubContext],
    parameter: tuple[str, str, str, str],
    value: str,
    signed: bool,
) -> None:
    client, ctx = stub
    method, path, where, name = parameter
    status = _send(client, ctx, method, path, where, name, value, signed=signed)
    assert status < 500, (method, path, where, name, value[:60])


SHARPEST = ["\u00b2", "1" * 5000, "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"]


def test_the_sharpest_values_reach_every_parameter(stub: tuple[httpx.Client, StubContext]) -> None:
    # Deterministic, beside the random search: each value that once gave a 500 goes to
    # every parameter of every operation.
    client, ctx = stub
    failures = [
        (method, path, name, value[:30])
        for method, path, where, name in PARAMETERS
        for value in SHARPEST
        for signed in (False, True)
        if _send(client, ctx, method, path, where, name, value, signed=signed) >= 500
    ]
    assert failures == []


@pytest.mark.parametrize(
    ("expires", "sig", "detail"),
    [
        ("\u00b2", "0" * 64, BAD_EXPIRES),  # the report: a 500 on an unauthenticated route
        ("1" * 5000, "0" * 64, BAD_EXPIRES),  # the report: a 500
        ("-5", "0" * 64, BAD_EXPIRES),
        ("4000000000", "\u00e9" * 64, BAD_SIGNATURE),  # compare_digest refuses non-ASCII str
        ("4000000000", "0" * 64, BAD_SIGNATURE),
    ],
)
def test_a_malformed_storage_link_is_a_clear_403(
    stub: tuple[httpx.Client, StubContext], expires: str, sig: str, detail: str
) -> None:
    client, _ = stub
    for path in ("/_storage/exports/exp_x", "/_storage/run-shares/run_x"):
        response = client.get(path, params={"expires": expires, "sig": sig})
        assert response.status_code == 403
        assert response.json() == {"detail": detail}
    upload = client.put("/_storage/uploads/att_x", params={"expires": expires, "sig": sig})
    assert upload.status_code == 403


BAD_JSON = {
    "NaN": '{"payload": {"x": NaN}, "x": NaN}',
    "Infinity": '{"payload": {"x": Infinity}, "x": Infinity}',
    "-Infinity": '{"payload": {"x": -Infinity}, "x": -Infinity}',
    "overflowing float": '{"payload": {"x": 1e400}, "x": 1e400}',
    "100k-digit integer": '{"payload": {"x": ' + "9" * 100_000 + "}}",
    "lone surrogate": '{"payload": {"x": "\\ud800"}, "name": "\\ud800"}',
    "lone surrogate key": '{"payload": {"\\udfff": 1}}',
}
BODY_OPERATIONS = [
    ("/api/v2/abps/{abp_id}/invoke", "abp_id"),
    ("/api/v2/api-keys", ""),
    ("/api/v2/run-attachments", ""),
    ("/api/agenticx/networks/{slug}/invoke", "slug"),
    ("/api/v2/pack-runs/run_x/share", ""),
    ("/api/v2/approvals/apr_x/approve", ""),
]


@pytest.mark.parametrize("document", BAD_JSON.values(), ids=list(BAD_JSON))
def test_json_that_is_not_json_is_422(api: Api, document: str) -> None:
    # The report: NaN was accepted, and a 100k-digit integer was a 400.
    ids = {"abp_id": api.abp_id, "slug": api.slug, "": ""}
    for template, name in BODY_OPERATIONS:
        path = template.format(**{name: ids[name]}) if name else template
        response = api.http.post(
            path,
            content=document.encode(),
            headers={**api.auth(), "Content-Type": "application/json"},
        )
        assert response.status_code == 422, (path, response.text[:200])
        issue = response.json()["detail"][0]
        assert issue["type"] == "json_invalid"
        assert issue["loc"][0] == "body"
        assert issue["ctx"]["error"]


def test_real_json_numbers_and_text_still_pass(api: Api) -> None:
    payload = '{"payload": {"big": ' + "9" * 300 + ', "f": 1.5e300, "s": "\\ud83d\\ude00 NaN"}}'
    response = api.http.post(
        f"/api/v2/abps/{api.abp_id}/invoke",
        content=payload.encode(),
        headers={**api.auth(), "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
