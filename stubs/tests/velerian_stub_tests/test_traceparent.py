"""The audit entry keeps the W3C ``traceparent`` a request carried, when it is well formed."""

from __future__ import annotations

import pytest

from velerian_stub.service.actor import well_formed_traceparent

from .support import Api

VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def invoke_with(api: Api, traceparent: str | None) -> dict[str, object]:
    headers = api.auth()
    if traceparent is not None:
        headers["traceparent"] = traceparent
    invoked = api.http.post(
        f"/api/v2/abps/{api.abp_id}/invoke", json={"payload": {"q": "ok"}}, headers=headers
    )
    assert invoked.status_code == 200
    invocation_id = invoked.json()["invocation_id"]
    items = api.get("/api/v2/audit-log", params={"action": "abp.invoke"}).json()["items"]
    entries: list[dict[str, object]] = [e for e in items if e["resource_id"] == invocation_id]
    (entry,) = entries
    return entry


def test_the_audit_entry_records_the_traceparent(api: Api) -> None:
    assert invoke_with(api, VALID)["traceparent"] == VALID


@pytest.mark.parametrize(
    "sent", [None, "garbage", VALID.upper(), VALID.replace("4bf9", "zzzz"), VALID + "-x"]
)
def test_no_or_a_malformed_traceparent_is_not_recorded_and_never_fails(
    api: Api, sent: str | None
) -> None:
    assert invoke_with(api, sent)["traceparent"] is None


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        (VALID, VALID),
        (f" {VALID} ", VALID),
        ("ff" + VALID[2:], None),
        (f"00-{'0' * 32}-00f067aa0ba902b7-01", None),
        (f"00-4bf92f3577b34da6a3ce929d0e0e4736-{'0' * 16}-01", None),
        ("00-4bf92f35-00f067aa0ba902b7-01", None),
    ],
)
def test_well_formed_traceparent(value: str, kept: str | None) -> None:
    assert well_formed_traceparent(value) == kept
