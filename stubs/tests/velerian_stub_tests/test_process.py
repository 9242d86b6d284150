"""The real thing: the CLI in a subprocess, restart persistence, the demo runner."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from velerian_stub import StubProcess, StubStartError

KEY = "vk_live_" + "K" * 40


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_state_and_keys_survive_restarts(tmp_path: Path) -> None:
    db = tmp_path / "stub.sqlite3"
    with StubProcess(db_path=db) as stub:
        env = stub.env
        assert list(env) == [
            "VELERIAN_BASE_URL",
            "VELERIAN_API_KEY",
            "VELERIAN_ABP_ID",
            "VELERIAN_NETWORK_SLUG",
            "VELERIAN_DRAFT_ABP_ID",
        ]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", stub.base_url)
        assert re.fullmatch(r"vk_live_[A-Za-z0-9]{40}", stub.api_key)
        headers = auth(stub.api_key)
        invoke_url = f"{stub.base_url}/api/v2/abps/{stub.abp_id}/invoke"
        replayable = {**headers, "Idempotency-Key": "before-restart"}
        invocation = httpx.post(invoke_url, json={"payload": {"q": 1}}, headers=replayable).json()
        queued = httpx.post(
            f"{stub.base_url}/api/agenticx/networks/{stub.network_slug}/invoke?async=true",
            json={"prompt_text": "across restarts", "metadata": {"stub_duration_ms": 800}},
            headers=headers,
        ).json()
        draft = httpx.get(f"{stub.base_url}/api/v2/abps/{stub.draft_abp_id}", headers=headers)
        assert draft.json()["status"] == "draft"

        stub.restart()
        assert stub.env == {**env, "VELERIAN_BASE_URL": stub.base_url}
        run_url = f"{stub.base_url}/api/v2/pack-runs/{queued['run_id']}"
        deadline = time.monotonic() + 5
        while (run := httpx.get(run_url, headers=headers).json())["status"] != "succeeded":
            assert run["status"] in ("queued", "running")
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert httpx.get(run["evidence_download_url"]).status_code == 200
        invoke_url = f"{stub.base_url}/api/v2/abps/{stub.abp_id}/invoke"
        replay = httpx.post(invoke_url, json={"payload": {"q": 1}}, headers=replayable)
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json() == invocation
        generated = stub.api_key

    # A later start with --api-key on the same database adds that key; old keys stay.
    with StubProcess(db_path=db, api_key=KEY) as again:
        assert again.api_key == KEY
        assert again.abp_id == env["VELERIAN_ABP_ID"]
        for key in (KEY, generated):
            response = httpx.get(f"{again.base_url}/api/v2/audit-log", headers=auth(key))
            assert response.status_code == 200
            assert response.json()["total"] == 2


def test_a_failing_start_reports_stderr() -> None:
    stub = StubProcess(args=["--fail-before", "2"])
    with pytest.raises(StubStartError, match="must be between 0 and 1"):
        stub.start()
    stub.close()


def test_demo_runs_a_script_with_the_environment(tmp_path: Path) -> None:
    script = tmp_path / "show_env.py"
    script.write_text(
        "import os, sys\n"
        "import httpx\n"
        "base = os.environ['VELERIAN_BASE_URL']\n"
        "key = os.environ['VELERIAN_API_KEY']\n"
        "r = httpx.get(base + '/api/v2/abps/' + os.environ['VELERIAN_ABP_ID'],"
        " headers={'Authorization': 'Bearer ' + key})\n"
        "print('status', r.status_code, sys.argv[1:])\n"
        "sys.exit(3)\n",
        encoding="utf-8",
    )
    completed = subprocess.run(
        [sys.executable, "-m", "velerian_stub.demo", str(script), "one", "--two"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 3, completed.stderr
    assert "status 200 ['one', '--two']" in completed.stdout
    assert "velerian-stub serving at http://127.0.0.1:" in completed.stderr


def test_a_synchronous_invoke_killed_mid_run_is_resumed_not_run_again(tmp_path: Path) -> None:
    db = tmp_path / "stub.sqlite3"
    body = {"prompt_text": "slow", "metadata": {"stub_duration_ms": 1500}}
    with StubProcess(db_path=db) as stub:
        headers = {**auth(stub.api_key), "Idempotency-Key": "sync-1"}
        path = f"/api/agenticx/networks/{stub.network_slug}/invoke"
        cut: list[BaseException] = []

        def first_attempt() -> None:
            try:
                httpx.post(stub.base_url + path, json=body, headers=headers, timeout=30)
            except httpx.TransportError as exc:
                cut.append(exc)

        worker = threading.Thread(target=first_attempt)
        worker.start()
        deadline = time.monotonic() + 10
        while not executed_runs(db, "sync-1"):
            assert time.monotonic() < deadline, "the run was never created"
            time.sleep(0.02)
        stub.kill()  # the run exists; its answer does not yet
        worker.join(10)
        assert cut, "the first attempt should have lost its connection"
        assert not stub.running
        stub.start()
        retry = httpx.post(stub.base_url + path, json=body, headers=headers, timeout=30)
        assert retry.status_code == 200, retry.text
        assert executed_runs(db, "sync-1") == [retry.json()["run_id"]]
        replay = httpx.post(stub.base_url + path, json=body, headers=headers, timeout=30)
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json() == retry.json()


def executed_runs(db: Path, key: str) -> list[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT resource_id FROM executions WHERE idempotency_key = ?", (key,)
        ).fetchall()
    connection.close()
    return [str(row[0]) for row in rows]
