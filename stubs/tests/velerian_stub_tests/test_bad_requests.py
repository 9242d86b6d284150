"""Bad input the contract fuzz run found: each a 422 in the list shape, never a 500 or a guess."""

from __future__ import annotations

import pytest

from .support import Api

BEYOND_SQLITE = 4440934373959290302274469888  # wider than SQLite's 64-bit integers
MAX_OFFSET = 2**53
FIVE_GIB = 5 * 1024**3
LIST_PATHS = (
    "/api/v2/abps",
    "/api/v2/approvals",
    "/api/v2/plans",
    "/api/v2/pack-runs",
    "/api/v2/audit-log",
    "/api/v2/api-keys",
)


def _attachment(size_bytes: int) -> dict[str, object]:
    return {
        "filename": "a.bin",
        "content_type": "application/octet-stream",
        "size_bytes": size_bytes,
    }


@pytest.mark.parametrize("path", LIST_PATHS)
def test_offset_beyond_2_53_is_422(api: Api, path: str) -> None:
    response = api.get(path, params={"offset": BEYOND_SQLITE})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "offset"]
    at_limit = api.get(path, params={"offset": MAX_OFFSET})
    assert at_limit.status_code == 200
    assert (at_limit.json()["offset"], at_limit.json()["items"]) == (MAX_OFFSET, [])


def test_evidence_offset_beyond_2_53_is_422(api: Api) -> None:
    path = "/api/v2/usage/summary"
    response = api.get(path, params={"evidence_offset": BEYOND_SQLITE})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "evidence_offset"]
    assert api.get(path, params={"evidence_offset": MAX_OFFSET}).status_code == 200


def test_attachment_size_is_at_most_5_gib(api: Api) -> None:
    for size in (FIVE_GIB + 1, BEYOND_SQLITE):
        response = api.post("/api/v2/run-attachments", _attachment(size))
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "size_bytes"]
    accepted = api.post("/api/v2/run-attachments", _attachment(FIVE_GIB))
    assert accepted.status_code == 201
    assert accepted.json()["size_bytes"] == FIVE_GIB


def test_run_duration_is_at_most_an_hour(api: Api) -> None:
    path = f"/api/agenticx/networks/{api.slug}/invoke"
    for duration in (3_600_001, 1e300):
        body = {"prompt_text": "x", "metadata": {"stub_duration_ms": duration}}
        response = api.post(path, body)  # synchronous: it would sleep that long
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "metadata", "stub_duration_ms"]


@pytest.mark.parametrize("value", ["0.5", "1700000000", "-1", "nan"])
def test_numbers_are_not_timestamps(api: Api, value: str) -> None:
    for path, name in (
        ("/api/v2/audit-log", "since"),
        ("/api/v2/audit-log", "until"),
        (f"/api/v2/abps/{api.abp_id}/evidence-package", "since"),
    ):
        response = api.get(path, params={name: value})
        assert response.status_code == 422, (path, name)
        assert response.json()["detail"][0]["loc"] == ["query", name]


@pytest.mark.parametrize("value", ["2025-03-01T00:00:00Z", "2025-03-01T02:00:00.5+02:00"])
def test_iso_timestamps_are_accepted(api: Api, value: str) -> None:
    assert api.get("/api/v2/audit-log", params={"since": value, "until": value}).status_code == 200
    evidence = api.get(f"/api/v2/abps/{api.abp_id}/evidence-package", params={"since": value})
    assert evidence.status_code == 200


@pytest.mark.parametrize("expires_at", [1900000000, 1.9e9, "1900000000"])
def test_a_number_is_not_a_key_expiry(api: Api, expires_at: object) -> None:
    body = {"name": "k", "scopes": ["read"], "expires_at": expires_at}
    response = api.post("/api/v2/api-keys", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "expires_at"]


@pytest.mark.parametrize("size_bytes", [False, True, "5", 5.5])
def test_attachment_size_must_be_a_json_integer(api: Api, size_bytes: object) -> None:
    response = api.post("/api/v2/run-attachments", _attachment(1) | {"size_bytes": size_bytes})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "size_bytes"]
    whole = api.post("/api/v2/run-attachments", _attachment(1) | {"size_bytes": 5.0})
    assert (whole.status_code, whole.json()["size_bytes"]) == (201, 5)


@pytest.mark.parametrize("expires_in_s", [True, "3600"])
def test_share_lifetime_must_be_a_json_integer(api: Api, expires_in_s: object) -> None:
    run_id = api.run("share me")["run_id"]
    response = api.post(f"/api/v2/pack-runs/{run_id}/share", {"expires_in_s": expires_in_s})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "expires_in_s"]
    assert api.post(f"/api/v2/pack-runs/{run_id}/share", {"expires_in_s": 3600}).status_code == 201
