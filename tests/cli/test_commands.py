"""Every ``velerian`` command against the stub: text for people, ``--json`` read back."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import cast

import pytest

from velerian_cli._audit_commands import CSV_COLUMNS
from velerian_sdk import VelerianClient
from velerian_stub.pytest_plugin import StubTenant

from .conftest import invocation_of, run_cli, tenant_variables, velerian

OK, ERROR, NOT_RELEASED, RUN_PENDING = 0, 1, 13, 12
QUICK = ("--metadata", '{"stub_duration_ms": 0}')  # the stub runs the run at once


def test_invoke_prints_the_verdict(velerian_tenant: StubTenant, env: dict[str, str | None]) -> None:
    abp = velerian_tenant.abp_id
    run = run_cli("invoke", abp, "--payload", '{"prompt": "Summarize Q3."}', env=env)
    assert run.status == OK, run.stderr
    assert run.stdout.startswith("ALLOWED: the output is released\ninvocation inv_")
    assert f"fetch it: velerian evidence download {abp} inv_" in run.stdout

    run = run_cli("invoke", abp, "--payload", '{"prompt": "DENY"}', "--json", env=env)
    assert run.status == NOT_RELEASED
    assert run.document()["outcome"] == "denied"
    assert run.document()["withheld"] is True

    run = run_cli("invoke", abp, "--payload", '{"prompt": "REQUIRE_APPROVAL"}', env=env)
    assert run.status == NOT_RELEASED
    assert run.stdout.startswith("HELD for human approval (approval apr_")


def test_invoke_reads_the_payload_from_a_file_or_stdin(
    velerian_tenant: StubTenant, env: dict[str, str | None], tmp_path: Path
) -> None:
    payload = tmp_path / "payload.json"
    payload.write_text('{"prompt": "from a file"}', encoding="utf-8")
    abp = velerian_tenant.abp_id
    assert run_cli("invoke", abp, "--payload", f"@{payload}", env=env).status == OK
    run = run_cli("invoke", abp, "--payload", "@-", "--json", env=env, stdin='{"prompt": "x"}')
    assert run.status == OK
    assert run.document()["is_allowed"] is True


def test_invoke_with_an_idempotency_key_is_billed_once(
    velerian_tenant: StubTenant, env: dict[str, str | None]
) -> None:
    args = ["invoke", velerian_tenant.abp_id, "--payload", '{"prompt": "once"}', "--json"]
    first = run_cli(*args, "--idempotency-key", "rerun-7", env=env)
    again = run_cli(*args, "--idempotency-key", "rerun-7", env=env)
    assert first.document()["invocation_id"] == again.document()["invocation_id"]


def test_evidence_download_saves_checks_and_verifies(
    velerian_tenant: StubTenant, env: dict[str, str | None], tmp_path: Path
) -> None:
    invoked = run_cli(
        "invoke", velerian_tenant.abp_id, "--payload", '{"prompt": "x"}', "--json", env=env
    ).document()
    target = tmp_path / "evidence.jsonl"
    run = run_cli(
        "evidence", "download", velerian_tenant.abp_id, str(invoked["invocation_id"]),
        "-o", str(target), "--format", "jsonl", "--json", env=env,
    )  # fmt: skip
    assert run.status == OK, run.stderr
    document = run.document()
    assert document["path"] == str(target)
    assert document["size_bytes"] == target.stat().st_size
    verification = cast("dict[str, object]", document["verification"])
    assert verification["intact"] is True
    assert [p.name for p in tmp_path.iterdir()] == ["evidence.jsonl"]  # no temporary left

    run = run_cli(
        "evidence", "download", velerian_tenant.abp_id, str(invoked["invocation_id"]),
        "-o", str(tmp_path), env=env,
    )  # fmt: skip
    assert run.status == OK
    assert run.stdout.startswith(f"saved {tmp_path}/exp_")
    assert ": intact, 1 pack(s) in 1 chain(s)" in run.stdout


def test_evidence_package_exports_since_a_moment(
    velerian_tenant: StubTenant, env: dict[str, str | None], tmp_path: Path
) -> None:
    for _ in range(2):
        run_cli("invoke", velerian_tenant.abp_id, "--payload", '{"prompt": "x"}', env=env)
    target = tmp_path / "package.json"
    run = run_cli(
        "evidence", "package", velerian_tenant.abp_id, "--since", "2000-01-01T00:00:00Z",
        "-o", str(target), "--json", env=env,
    )  # fmt: skip
    assert run.status == OK, run.stderr
    verification = cast("dict[str, object]", run.document()["verification"])
    assert verification["packs_checked"] == 2
    assert run_cli("evidence", "verify", str(target)).status == OK


def test_networks_invoke_waits_for_the_verdict(
    velerian_tenant: StubTenant, env: dict[str, str | None], tmp_path: Path
) -> None:
    attachment = tmp_path / "claims.csv"
    attachment.write_text("claim,amount\n7,120\n", encoding="utf-8")
    slug = velerian_tenant.network_slug
    run = run_cli(
        "networks", "invoke", slug, "--prompt", "Review claim 7.", "--attach", str(attachment),
        *QUICK, "--json", env=env,
    )  # fmt: skip
    assert run.status == OK, run.stderr
    document = run.document()
    assert document["status"] == "succeeded"
    assert len(cast("list[str]", document["attachment_ids"])) == 1

    run = run_cli("networks", "invoke", slug, "--prompt", "DENY", *QUICK, env=env)
    assert run.status == NOT_RELEASED
    assert run.stdout.startswith("run run_")
    assert ": blocked\n" in run.stdout

    run = run_cli("networks", "invoke", slug, "--prompt", "FAIL", *QUICK, env=env)
    assert run.status == ERROR
    assert "error: model run failed" in run.stdout


def test_networks_invoke_no_wait_then_runs_wait(
    velerian_tenant: StubTenant, env: dict[str, str | None]
) -> None:
    slug = velerian_tenant.network_slug
    run = run_cli("networks", "invoke", slug, "--prompt", "later", "--no-wait", *QUICK, env=env)
    assert run.status == OK, run.stderr
    run_id = run.stdout.split()[1].rstrip(":")
    assert f"collect it: velerian runs wait {run_id}" in run.stdout

    run = run_cli("runs", "wait", run_id, "--json", env=env)
    assert run.status == OK
    assert run.document()["id"] == run_id
    assert run.document()["status"] == "succeeded"


def test_ctrl_c_while_waiting_says_how_to_resume(
    velerian_tenant: StubTenant, env: dict[str, str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    slug = velerian_tenant.network_slug
    slow = ("--metadata", '{"stub_duration_ms": 60000}')
    queued = run_cli(
        "networks", "invoke", slug, "--prompt", "x", *slow, "--no-wait", "--json", env=env
    )
    run_id = str(queued.document()["id"])

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt  # Ctrl-C lands while the client sleeps between polls

    monkeypatch.setattr(time, "sleep", interrupted)
    for args in (["runs", "wait", run_id], ["networks", "invoke", slug, "--prompt", "x", *slow]):
        run = run_cli(*args, env=env)
        assert run.status == RUN_PENDING
        first, *details = run.stderr.splitlines()
        assert first.startswith("error: interrupted: stopped waiting for run run_")
        assert first.endswith("; it was not cancelled")
        shown = first.split()[6].rstrip(";")
        assert details == [f"  run_id: {shown}", f"  resume: velerian runs wait {shown}"]


def test_a_wait_that_times_out_prints_the_run_and_how_to_resume(
    velerian_tenant: StubTenant, env: dict[str, str | None]
) -> None:
    slow = '{"stub_duration_ms": 60000}'
    args = ["networks", "invoke", velerian_tenant.network_slug, "--prompt", "slow"]
    run = run_cli(*args, "--metadata", slow, "--timeout", "0.3", env=env)
    assert run.status == RUN_PENDING
    first, *details = run.stderr.splitlines()
    assert first.startswith("error: run run_")
    assert first.endswith(": not cancelled, it may still finish")
    run_id = first.split()[2]
    assert details == [f"  run_id: {run_id}", f"  resume: velerian runs wait {run_id}"]

    run = run_cli("runs", "wait", run_id, "--timeout", "0.2", "--json", env=env)
    assert run.status == RUN_PENDING
    assert run.stdout == ""
    assert run.error()["run_id"] == run_id
    assert run.error()["resume"] == f"velerian runs wait {run_id}"
    assert run.error()["error"] == "run-pending"


def _make_audit_entries(tenant: StubTenant, count: int) -> None:
    with VelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as client:
        for number in range(count):
            client.abps.invoke(tenant.abp_id, payload={"prompt": f"entry {number}"})


def test_audit_list_walks_every_page(
    velerian_tenant: StubTenant, env: dict[str, str | None]
) -> None:
    _make_audit_entries(velerian_tenant, 5)
    run = run_cli("audit", "list", "--page-size", "2", "--json", env=env)
    assert run.status == OK, run.stderr
    rows = run.lines()
    assert [row["action"] for row in rows] == ["abp.invoke"] * 5
    assert len({row["id"] for row in rows}) == 5

    table = run_cli("audit", "list", "--page-size", "2", "--max", "3", env=env)
    header, *lines = table.stdout.splitlines()
    assert header.split() == ["CREATED", "ACTION", "ACTOR", "RESOURCE"]
    assert len(lines) == 3
    assert all(" abp.invoke " in line for line in lines)

    csv_run = run_cli("audit", "list", "--format", "csv", "--action", "abp.invoke", env=env)
    assert csv_run.stdout.splitlines()[0].startswith("id,created_at,action,")
    assert len(csv_run.stdout.splitlines()) == 6

    none = run_cli("audit", "list", "--since", "2999-01-01T00:00:00Z", "--json", env=env)
    assert none.status == OK
    assert none.stdout == ""


def test_audit_rows_stream_and_a_closed_pipe_ends_quietly(slow_tenant: StubTenant) -> None:
    for number in range(3):
        invocation_of(slow_tenant, f"entry {number}")
    argv = velerian("audit", "list", "--json", "--page-size", "1")
    env = {**os.environ, **tenant_variables(slow_tenant)}
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        first = json.loads(proc.stdout.readline())
        # The first row is out while the next pages are still being fetched.
        assert proc.poll() is None
        assert first["action"] == "abp.invoke"
        proc.stdout.close()  # like `| head -1`
        assert proc.wait(timeout=30) == ERROR
        assert proc.stderr.read() == b""  # no traceback, no BrokenPipeError noise


def test_audit_export_writes_the_file_atomically(
    velerian_tenant: StubTenant, env: dict[str, str | None], tmp_path: Path
) -> None:
    _make_audit_entries(velerian_tenant, 3)
    target = tmp_path / "audit.csv"
    run = run_cli(
        "audit", "export", "-o", str(target), "--format", "csv", "--page-size", "2",
        "--json", env=env,
    )  # fmt: skip
    assert run.status == OK, run.stderr
    assert run.document() == {"path": str(target), "entries": 3, "format": "csv"}
    assert len(target.read_text(encoding="utf-8").splitlines()) == 4
    assert [p.name for p in tmp_path.iterdir()] == ["audit.csv"]

    empty = run_cli(
        "audit", "export", "--format", "csv", "--since", "2999-01-01T00:00:00Z", env=env
    )
    assert empty.stdout == ",".join(CSV_COLUMNS) + "\n"  # the header, even with no rows

    jsonl = run_cli("audit", "export", env=env)
    assert [json.loads(line)["action"] for line in jsonl.stdout.splitlines()] == ["abp.invoke"] * 3

    failed = run_cli(
        "audit", "export", "-o", str(tmp_path / "bad.jsonl"), "--since", "yesterday", env=env
    )
    assert failed.status == 2
    assert [p.name for p in tmp_path.iterdir()] == ["audit.csv"]  # nothing half-written


def test_keys_create_list_revoke(env: dict[str, str | None]) -> None:
    run = run_cli(
        "keys", "create", "--name", "auditor", "--scope", "evidence:read",
        "--scope", "audit:read", "--json", env=env,
    )  # fmt: skip
    assert run.status == OK, run.stderr
    created = run.document()
    secret = str(created["secret"])
    assert secret.startswith("vk_")
    assert created["scopes"] == ["evidence:read", "audit:read"]
    assert secret not in run.stderr

    listed = run_cli("keys", "list", "--json", env=env)
    rows = {row["id"]: row for row in listed.lines()}
    assert created["id"] in rows
    assert "secret" not in rows[created["id"]]
    assert secret not in listed.stdout

    revoked = run_cli("keys", "revoke", str(created["id"]), env=env)
    assert revoked.status == OK
    assert revoked.stdout == f"revoked key {created['id']}\n"
    again = run_cli("keys", "revoke", str(created["id"]), "--json", env=env)
    assert again.status == OK  # the stub accepts a second revoke
    assert again.document() == {"revoked": created["id"]}
    table = run_cli("keys", "list", env=env).stdout
    line = next(line for line in table.splitlines() if line.startswith(str(created["id"])))
    assert " revoked " in line

    # The revoked key now gets 401: exit status 3.
    assert run_cli("keys", "list", env={**env, "VELERIAN_API_KEY": secret}).status == 3


def test_keys_create_shows_the_secret_once_on_stdout(env: dict[str, str | None]) -> None:
    run = run_cli("keys", "create", "--name", "ci", "--scope", "runs:read", env=env)
    assert run.status == OK
    first, second = run.stdout.splitlines()
    assert first.startswith("created key key_")
    assert second.startswith("secret (shown once, store it now): vk_")
    assert run.stderr == ""


def test_the_minted_secret_is_never_logged(velerian_tenant: StubTenant) -> None:
    # VELERIAN_LOG=debug makes the SDK log every request and response to stderr.
    env = {**os.environ, **tenant_variables(velerian_tenant), "VELERIAN_LOG": "debug"}
    argv = velerian("keys", "create", "--name", "logged", "--scope", "runs:read", "--debug")
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=30, check=False)
    assert done.returncode == OK, done.stderr
    secret = done.stdout.splitlines()[1].rpartition(" ")[2]
    assert secret.startswith("vk_")
    assert "POST" in done.stderr  # the log is on
    assert secret not in done.stderr
    assert secret[-12:] not in done.stderr


def test_version_and_help() -> None:
    run = run_cli("--version")
    assert run.status == OK
    assert run.stdout.startswith("velerian ")
