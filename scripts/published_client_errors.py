"""
The escape hatch and every error 0.1.2 maps, provoked for real against the stubs.

Part of ``published_client_calls.py``: ``get``/``post``/``delete``/``request``, a key
without a scope (403) and a revoked key (401), an unknown key, id and draft ABP (401,
404, 409), a refused body (422), an undeclared method (405, the base class), a failing
stub (5xx, and 0.1.2's backoff), a rate-limited stub (429 with ``retry_after``, and
0.1.2 sleeping ``Retry-After`` before its retry), and a closed client.
"""

from __future__ import annotations

from typing import cast

from published_client_protocols import APIErrorShape, Client01, RateLimitShape
from published_client_run import Run, recording_sleeps, stop_recording

__all__ = ["errors", "escape_hatch", "lifecycle"]

FAKE_ID = "abp_" + "0" * 24
NEVER_ISSUED_KEY = "vk_live_" + "x" * 40


def escape_hatch(run: Run, client: Client01) -> None:
    """get/post/delete/request, and the errors a key without a scope and a revoked key get."""
    ex = run.expect
    listed = client.get("abps", params={"status": "deployed"})
    ex.equal(listed.status_code, 200, "get")
    statuses = [row["status"] for row in cast("list[dict[str, str]]", listed.json()["items"])]
    ex.equal(statuses, ["deployed"], "filtered")
    run.log.record("get.abps", listed.json())
    minted = client.post("api-keys", json={"name": "published-0.1.2", "scopes": ["runs:read"]})
    ex.equal(minted.status_code, 201, "post")
    key = cast("dict[str, str]", minted.json())
    narrow = run.client(api_key=ex.text(key["secret"], "secret"))
    run.raises("error.403", "VelerianForbiddenError", narrow.list_audit_log)
    raw = client.request("GET", "/api/v2/usage/summary", params={"evidence_limit": 1})
    ex.equal(raw.json()["tenant_id"], client.usage_summary().tenant_id, "request, absolute path")
    ex.equal(client.delete(f"api-keys/{key['id']}").status_code, 204, "delete")
    revoked = run.raises("error.401.revoked", "VelerianAuthError", narrow.usage_summary)
    ex.equal(cast("APIErrorShape", revoked).status_code, 401, "status_code")


def errors(run: Run, client: Client01, draft_abp_id: str) -> None:
    """Every error 0.1.2 maps, provoked for real: 401, 404, 409, 422, other 4xx, 5xx, 429."""
    ex = run.expect
    stranger = run.client(api_key=NEVER_ISSUED_KEY)
    run.raises("error.401", "VelerianAuthError", stranger.usage_summary)
    run.raises("error.404", "VelerianNotFoundError", lambda: client.invoke_abp(FAKE_ID, payload={}))
    draft = run.raises(
        "error.409", "VelerianConflictError", lambda: client.invoke_abp(draft_abp_id, payload={})
    )
    ex.text(cast("APIErrorShape", draft).detail, "409 detail")
    # A 422 that only the server decides: a bad `since` would be refused by this
    # repository's SDK before sending (VelerianArgumentError), so the runs would differ.
    bad_key = {"name": "x", "scopes": ["nope"]}
    bad = run.raises(
        "error.422", "VelerianValidationError", lambda: client.post("api-keys", json=bad_key)
    )
    body = cast("APIErrorShape", bad).body
    ex.instance(body, dict, "422 body")
    ex.instance(cast("dict[str, object]", body)["detail"], list, "422 detail")
    other = run.raises(
        "error.405", "VelerianAPIError", lambda: client.request("PUT", "usage/summary")
    )
    ex.equal(cast("APIErrorShape", other).status_code, 405, "405 is a plain VelerianAPIError")
    faulty_url, faulty_key = run.env["VELERIAN_FAULTY_BASE_URL"], run.env["VELERIAN_FAULTY_API_KEY"]
    faulty = run.client(base_url=faulty_url, api_key=faulty_key)
    run.raises("error.5xx", "VelerianServerError", faulty.usage_summary)
    if run.published:
        server_retries(run, run.client(base_url=faulty_url, api_key=faulty_key, max_retries=2))
    limited_url, limited_key = (
        run.env["VELERIAN_LIMITED_BASE_URL"],
        run.env["VELERIAN_LIMITED_API_KEY"],
    )
    limited = run.client(base_url=limited_url, api_key=limited_key)
    # One request a second: of three at once, at least one is refused (windows are 1 s).
    limit = run.raises(
        "error.429", "VelerianRateLimitError", lambda: [limited.usage_summary() for _ in range(3)]
    )
    ex.equal(cast("RateLimitShape", limit).retry_after, 1.0, "Retry-After: 1")
    if run.published:
        retry_after(run, run.client(base_url=limited_url, api_key=limited_key, max_retries=3))
    faulty.close()
    limited.close()


def server_retries(run: Run, client: Client01) -> None:
    """0.1.2 retries a 5xx with jittered backoff (0.5 s doubling), then raises."""
    sleeps = recording_sleeps(really=False)
    try:
        # Not recorded: only the published run looks into its retries.
        run.raises("error.5xx.retried", "VelerianServerError", client.usage_summary, record=False)
    finally:
        stop_recording()
    run.expect.equal(len(sleeps.seconds), 2, "one sleep per retry")
    for attempt, seconds in enumerate(sleeps.seconds):
        run.expect.equal(0 <= seconds <= 0.5 * 2**attempt, True, f"backoff {seconds}")


def retry_after(run: Run, client: Client01) -> None:
    """0.1.2 sleeps for ``Retry-After`` before retrying a 429, then succeeds."""
    sleeps = recording_sleeps(really=True)
    try:
        # The window of the 429 above may have passed: call until one call was refused.
        for _ in range(3):
            run.expect.text(client.usage_summary().tenant_id, "after a 429")
            if sleeps.seconds:
                break
    finally:
        stop_recording()
    run.expect.equal(sleeps.seconds, [1.0], "slept Retry-After seconds once, not a backoff")


def lifecycle(run: Run) -> None:
    """The context manager closes the client; ``close()`` is also public."""
    with run.client() as client:
        run.expect.text(client.usage_summary().tenant_id, "in a with block")
    again = run.client()
    again.close()
    try:
        again.usage_summary()
    except RuntimeError as exc:  # 0.1.2: httpx's; ours: VelerianClientClosedError
        run.log.record("closed", exc)
    else:
        raise AssertionError("a closed client still sent a request")
