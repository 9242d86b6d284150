"""client.runs and client.networks: the requests, revise/share, and queueing a network run."""

from __future__ import annotations

import sys
from typing import cast

import httpx
import pytest

from tests.conftest import Harness
from tests.unit import api_samples as s
from velerian_sdk import (
    QueuedRun,
    Run,
    RunShare,
    VelerianArgumentError,
    VelerianNotFoundError,
    VelerianServerError,
)


def test_list_filters_and_pages(harness: Harness) -> None:
    client = harness.client(s.replies(s.page([s.run()], limit=10, offset=0, total=1)))
    page = harness.run(client.runs.list(status="failed", network_slug="claims-review", limit=10))
    assert isinstance(page.items[0], Run)
    assert dict(harness.requests[0].url.params) == {
        "status": "failed",
        "network_slug": "claims-review",
        "limit": "10",
        "offset": "0",
    }
    assert harness.requests[0].url.path == "/api/v2/pack-runs"


def test_retrieve(harness: Harness) -> None:
    client = harness.client(s.replies(s.run(status="running", poll_after_s=1.0)))
    run = harness.run(client.runs.retrieve("run_1"))
    assert (run.id, run.status, run.poll_after_s) == ("run_1", "running", 1.0)
    assert harness.requests[0].url.path == "/api/v2/pack-runs/run_1"


def test_revise_queues_then_reads_the_new_run(harness: Harness) -> None:
    answers = s.replies(
        httpx.Response(202, json=s.queued("run_2")), s.run("run_2", revision_of="run_1")
    )
    client = harness.client(answers)
    run = harness.run(client.runs.revise("run_1", instructions="Shorter.", idempotency_key="rev-1"))
    assert (run.id, run.revision_of) == ("run_2", "run_1")
    post, get = harness.requests
    assert (post.method, post.url.path) == ("POST", "/api/v2/pack-runs/run_1/revise")
    assert s.body_of(post) == {"instructions": "Shorter."}
    assert post.headers["idempotency-key"] == "rev-1"
    assert (get.method, get.url.path) == ("GET", "/api/v2/pack-runs/run_2")


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes need 3.11")
def test_a_failure_after_queueing_names_the_run(harness: Harness) -> None:
    answers = s.replies(
        httpx.Response(202, json=s.queued("run_2")), httpx.Response(404, json={"detail": "gone"})
    )
    client = harness.client(answers)
    with pytest.raises(VelerianNotFoundError) as info:
        harness.run(client.runs.revise("run_1", instructions="Shorter."))
    assert "run run_2 was queued" in "".join(getattr(info.value, "__notes__", []))


@pytest.mark.parametrize(("expires", "body"), [(None, None), (3600, {"expires_in_s": 3600})])
def test_share(harness: Harness, expires: int | None, body: object) -> None:
    share = {"run_id": "run_1", "share_url": "https://x.test/s/run_1?sig=abc", "expires_at": s.T1}
    client = harness.client(s.replies(httpx.Response(201, json=share)))
    result = harness.run(client.runs.share("run_1", expires_in_s=expires))
    assert isinstance(result, RunShare)
    assert "sig=abc" not in repr(result)
    assert harness.requests[0].url.path == "/api/v2/pack-runs/run_1/share"
    assert s.body_of(harness.requests[0]) == body


def test_revise_and_share_check_arguments(harness: Harness) -> None:
    client = harness.client(s.replies())
    with pytest.raises(VelerianArgumentError, match="instructions"):
        harness.run(client.runs.revise("run_1", instructions=""))
    with pytest.raises(VelerianArgumentError, match="expires_in_s"):
        harness.run(client.runs.share("run_1", expires_in_s=0))
    assert harness.requests == []


def test_submit_always_queues(harness: Harness) -> None:
    client = harness.client(s.replies(httpx.Response(202, json=s.queued())))
    queued = harness.run(
        client.networks.submit(
            "claims-review",
            prompt_text="Review claim 7.",
            metadata={"loan_id": "L-1"},
            attachment_ids=["att_1"],
            idempotency_key="net-1",
        )
    )
    assert isinstance(queued, QueuedRun)
    assert (queued.run_id, queued.status) == ("run_1", "queued")
    sent = harness.requests[0]
    assert (sent.method, sent.url.path) == ("POST", "/api/agenticx/networks/claims-review/invoke")
    assert dict(sent.url.params) == {"async": "true"}
    assert s.body_of(sent) == {
        "prompt_text": "Review claim 7.",
        "metadata": {"loan_id": "L-1"},
        "attachment_ids": ["att_1"],
    }
    assert sent.headers["idempotency-key"] == "net-1"


def test_submit_leaves_out_what_was_not_given(harness: Harness) -> None:
    client = harness.client(s.replies(httpx.Response(202, json=s.queued())))
    harness.run(client.networks.submit("claims-review", prompt_text="p"))
    assert s.body_of(harness.requests[0]) == {"prompt_text": "p"}


def test_invoke_waits_for_the_run(harness: Harness) -> None:
    answers = s.replies(
        httpx.Response(202, json=s.queued()),
        s.run(status="running"),
        s.run(status="succeeded"),
    )
    client = harness.client(answers)
    seen: list[str] = []
    run = harness.run(
        client.networks.invoke(
            "claims-review",
            prompt_text="p",
            poll_interval=2.0,
            on_status=lambda r: seen.append(r.status),
        )
    )
    assert (run.status, run.output_text) == ("succeeded", "Approved.")
    assert seen == ["running", "succeeded"]
    assert [r.method for r in harness.requests] == ["POST", "GET", "GET"]
    assert len(harness.sleeps) == 1
    assert 1.6 <= harness.sleeps[0] <= 2.4


def test_invoke_without_waiting_reads_the_queued_run_once(harness: Harness) -> None:
    client = harness.client(s.replies(httpx.Response(202, json=s.queued()), s.run()))
    run = harness.run(client.networks.invoke("claims-review", prompt_text="p", wait=False))
    assert (run.id, run.status) == ("run_1", "queued")
    assert [r.method for r in harness.requests] == ["POST", "GET"]
    assert harness.sleeps == []


def test_invoke_checks_the_wait_arguments_before_queueing(harness: Harness) -> None:
    client = harness.client(s.replies())
    with pytest.raises(VelerianArgumentError, match="poll_interval"):
        harness.run(client.networks.invoke("claims-review", prompt_text="p", poll_interval=0))
    with pytest.raises(VelerianArgumentError, match="timeout"):
        harness.run(client.networks.invoke("claims-review", prompt_text="p", timeout=-1))
    with pytest.raises(VelerianArgumentError, match="metadata"):
        harness.run(
            client.networks.invoke(
                "claims-review", prompt_text="p", metadata=cast("dict[str, object]", [1])
            )
        )
    with pytest.raises(VelerianArgumentError, match="attachment_ids"):
        harness.run(
            client.networks.invoke("claims-review", prompt_text="p", attachment_ids="att_1")
        )
    assert harness.requests == []


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes need 3.11")
def test_an_error_while_waiting_keeps_the_run_id_in_the_traceback(harness: Harness) -> None:
    answers = s.replies(httpx.Response(202, json=s.queued("run_9")), httpx.Response(500))
    client = harness.client(answers, max_retries=0)
    with pytest.raises(VelerianServerError) as info:
        harness.run(client.networks.invoke("claims-review", prompt_text="p"))
    assert "client.runs.wait('run_9')" in "".join(getattr(info.value, "__notes__", []))
