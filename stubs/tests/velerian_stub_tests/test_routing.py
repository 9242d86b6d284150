"""Routing the fuzz run found wrong: malformed bodies, undeclared methods, their keys."""

from __future__ import annotations

import pytest

from .support import Api


def _attachment(size_bytes: int) -> dict[str, object]:
    return {
        "filename": "a.bin",
        "content_type": "application/octet-stream",
        "size_bytes": size_bytes,
    }


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"0\xff)v", "body is not UTF-8"),
        (b'{"note": "\xc3"}', "body is not UTF-8"),
        (b"[" * 100_000, "body is nested too deeply"),
        (b"{note", "Expecting property name enclosed in double quotes"),
    ],
)
def test_malformed_body_is_422_json_invalid(api: Api, body: bytes, error: str) -> None:
    response = api.http.post(
        "/api/v2/run-attachments",
        content=body,
        headers={**api.auth(), "content-type": "application/json"},
    )
    assert response.status_code == 422
    [issue] = response.json()["detail"]
    assert issue["type"] == "json_invalid"
    assert issue["loc"][0] == "body"
    assert isinstance(issue["loc"][1], int)
    assert issue["ctx"]["error"] == error


def test_malformed_body_records_no_idempotency_claim(api: Api) -> None:
    headers = {**api.auth(), "content-type": "application/json", "Idempotency-Key": "bad-then-good"}
    bad = api.http.post("/api/v2/run-attachments", content=b"\xff", headers=headers)
    assert bad.status_code == 422
    good = api.post("/api/v2/run-attachments", _attachment(1), idempotency_key="bad-then-good")
    assert good.status_code == 201
    assert "idempotent-replayed" not in good.headers


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/api/v2/api-keys", "GET, POST"),
        ("PUT", "/api/v2/api-keys", "GET, POST"),
        ("PATCH", "/api/v2/run-attachments", "POST"),
        ("GET", "/api/v2/abps/abp_x/invoke", "POST"),
        ("PUT", "/api/v2/approvals/apr_x/approve", "POST"),
        ("DELETE", "/api/v2/abps/abp_x", "GET"),
        ("POST", "/_storage/exports/exp_x", "GET, HEAD"),
    ],
)
def test_undeclared_method_is_405_with_every_allowed_method(
    api: Api, method: str, path: str, allow: str
) -> None:
    response = api.http.request(method, path, headers=api.auth())
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json() == {"detail": "Method Not Allowed"}
    # Routing answers before authentication: no key is needed to learn the methods.
    anonymous = api.http.request(method, path)
    assert (anonymous.status_code, anonymous.headers["allow"]) == (405, allow)


def test_undeclared_method_claims_no_idempotency_key(api: Api) -> None:
    headers = {**api.auth(), "Idempotency-Key": "wrong-method-first"}
    for _ in range(2):  # a stored claim would make the repeat a 422 or a replay
        response = api.http.put("/api/v2/run-attachments", json=_attachment(1), headers=headers)
        assert response.status_code == 405
        assert "idempotent-replayed" not in response.headers
    created = api.post(
        "/api/v2/run-attachments", _attachment(1), idempotency_key="wrong-method-first"
    )
    assert created.status_code == 201
    assert "idempotent-replayed" not in created.headers
