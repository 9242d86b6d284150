"""Network runs: clock-driven progression, terminal results once, revise, share, sync."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from .support import Api


def poll(api: Api, run_id: str) -> dict[str, Any]:
    run: dict[str, Any] = api.get(f"/api/v2/pack-runs/{run_id}").json()
    return run


def wait_terminal(api: Api, run_id: str, timeout: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run = poll(api, run_id)
        if run["status"] in ("succeeded", "failed", "blocked"):
            return run
        assert time.monotonic() < deadline, run
        time.sleep(min(run["poll_after_s"], 0.1))


def test_run_moves_queued_running_succeeded_over_real_time(api: Api) -> None:
    queued = api.run("hello")
    assert queued["status"] == "queued"
    assert queued["run_id"].startswith("run_")
    assert queued["run_url"] == f"{api.stub.base_url}/app/runs/{queued['run_id']}"
    first = poll(api, queued["run_id"])
    assert first["status"] == "queued"
    assert first["model_id"] is None
    assert first["started_at"] is None
    assert 0 < first["poll_after_s"] <= 3
    assert first["output_text"] is None
    assert first["governance_pass"] is None
    assert first["evidence_download_url"] is None
    time.sleep(0.15)
    running = poll(api, queued["run_id"])
    assert running["status"] == "running"
    assert running["model_id"] is not None
    assert running["started_at"] is not None
    assert running["finished_at"] is None
    done = wait_terminal(api, queued["run_id"])
    assert done["status"] == "succeeded"
    assert done["output_text"]
    assert done["governance_pass"] is True
    assert done["poll_after_s"] is None
    assert done["finished_at"] is not None
    assert done["evidence_pack_id"].startswith("evp_")
    evidence = httpx.get(done["evidence_download_url"])
    assert evidence.status_code == 200
    assert evidence.json()["packs"][0]["run_id"] == queued["run_id"]


def test_stub_duration_ms_sets_the_running_time(api: Api) -> None:
    quick = api.run("quick", stub_duration_ms=0)
    slow = api.run("slow", stub_duration_ms=60_000)
    time.sleep(0.15)
    assert poll(api, quick["run_id"])["status"] == "succeeded"
    slow_run = poll(api, slow["run_id"])
    assert slow_run["status"] == "running"
    assert slow_run["poll_after_s"] == 3.0


def test_bad_stub_duration_is_422(api: Api) -> None:
    response = api.post(
        f"/api/agenticx/networks/{api.slug}/invoke?async=true",
        {"prompt_text": "x", "metadata": {"stub_duration_ms": "soon"}},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "metadata", "stub_duration_ms"]


def test_terminal_result_materialises_exactly_once(api: Api) -> None:
    queued = api.run("once", stub_duration_ms=0)
    time.sleep(0.15)
    seen: list[str] = []

    def read() -> None:
        with httpx.Client(base_url=api.stub.base_url) as client:
            run = client.get(f"/api/v2/pack-runs/{queued['run_id']}", headers=api.auth()).json()
            seen.append(run["evidence_pack_id"])

    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1
    summary = api.get("/api/v2/usage/summary").json()
    assert summary["evidence_total"] == 1


def test_usage_and_lists_finish_due_runs_without_a_direct_read(api: Api) -> None:
    queued = api.run("unread", stub_duration_ms=0)
    time.sleep(0.15)
    packs = api.get("/api/v2/usage/summary").json()["evidence_packs"]
    assert [p["run_id"] for p in packs] == [queued["run_id"]]


def test_blocked_and_failed_are_terminal_results(api: Api) -> None:
    denied = api.run("DENY", stub_duration_ms=0)
    held = api.run("REQUIRE_APPROVAL", stub_duration_ms=0)
    failed = api.run("FAIL", stub_duration_ms=0)
    blocked_run = wait_terminal(api, denied["run_id"])
    assert blocked_run["status"] == "blocked"
    assert blocked_run["governance_pass"] is False
    assert blocked_run["output_text"] is None
    held_run = wait_terminal(api, held["run_id"])
    assert held_run["status"] == "blocked"
    assert held_run["governance_reasons"] == ["requires human approval"]
    failed_run = wait_terminal(api, failed["run_id"])
    assert failed_run["status"] == "failed"
    assert failed_run["error"]
    assert failed_run["evidence_download_url"] is not None


def test_list_runs_filters_by_status_and_network(api: Api) -> None:
    api.run("fast", stub_duration_ms=0)
    api.run("slow", stub_duration_ms=60_000)
    time.sleep(0.15)
    page = api.get("/api/v2/pack-runs").json()
    assert page["total"] == 2
    running = api.get("/api/v2/pack-runs", params={"status": "running"}).json()
    assert [r["prompt_text"] for r in running["items"]] == ["slow"]
    succeeded = api.get("/api/v2/pack-runs", params={"status": "succeeded"}).json()
    assert [r["prompt_text"] for r in succeeded["items"]] == ["fast"]
    other = api.get("/api/v2/pack-runs", params={"network_slug": "elsewhere"}).json()
    assert other["total"] == 0


def test_network_invocations_are_audited(api: Api) -> None:
    queued = api.run("audit me")
    entries = api.get("/api/v2/audit-log", params={"action": "network.invoke"}).json()["items"]
    assert [e["resource_id"] for e in entries] == [queued["run_id"]]
    assert entries[0]["metadata"]["network_slug"] == api.slug


def test_unknown_network_is_404(api: Api) -> None:
    response = api.post(
        "/api/agenticx/networks/no-such-net/invoke?async=true", {"prompt_text": "x"}
    )
    assert response.status_code == 404
    assert api.get("/api/v2/pack-runs/run_000000000000000000000000").status_code == 404


def test_missing_prompt_is_422(api: Api) -> None:
    response = api.post(f"/api/agenticx/networks/{api.slug}/invoke?async=true", {})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "prompt_text"]


def test_synchronous_invoke_waits_for_the_run(api: Api) -> None:
    started = time.monotonic()
    response = api.post(
        f"/api/agenticx/networks/{api.slug}/invoke",
        {"prompt_text": "sync please", "metadata": {"stub_duration_ms": 300}},
    )
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200
    result = response.json()
    assert set(result) == {
        "slug",
        "run_id",
        "run_url",
        "prompt_id",
        "output_text",
        "model_id_used",
        "governance_pass",
        "governance_reasons",
        "evidence_download_url",
    }
    assert result["prompt_id"] == result["run_id"]
    assert result["slug"] == api.slug
    assert result["run_url"] == f"{api.stub.base_url}/app/runs/{result['run_id']}"
    assert poll(api, result["run_id"])["status"] == "succeeded"


def test_revise_needs_a_finished_run(api: Api) -> None:
    queued = api.run("draft answer", stub_duration_ms=60_000)
    early = api.post(f"/api/v2/pack-runs/{queued['run_id']}/revise", {"instructions": "shorter"})
    assert early.status_code == 409
    done = api.run("draft answer", stub_duration_ms=0)
    wait_terminal(api, done["run_id"])
    revised = api.post(f"/api/v2/pack-runs/{done['run_id']}/revise", {"instructions": "shorter"})
    assert revised.status_code == 202
    body = revised.json()
    assert body["status"] == "queued"
    run = poll(api, body["run_id"])
    assert run["revision_of"] == done["run_id"]
    assert run["prompt_text"].endswith("shorter")
    actions = [e["action"] for e in api.get("/api/v2/audit-log").json()["items"]]
    assert actions.count("run.revise") == 1
    missing = api.post(f"/api/v2/pack-runs/{done['run_id']}/revise", {"instructions": ""})
    assert missing.status_code == 422


def test_share_link_reads_the_run_without_a_key(api: Api) -> None:
    queued = api.run("share me", stub_duration_ms=0)
    share = api.post(f"/api/v2/pack-runs/{queued['run_id']}/share", {"expires_in_s": 600})
    assert share.status_code == 201
    body = share.json()
    assert body["run_id"] == queued["run_id"]
    assert body["expires_at"].endswith("Z")
    shared = httpx.get(body["share_url"])
    assert shared.status_code == 200
    assert shared.json()["id"] == queued["run_id"]
    assert httpx.get(body["share_url"], headers=api.auth()).status_code == 400
    assert httpx.get(body["share_url"].replace("sig=", "sig=0")).status_code == 403
    default = api.post(f"/api/v2/pack-runs/{queued['run_id']}/share").json()
    assert default["expires_at"] > body["expires_at"]
    too_short = api.post(f"/api/v2/pack-runs/{queued['run_id']}/share", {"expires_in_s": 1})
    assert too_short.status_code == 422


def test_run_row_carries_no_run_url_slug_or_prompt_id(api: Api) -> None:
    """0.1.2: the row "names the model `model_id` and carries no `slug`/`run_url`/`prompt_id`"."""
    run_id = api.run("row shape")["run_id"]
    row = poll(api, run_id)
    listed = api.get("/api/v2/pack-runs").json()["items"]
    for shown in (row, *listed):
        assert not {"run_url", "slug", "prompt_id"} & set(shown)
        assert "model_id" in shown


def test_run_url_is_a_browser_page_on_the_app_origin(api: Api) -> None:
    queued = api.run("permalink")
    page = api.http.get(queued["run_url"])  # no key: it is the app's page, not the API
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert queued["run_id"] in page.text
    # The page shows no run data: the prompt stays behind the API's authentication.
    assert "permalink" not in page.text
    escaped = api.http.get("/app/runs/%3Cscript%3E")
    assert "<script>" not in escaped.text


def test_a_client_that_follows_the_poll_hint_sees_every_status(api: Api) -> None:
    queued = api.run("hinted", stub_duration_ms=500)
    seen = ["queued"]
    deadline = time.monotonic() + 5
    while (run := poll(api, queued["run_id"]))["status"] not in ("succeeded", "failed"):
        if run["status"] != seen[-1]:
            seen.append(run["status"])
        assert time.monotonic() < deadline, seen
        time.sleep(run["poll_after_s"])  # no sooner, no later than the server says
    seen.append(run["status"])
    assert seen == ["queued", "running", "succeeded"]
