"""Each class of failure ends ``velerian`` with its own exit status, as one line."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from velerian_cli._exit_status import EXIT_STATUS_HELP, EXPLANATIONS, ExitStatus, exit_status_of
from velerian_cli._scope import redact
from velerian_sdk import VelerianClient, VelerianError, VelerianRunTimeoutError
from velerian_stub.pytest_plugin import StubTenant

from .conftest import FaultStubs, run_cli, stub_env


def assert_one_line(stderr: str, start: str) -> None:
    assert stderr.startswith(f"error: {start}"), stderr
    assert stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr


def test_the_statuses_are_fixed_distinct_and_documented() -> None:
    # Scripts depend on these numbers: changing one is a breaking change.
    assert {status.label: status.value for status in ExitStatus} == {
        "ok": 0, "error": 1, "usage": 2, "auth": 3, "forbidden": 4, "not-found": 5,
        "conflict": 6, "validation": 7, "rate-limit": 8, "server": 9, "connection": 10,
        "integrity": 11, "run-pending": 12, "not-released": 13,
    }  # fmt: skip
    docs = Path(__file__).parents[2] / "docs" / "cli.md"
    text = docs.read_text(encoding="utf-8")
    for status in ExitStatus:
        row = f"| {status.value} | `{status.label}` | {EXPLANATIONS[status]} |"
        assert row in text, row
    assert EXIT_STATUS_HELP.startswith("Exit status: 0 ok, 1 error, 2 usage, 3 auth")
    assert exit_status_of(VelerianRunTimeoutError("run_1", status="running", waited_s=1.0)) == 12
    assert exit_status_of(VelerianError("anything else")) == ExitStatus.ERROR


def test_auth_a_bad_key(velerian_tenant: StubTenant) -> None:
    env = {"VELERIAN_API_KEY": "vk_live_" + "x" * 40, "VELERIAN_BASE_URL": velerian_tenant.base_url}
    run = run_cli("keys", "list", env=env)
    assert run.status == ExitStatus.AUTH
    assert_one_line(run.stderr, "GET /api/v2/api-keys -> HTTP 401")

    run = run_cli("keys", "list", "--json", env=env)
    assert run.status == 3
    assert run.error()["error"] == "auth"
    assert run.error()["exit_status"] == 3


def test_forbidden_a_key_without_the_scope(
    velerian_tenant: StubTenant, env: dict[str, str | None]
) -> None:
    with VelerianClient(api_key=velerian_tenant.api_key, base_url=velerian_tenant.base_url) as c:
        reader = c.api_keys.create(name="runs reader", scopes=["runs:read"])
    limited = {**env, "VELERIAN_API_KEY": reader.secret.get_secret_value()}
    run = run_cli("audit", "list", env=limited)
    assert run.status == ExitStatus.FORBIDDEN
    assert_one_line(run.stderr, "GET /api/v2/audit-log -> HTTP 403")


def test_not_found(env: dict[str, str | None]) -> None:
    run = run_cli("keys", "revoke", "key_0123456789abcdef01234567", env=env)
    assert run.status == ExitStatus.NOT_FOUND
    assert_one_line(run.stderr, "DELETE /api/v2/api-keys/key_0123456789abcdef01234567 -> HTTP 404")


def test_conflict_invoking_a_draft_abp(
    velerian_tenant: StubTenant, env: dict[str, str | None]
) -> None:
    run = run_cli("invoke", velerian_tenant.draft_abp_id, "--payload", '{"prompt": "x"}', env=env)
    assert run.status == ExitStatus.CONFLICT
    assert_one_line(
        run.stderr, f"POST /api/v2/abps/{velerian_tenant.draft_abp_id}/invoke -> HTTP 409"
    )


def test_validation_the_api_rejects_the_content(
    velerian_tenant: StubTenant, env: dict[str, str | None]
) -> None:
    run = run_cli(
        "networks", "invoke", velerian_tenant.network_slug, "--prompt", "x",
        "--metadata", '{"stub_duration_ms": -1}', env=env,
    )  # fmt: skip
    assert run.status == ExitStatus.VALIDATION
    assert_one_line(run.stderr, "POST /api/agenticx/networks/")
    assert "HTTP 422" in run.stderr


def test_rate_limit(fault_stubs: FaultStubs) -> None:
    statuses = [
        run_cli("--max-retries", "0", "keys", "list", env=stub_env(fault_stubs.rate_limited)).status
        for _ in range(4)
    ]
    # One request per second passes; four in a row cannot all fall in separate seconds.
    assert 8 in statuses, statuses
    assert set(statuses) <= {0, 8}, statuses


def test_server_errors(fault_stubs: FaultStubs) -> None:
    run = run_cli("--max-retries", "0", "keys", "list", env=stub_env(fault_stubs.failing))
    assert run.status == ExitStatus.SERVER
    assert_one_line(run.stderr, "GET /api/v2/api-keys -> HTTP 503")


def test_connection_a_closed_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        "VELERIAN_API_KEY": "vk_live_" + "x" * 40,
        "VELERIAN_BASE_URL": f"http://127.0.0.1:{port}",
    }
    run = run_cli("--max-retries", "0", "keys", "list", env=env)
    assert run.status == ExitStatus.CONNECTION
    assert run.stderr.startswith("error: ")
    assert "Traceback" not in run.stderr


def test_integrity_a_tampered_evidence_file(tmp_path: Path) -> None:
    pack = '{"chain_hash": "' + "1" * 64 + '", "prev_chain_hash": "' + "0" * 64 + '"}'
    tampered = tmp_path / "evidence.json"
    tampered.write_text(pack, encoding="utf-8")
    run = run_cli("evidence", "verify", str(tampered))
    assert run.status == ExitStatus.INTEGRITY


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["invoke", "abp_1", "--payload", "{not json"],
            "--payload is not valid JSON at line 1 column 2 (Expecting property name enclosed "
            """in double quotes); pass an object such as '{"prompt": "..."}' or @file.json""",
        ),
        (
            ["invoke", "abp_1", "--payload", "[1]"],
            "--payload must be a JSON object ({...}), got a list",
        ),
        (
            ["invoke", "abp_1", "--payload", "@/nonexistent/payload.json"],
            "--payload: cannot read /nonexistent/payload.json: No such file or directory",
        ),
        (
            ["networks", "invoke", "net", "--prompt", "x", "--attach", "/nonexistent.csv"],
            "--attach: /nonexistent.csv is not a readable file",
        ),
    ],
)
def test_usage_bad_input_is_one_line_that_says_what_to_fix(
    env: dict[str, str | None], args: list[str], message: str
) -> None:
    run = run_cli(*args, env=env)
    assert run.status == ExitStatus.USAGE
    assert run.stderr == f"error: {message}\n"


def test_usage_no_api_key() -> None:
    run = run_cli("keys", "list")
    assert run.status == 2
    assert (
        run.stderr
        == "error: no API key: set VELERIAN_API_KEY to your key (vk_live_...) and rerun\n"
    )


def test_usage_an_option_typer_rejects() -> None:
    run = run_cli("audit", "list", "--format", "xml")
    assert run.status == 2
    assert "Invalid value for '--format'" in run.stderr


def test_redaction_hides_keys_and_signed_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VELERIAN_API_KEY", "sk-not-our-format-but-secret")
    text = (
        "key vk_live_abcdefgh1234 and sk-not-our-format-but-secret at "
        "https://storage.example/exports/e1?X-Sig=abc123&expires=9 done"
    )
    assert redact(text) == (
        "key <redacted key> and <redacted key> at "
        "https://storage.example/exports/e1?<redacted> done"
    )


def test_debug_shows_a_redacted_traceback(velerian_tenant: StubTenant) -> None:
    key = "vk_live_" + "s3cr3t" * 7
    env = {"VELERIAN_API_KEY": key, "VELERIAN_BASE_URL": velerian_tenant.base_url}
    run = run_cli("keys", "list", "--debug", env=env)
    assert run.status == 3
    assert "Traceback (most recent call last)" in run.stderr
    assert "VelerianAuthError" in run.stderr
    assert "s3cr3t" not in run.stderr
    assert run.stderr.splitlines()[-1].startswith("error: GET /api/v2/api-keys -> HTTP 401")
