"""A minted key never outlives, nor out-scopes, the key that minted it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from .support import Api, ManualClock

MINT = "/api/v2/api-keys"


def _instant(clock: ManualClock, seconds: float) -> str:
    return (
        datetime.fromtimestamp(clock.now, tz=timezone.utc) + timedelta(seconds=seconds)
    ).isoformat()


def _short_lived_key(api: Api, clock: ManualClock, seconds: float) -> dict[str, str]:
    body = {"name": "short", "scopes": ["read", "write"], "expires_at": _instant(clock, seconds)}
    response = api.post(MINT, body)
    assert response.status_code == 201, response.text
    minted: dict[str, str] = response.json()
    return minted


def test_a_key_minted_without_expiry_inherits_the_minters(
    clocked_api: Api, clock: ManualClock
) -> None:
    # The report: a key expiring in 2 s minted a key with no expiry, which outlived it.
    parent = _short_lived_key(clocked_api, clock, 2)
    response = clocked_api.post(MINT, {"name": "child", "scopes": ["read"]}, key=parent["secret"])
    assert response.status_code == 201, response.text
    child = response.json()
    assert child["expires_at"] == parent["expires_at"]
    grandchild = clocked_api.post(
        MINT, {"name": "grandchild", "scopes": ["read", "write"]}, key=parent["secret"]
    ).json()
    assert grandchild["expires_at"] == parent["expires_at"]
    assert clocked_api.get("/api/v2/abps", key=child["secret"]).status_code == 200
    clock.advance(3)
    for secret in (parent["secret"], child["secret"], grandchild["secret"]):
        response = clocked_api.get("/api/v2/abps", key=secret)
        assert response.status_code == 401
        assert response.json() == {"detail": "API key has expired"}


def test_asking_for_a_later_expiry_than_the_minters_is_422(
    clocked_api: Api, clock: ManualClock
) -> None:
    parent = _short_lived_key(clocked_api, clock, 60)
    body = {"name": "later", "scopes": ["read"], "expires_at": _instant(clock, 3600)}
    response = clocked_api.post(MINT, body, key=parent["secret"])
    assert response.status_code == 422
    issue = response.json()["detail"][0]
    assert issue["loc"] == ["body", "expires_at"]
    assert "must not be after the minting key's own expiry" in issue["msg"]
    assert parent["expires_at"] in issue["msg"]
    listed = clocked_api.get(MINT).json()["items"]
    assert [k["name"] for k in listed].count("later") == 0  # nothing half-made


def test_an_earlier_or_equal_expiry_is_kept(clocked_api: Api, clock: ManualClock) -> None:
    parent = _short_lived_key(clocked_api, clock, 60)
    earlier = {"name": "earlier", "scopes": ["read"], "expires_at": _instant(clock, 30)}
    response = clocked_api.post(MINT, earlier, key=parent["secret"])
    assert response.status_code == 201
    assert response.json()["expires_at"] < parent["expires_at"]
    same = {"name": "same", "scopes": ["read"], "expires_at": parent["expires_at"]}
    assert clocked_api.post(MINT, same, key=parent["secret"]).status_code == 201


def test_a_naive_expiry_is_utc(clocked_api: Api, clock: ManualClock) -> None:
    naive = datetime.fromtimestamp(clock.now, tz=timezone.utc).replace(tzinfo=None)
    body = {
        "name": "naive",
        "scopes": ["read"],
        "expires_at": (naive + timedelta(hours=1)).isoformat(),
    }
    minted = clocked_api.post(MINT, body).json()
    expected = datetime.fromtimestamp(clock.now, tz=timezone.utc) + timedelta(hours=1)
    assert minted["expires_at"] == expected.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.mark.parametrize(
    ("minter_scopes", "asked", "status"),
    [
        (["read", "write"], ["audit:read", "runs:read", "evidence:read"], 201),  # read implies
        (["read", "write"], ["runs:write"], 201),  # write implies every *:write
        (["runs:read", "write"], ["read"], 403),  # a part never grants the whole
        (["runs:read", "write"], ["audit:read"], 403),
        (["read", "write"], ["read", "write"], 201),
    ],
)
def test_minted_scopes_stay_within_the_minters_effective_scopes(
    api: Api, minter_scopes: list[str], asked: list[str], status: int
) -> None:
    minter = api.new_user("owner", minter_scopes)["api_key"]
    response = api.post(MINT, {"name": "child", "scopes": asked}, key=minter)
    assert response.status_code == status, response.text
