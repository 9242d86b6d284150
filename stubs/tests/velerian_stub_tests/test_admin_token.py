"""The ``/_stub`` admin routes open only to the stub's admin token, never to a tenant key."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from velerian_stub import StubProcess, ThreadedStub
from velerian_stub.service.admin_token import ADMIN_TOKEN_ENV, ADMIN_TOKEN_HEADER, check_admin_token

from .support import Api, in_memory

TOKEN = "vstub_admin_" + "T" * 32

# Every admin route, with a body it would accept.
ROUTES: list[tuple[str, str, object]] = [
    ("POST", "/_stub/tenants", {"name": "intruder"}),
    ("POST", "/_stub/users", {"role": "owner", "scopes": ["read", "write", "audit:read"]}),
    ("PATCH", "/_stub/users/{user_id}", {"role": "owner"}),
    ("GET", "/_stub/executions", None),
    ("POST", "/_stub/exports", {"size_bytes": 10}),
]


def _call(
    api: Api,
    method: str,
    path: str,
    body: object,
    headers: dict[str, str] | dict[bytes, bytes],
) -> httpx.Response:
    return api.http.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_a_runs_read_key_of_an_owner_cannot_use_the_admin_routes(
    api: Api, method: str, path: str, body: object
) -> None:
    # The report: a runs:read key of an owner created an owner and minted read,write keys.
    weak = api.new_user("owner", ["runs:read"])
    path = path.format(user_id=weak["user_id"])
    for key in (weak["api_key"], api.owner_key):
        response = _call(api, method, path, body, api.auth(key))
        assert response.status_code == 401, response.text
        detail = response.json()["detail"]
        assert "tenant API keys are not accepted" in detail
        assert ADMIN_TOKEN_HEADER in detail
        assert ADMIN_TOKEN_ENV in detail
    users = api.admin("GET", "/_stub/executions").json()["total"]
    assert users == 0  # nothing was executed in the tenant on the keys' behalf


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_a_wrong_or_missing_admin_token_is_refused(
    api: Api, method: str, path: str, body: object
) -> None:
    path = path.format(user_id="usr_missing")
    missing = _call(api, method, path, body, {})
    assert missing.status_code == 401
    assert missing.json()["detail"].startswith("the /_stub admin routes need the stub's admin")
    for wrong in (api.stub.admin_token[:-1].encode() + b"x", b"\xe9" * 44, b""):
        response = _call(api, method, path, body, {ADMIN_TOKEN_HEADER.encode(): wrong})
        assert response.status_code in (401, 403), (wrong, response.text)
        assert ADMIN_TOKEN_HEADER in response.json()["detail"]


def test_the_admin_token_acts_in_the_tenant_it_names(api: Api) -> None:
    created = api.admin("POST", "/_stub/users", {"role": "viewer"})
    assert created.status_code == 201
    keys = api.get("/api/v2/api-keys").json()["items"]
    assert created.json()["api_key_id"] in {key["id"] for key in keys}
    unknown = api.http.get(
        "/_stub/executions", params={"tenant_id": "ten_nope"}, headers=api.stub.admin_headers
    )
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "tenant ten_nope not found"}


def test_each_stub_start_has_its_own_random_token_unless_one_is_given() -> None:
    with ThreadedStub(in_memory()) as first, ThreadedStub(in_memory()) as second:
        assert first.admin_token != second.admin_token
        assert first.admin_token.startswith("vstub_admin_")
        assert len(first.admin_token) >= 40
    with ThreadedStub(in_memory(admin_token=TOKEN)) as chosen:
        assert chosen.admin_token == TOKEN
        response = httpx.post(
            f"{chosen.base_url}/_stub/tenants", json={}, headers={ADMIN_TOKEN_HEADER: TOKEN}
        )
        assert response.status_code == 201


@pytest.mark.parametrize("bad", ["short", "has space in it, long enough", "x" * 201])
def test_an_unusable_configured_token_is_refused_at_start(bad: str) -> None:
    with pytest.raises(ValueError, match="admin token must be 16 to 200"):
        in_memory(admin_token=bad)


def test_a_non_ascii_token_is_compared_without_raising() -> None:
    assert check_admin_token(TOKEN, "\u00e9" * 44, sent_api_key=False) is not None
    assert check_admin_token(TOKEN, TOKEN, sent_api_key=False) is None


def test_the_command_prints_the_token_and_stub_process_exposes_it() -> None:
    with StubProcess(admin_token=TOKEN) as stub:
        assert stub.admin_token == TOKEN
        assert stub.admin_headers == {ADMIN_TOKEN_HEADER: TOKEN}
        assert ADMIN_TOKEN_ENV not in stub.env  # the client variables stay the client's
        stub.restart()
        assert stub.admin_token == TOKEN
        assert httpx.get(f"{stub.base_url}/_stub/executions", headers=stub.admin_headers).is_success
    with StubProcess() as stub:
        token = stub.admin_token
        assert token.startswith("vstub_admin_")
        stub.restart()
        assert stub.admin_token == token  # kept across restarts, like the owner key


def test_the_command_reads_the_token_from_the_environment(tmp_path: object) -> None:
    env = {**os.environ, ADMIN_TOKEN_ENV: TOKEN}
    command = [sys.executable, "-m", "velerian_stub", "--port", "0", "--db", ":memory:"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    ) as proc:
        assert proc.stdout is not None
        try:
            lines = [proc.stdout.readline().strip() for _ in range(6)]
        finally:
            proc.terminate()
            proc.wait(10)
    assert f"export {ADMIN_TOKEN_ENV}={TOKEN}" in lines
