"""Idempotency-Key: replay, mismatch, in flight, per-tenant scope, what is not stored."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from .support import Api, ManualClock, in_memory, open_api


def executions(api: Api, key: str | None = None) -> list[dict[str, Any]]:
    params: dict[str, str | int] = {} if key is None else {"idempotency_key": key}
    items: list[dict[str, Any]] = api.admin("GET", "/_stub/executions", params=params).json()[
        "items"
    ]
    return items


def test_repeat_replays_without_executing_again(api: Api) -> None:
    path = f"/api/v2/abps/{api.abp_id}/invoke"
    first = api.post(path, {"payload": {"q": 1}}, idempotency_key="order-1")
    second = api.post(path, {"payload": {"q": 1}}, idempotency_key="order-1")
    assert first.status_code == second.status_code == 200
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert second.headers["content-type"] == first.headers["content-type"]
    assert second.headers["x-request-id"] != first.headers["x-request-id"]
    rows = executions(api, "order-1")
    assert len(rows) == 1
    assert rows[0]["resource_id"] == first.json()["invocation_id"]
    assert rows[0]["request_id"] == first.headers["x-request-id"]
    assert rows[0]["route"] == "/api/v2/abps/{abp_id}/invoke"
    assert api.get("/api/v2/audit-log", params={"action": "abp.invoke"}).json()["total"] == 1


def test_different_body_or_path_is_422(api: Api) -> None:
    path = f"/api/v2/abps/{api.abp_id}/invoke"
    api.post(path, {"payload": {"q": 1}}, idempotency_key="k")
    changed = api.post(path, {"payload": {"q": 2}}, idempotency_key="k")
    assert changed.status_code == 422
    assert changed.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    other_route = api.post(
        "/api/v2/run-attachments",
        {"filename": "a", "content_type": "text/plain", "size_bytes": 1},
        idempotency_key="k",
    )
    assert other_route.status_code == 422
    assert len(executions(api)) == 1


def test_keys_are_scoped_per_tenant(api: Api) -> None:
    # A batch rerun on another machine, with another key of the same tenant, must find
    # the first run's records instead of executing again.
    member = api.new_user("member", ["read", "write"])["api_key"]
    path = f"/api/v2/abps/{api.abp_id}/invoke"
    first = api.post(path, {"payload": {}}, key=member, idempotency_key="shared")
    again = api.post(path, {"payload": {}}, idempotency_key="shared")  # the owner's key
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["invocation_id"] == first.json()["invocation_id"]
    assert len(executions(api, "shared")) == 1


def test_a_replay_to_a_key_with_fewer_powers_is_403(api: Api) -> None:
    member = api.new_user("member", ["read", "write"])["api_key"]
    path = f"/api/v2/abps/{api.abp_id}/invoke"
    first = api.post(path, {"payload": {}}, idempotency_key="owners")  # the owner's key
    theirs = api.post(path, {"payload": {}}, key=member, idempotency_key="owners")
    assert first.status_code == 200
    assert theirs.status_code == 403
    assert "another API key of your tenant" in theirs.json()["detail"]
    assert len(executions(api, "owners")) == 1


def test_other_tenants_do_not_share_records(api: Api) -> None:
    other = api.new_tenant()
    path = f"/api/v2/abps/{api.abp_id}/invoke"
    mine = api.post(path, {"payload": {}}, idempotency_key="same")
    other_path = f"/api/v2/abps/{other['abp_id']}/invoke"
    theirs = api.post(other_path, {"payload": {}}, key=other["api_key"], idempotency_key="same")
    assert mine.status_code == theirs.status_code == 200
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["invocation_id"] != mine.json()["invocation_id"]


def test_repeat_while_in_flight_is_409(api: Api) -> None:
    path = f"/api/agenticx/networks/{api.slug}/invoke"
    body = {"prompt_text": "slow", "metadata": {"stub_duration_ms": 1200}}
    results: list[httpx.Response] = []

    def first_call() -> None:
        with httpx.Client(base_url=api.stub.base_url, timeout=30) as client:
            headers = {**api.auth(), "Idempotency-Key": "slow-1"}
            results.append(client.post(path, json=body, headers=headers))

    worker = threading.Thread(target=first_call)
    worker.start()
    time.sleep(0.4)
    during = api.post(path, body, idempotency_key="slow-1")
    worker.join()
    assert during.status_code == 409
    assert "still being processed" in during.json()["detail"]
    after = api.post(path, body, idempotency_key="slow-1")
    assert results[0].status_code == 200
    assert after.headers["idempotent-replayed"] == "true"
    assert after.json()["run_id"] == results[0].json()["run_id"]
    assert len(executions(api, "slow-1")) == 1


def test_validation_failures_are_not_stored(api: Api) -> None:
    path = f"/api/v2/abps/{api.abp_id}/invoke"
    bad = api.post(path, {"payload": "nope"}, idempotency_key="fix-me")
    assert bad.status_code == 422
    good = api.post(path, {"payload": {}}, idempotency_key="fix-me")
    assert good.status_code == 200
    assert "idempotent-replayed" not in good.headers


def test_forbidden_is_not_stored_so_a_promoted_user_can_retry(api: Api) -> None:
    user = api.new_user("viewer", ["read", "write"])
    path = f"/api/v2/abps/{api.abp_id}/invoke"
    denied = api.post(path, {"payload": {}}, key=user["api_key"], idempotency_key="p")
    assert denied.status_code == 403
    api.admin("PATCH", f"/_stub/users/{user['user_id']}", {"role": "member"})
    allowed = api.post(path, {"payload": {}}, key=user["api_key"], idempotency_key="p")
    assert allowed.status_code == 200
    assert "idempotent-replayed" not in allowed.headers


def test_conflicts_are_stored_and_replayed(api: Api) -> None:
    path = f"/api/v2/abps/{api.draft_abp_id}/invoke"
    first = api.post(path, {"payload": {}}, idempotency_key="draft")
    second = api.post(path, {"payload": {}}, idempotency_key="draft")
    assert first.status_code == second.status_code == 409
    assert second.headers["idempotent-replayed"] == "true"


def test_delete_replays_its_204(api: Api) -> None:
    minted = api.post("/api/v2/api-keys", {"name": "x", "scopes": ["read"]}).json()
    headers = {**api.auth(), "Idempotency-Key": "revoke-1"}
    first = api.http.delete(f"/api/v2/api-keys/{minted['id']}", headers=headers)
    second = api.http.delete(f"/api/v2/api-keys/{minted['id']}", headers=headers)
    assert first.status_code == second.status_code == 204
    assert second.headers["idempotent-replayed"] == "true"
    assert second.content == b""


def test_invalid_idempotency_keys_are_422(api: Api) -> None:
    path = f"/api/v2/abps/{api.abp_id}/invoke"
    for key in ("x" * 256, "tab\tinside"):
        response = api.post(path, {"payload": {}}, idempotency_key=key)
        assert response.status_code == 422, key
        assert response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert api.post(path, {"payload": {}}, idempotency_key="x" * 255).status_code == 200
    assert executions(api)[0]["idempotency_key"] == "x" * 255


def test_records_expire_after_24_hours(clocked_api: Api, clock: ManualClock) -> None:
    path = f"/api/v2/abps/{clocked_api.abp_id}/invoke"
    clocked_api.post(path, {"payload": {"v": 1}}, idempotency_key="daily")
    clock.advance(23 * 3600)
    assert clocked_api.post(path, {"payload": {"v": 2}}, idempotency_key="daily").status_code == 422
    clock.advance(2 * 3600)
    fresh = clocked_api.post(path, {"payload": {"v": 2}}, idempotency_key="daily")
    assert fresh.status_code == 200
    assert "idempotent-replayed" not in fresh.headers


def test_gets_ignore_idempotency_keys(api: Api) -> None:
    headers = {**api.auth(), "Idempotency-Key": "read"}
    first = api.http.get("/api/v2/abps", headers=headers)
    second = api.http.get("/api/v2/abps", headers=headers)
    assert "idempotent-replayed" not in second.headers
    assert first.json() == second.json()


def test_a_revoked_key_gets_401_not_a_replay(api: Api) -> None:
    minted = api.post("/api/v2/api-keys", {"name": "x", "scopes": ["runs:write"]}).json()
    path = f"/api/v2/abps/{api.abp_id}/invoke"
    first = api.post(path, {"payload": {}}, key=minted["secret"], idempotency_key="r")
    assert first.status_code == 200
    api.http.delete(f"/api/v2/api-keys/{minted['id']}", headers=api.auth())
    again = api.post(path, {"payload": {}}, key=minted["secret"], idempotency_key="r")
    assert again.status_code == 401


def test_a_replayable_mint_keeps_no_secret_in_the_database(tmp_path: Path) -> None:
    db = tmp_path / "stub.sqlite3"
    with open_api(in_memory(db_path=str(db))) as api:
        body = {"name": "ci", "scopes": ["read"]}
        first = api.post("/api/v2/api-keys", body, idempotency_key="mint-1")
        again = api.post("/api/v2/api-keys", body, idempotency_key="mint-1")
        assert first.status_code == again.status_code == 201
        secret = first.json()["secret"]
        assert again.json()["secret"] == secret
        assert again.headers["idempotent-replayed"] == "true"
    with sqlite3.connect(db) as connection:
        dumped = "\n".join(connection.iterdump()).encode()
        stored = b"".join(
            bytes(row[0]) for row in connection.execute("SELECT body FROM idempotency_records")
        )
    connection.close()  # its `with` only commits
    assert secret.encode() not in dumped
    assert secret.encode() not in stored
    assert b"mint-1" not in stored
