"""Keys, scopes and roles: 401s, 403s, demotion, revocation, minting."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone

import pytest

from .support import Api, ManualClock

KEY_FORMAT = re.compile(r"^vk_live_[A-Za-z0-9]{40}$")


def test_missing_key_is_401_with_bearer_challenge(api: Api) -> None:
    response = api.http.get("/api/v2/abps")
    assert response.status_code == 401
    assert "missing API key" in response.json()["detail"]
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["x-request-id"].startswith("req_")


def test_other_auth_schemes_count_as_missing(api: Api) -> None:
    response = api.http.get("/api/v2/abps", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert "missing" in response.json()["detail"]


def test_unknown_key_is_401_without_echoing_it(api: Api) -> None:
    secret = "vk_live_" + "x" * 40
    response = api.get("/api/v2/abps", key=secret)
    assert response.status_code == 401
    assert response.json() == {"detail": "invalid API key"}


def test_seeded_owner_key_has_the_documented_format(api: Api) -> None:
    assert api.stub.context.seed.api_key
    minted = api.post("/api/v2/api-keys", {"name": "ci", "scopes": ["read"]}).json()
    assert KEY_FORMAT.match(minted["secret"])
    assert minted["prefix"] == "vk_live_"
    assert minted["last_four"] == minted["secret"][-4:]


def test_only_the_sha256_of_a_key_is_stored(api: Api) -> None:
    secret = api.post("/api/v2/api-keys", {"name": "ci", "scopes": ["read"]}).json()["secret"]
    with api.stub.context.db.session() as session:
        rows = session.all("SELECT * FROM api_keys")
    hashes = {row.text("key_hash") for row in rows}
    assert hashlib.sha256(secret.encode()).hexdigest() in hashes
    for row in rows:
        for column in ("id", "name", "key_hash", "last_four", "scopes"):
            assert secret not in row.text(column)


def test_revoked_key_gets_401_and_the_revocation_is_audited(api: Api) -> None:
    minted = api.post("/api/v2/api-keys", {"name": "temp", "scopes": ["read"]}).json()
    assert api.get("/api/v2/abps", key=minted["secret"]).status_code == 200
    revoked = api.http.delete(f"/api/v2/api-keys/{minted['id']}", headers=api.auth())
    assert revoked.status_code == 204
    assert revoked.content == b""
    response = api.get("/api/v2/abps", key=minted["secret"])
    assert response.status_code == 401
    assert response.json() == {"detail": "API key has been revoked"}
    listed = {k["id"]: k for k in api.get("/api/v2/api-keys").json()["items"]}
    assert listed[minted["id"]]["revoked_at"] is not None
    assert "secret" not in listed[minted["id"]]
    actions = [e["action"] for e in api.get("/api/v2/audit-log").json()["items"]]
    assert actions == ["api_key.create", "api_key.revoke"]
    again = api.http.delete(f"/api/v2/api-keys/{minted['id']}", headers=api.auth())
    assert again.status_code == 204


def test_expired_key_gets_401(clocked_api: Api, clock: ManualClock) -> None:
    expires = datetime.fromtimestamp(clock.now, tz=timezone.utc) + timedelta(seconds=60)
    body = {"name": "short", "scopes": ["read"], "expires_at": expires.isoformat()}
    minted = clocked_api.post("/api/v2/api-keys", body).json()
    assert clocked_api.get("/api/v2/abps", key=minted["secret"]).status_code == 200
    clock.advance(61)
    response = clocked_api.get("/api/v2/abps", key=minted["secret"])
    assert response.status_code == 401
    assert response.json() == {"detail": "API key has expired"}


def test_expiry_in_the_past_is_422(api: Api) -> None:
    body = {"name": "x", "scopes": ["read"], "expires_at": "2001-01-01T00:00:00Z"}
    response = api.post("/api/v2/api-keys", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "expires_at"]


def test_missing_scope_is_403_naming_it(api: Api) -> None:
    key = api.new_user("owner", ["runs:read"])["api_key"]
    response = api.get("/api/v2/abps", key=key)
    assert response.status_code == 403
    assert "'read'" in response.json()["detail"]
    assert api.get("/api/v2/pack-runs", key=key).status_code == 200


def test_read_grants_every_read_scope_but_not_write(api: Api) -> None:
    key = api.new_user("owner", ["read"])["api_key"]
    assert api.get("/api/v2/pack-runs", key=key).status_code == 200
    assert api.get("/api/v2/audit-log", key=key).status_code == 200
    response = api.invoke({"x": 1}, key=key)
    assert response.status_code == 403
    assert "'runs:write'" in response.json()["detail"]


def test_write_does_not_imply_read(api: Api) -> None:
    key = api.new_user("owner", ["write"])["api_key"]
    assert api.invoke({"x": 1}, key=key).status_code == 200
    response = api.get("/api/v2/abps", key=key)
    assert response.status_code == 403
    assert "'read'" in response.json()["detail"]


@pytest.mark.parametrize(
    ("role", "invoke", "audit", "keys"),
    [("viewer", 403, 403, 403), ("member", 200, 403, 403), ("admin", 200, 200, 200)],
)
def test_role_limits_what_a_full_key_can_do(
    api: Api, role: str, invoke: int, audit: int, keys: int
) -> None:
    key = api.new_user(role, ["read", "write"])["api_key"]
    assert api.get("/api/v2/abps", key=key).status_code == 200
    assert api.invoke({"x": 1}, key=key).status_code == invoke
    assert api.get("/api/v2/audit-log", key=key).status_code == audit
    assert api.get("/api/v2/api-keys", key=key).status_code == keys


def test_role_403_says_the_role_is_the_limit(api: Api) -> None:
    key = api.new_user("viewer", ["read", "write"])["api_key"]
    detail = api.invoke({"x": 1}, key=key).json()["detail"]
    assert "viewer" in detail
    assert "runs:write" in detail


def test_demoting_a_user_takes_power_from_their_keys_at_once(api: Api) -> None:
    user = api.new_user("admin", ["read", "write"])
    key = user["api_key"]
    assert api.get("/api/v2/audit-log", key=key).status_code == 200
    demoted = api.admin("PATCH", f"/_stub/users/{user['user_id']}", {"role": "viewer"})
    assert demoted.status_code == 200
    assert api.get("/api/v2/audit-log", key=key).status_code == 403
    assert api.invoke({"x": 1}, key=key).status_code == 403
    api.admin("PATCH", f"/_stub/users/{user['user_id']}", {"role": "admin"})
    assert api.get("/api/v2/audit-log", key=key).status_code == 200


def test_minted_scopes_cannot_exceed_the_minters(api: Api) -> None:
    key = api.new_user("owner", ["write", "runs:read"])["api_key"]
    response = api.post(
        "/api/v2/api-keys",
        {"name": "wider", "scopes": ["runs:read", "read", "audit:read"]},
        key=key,
    )
    assert response.status_code == 403
    assert response.json()["detail"].endswith("audit:read, read")
    ok = api.post("/api/v2/api-keys", {"name": "same", "scopes": ["runs:read"]}, key=key)
    assert ok.status_code == 201


def test_minting_needs_owner_or_admin(api: Api) -> None:
    key = api.new_user("member", ["read", "write"])["api_key"]
    response = api.post("/api/v2/api-keys", {"name": "x", "scopes": ["read"]}, key=key)
    assert response.status_code == 403


def test_minted_key_acts_with_the_minters_role(api: Api) -> None:
    user = api.new_user("admin", ["read", "write"])
    minted = api.post(
        "/api/v2/api-keys", {"name": "child", "scopes": ["audit:read"]}, key=user["api_key"]
    ).json()
    assert api.get("/api/v2/audit-log", key=minted["secret"]).status_code == 200
    api.admin("PATCH", f"/_stub/users/{user['user_id']}", {"role": "member"})
    assert api.get("/api/v2/audit-log", key=minted["secret"]).status_code == 403


def test_unknown_scope_is_422(api: Api) -> None:
    response = api.post("/api/v2/api-keys", {"name": "x", "scopes": ["admin:everything"]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", "scopes"]


def test_last_used_at_is_recorded(api: Api) -> None:
    minted = api.post("/api/v2/api-keys", {"name": "unused", "scopes": ["read"]}).json()
    assert minted["last_used_at"] is None
    api.get("/api/v2/plans", key=minted["secret"])
    listed = {k["id"]: k for k in api.get("/api/v2/api-keys").json()["items"]}
    assert listed[minted["id"]]["last_used_at"] is not None
    assert listed[minted["id"]]["last_used_at"].endswith("Z")
