"""Per-call options: ``client.<namespace>.with_options(...)`` and ``client.with_options``."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import Harness
from tests.unit import api_samples as s
from velerian_sdk import (
    RetryPolicy,
    VelerianArgumentError,
    VelerianClient,
    VelerianServerError,
)
from velerian_sdk._async.sender import AsyncHttpSender
from velerian_sdk._sync.sender import HttpSender


def busy() -> httpx.Response:
    return httpx.Response(503, headers={"Retry-After": "4"}, json={"detail": "busy"})


PLANS = {"items": [s.plan()], "total": 1, "limit": 50, "offset": 0}
BODY = b'{"packs": []}'


def answers(*first: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
    """Each answer in turn, then a page of plans."""
    queue = list(first)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "storage.test":
            return httpx.Response(200, content=BODY)
        return queue.pop(0) if queue else httpx.Response(200, json=PLANS)

    return handler


def test_a_per_call_deadline_stops_retries_at_that_deadline(harness: Harness) -> None:
    policy = RetryPolicy(total_timeout=60.0, retry_after_spread=0.0)
    client = harness.client(answers(busy(), busy(), busy()), retry_policy=policy)
    # The client's own deadline lets every 4 s wait happen; 3 s for this call allows none.
    with pytest.raises(VelerianServerError):
        harness.run(client.plans.with_options(total_timeout=3.0).list())
    assert len(harness.requests) == 1
    assert harness.sleeps == []
    page = harness.run(client.plans.list())
    assert len(page.items) == 1
    assert harness.sleeps == [4.0, 4.0]


def test_per_call_retries_and_timeout_apply_to_that_call_only(harness: Harness) -> None:
    client = harness.client(answers(busy(), busy()), timeout=60.0, max_retries=3)
    with pytest.raises(VelerianServerError):
        harness.run(client.plans.with_options(max_retries=0, timeout=2.5).list())
    assert len(harness.requests) == 1
    assert set(harness.requests[0].timeout.values()) == {2.5}
    harness.run(client.plans.list())
    assert len(harness.requests) == 3
    assert 2.5 not in harness.requests[-1].timeout.values()


def test_extra_headers_and_query_reach_the_api(harness: Harness) -> None:
    client = harness.client(answers())
    plans = client.plans.with_options(
        extra_headers={"X-Team": "risk"}, extra_query={"preview": True, "region": "eu"}
    )
    harness.run(plans.list(limit=10))
    sent = harness.requests[0]
    assert sent.headers["x-team"] == "risk"
    assert dict(sent.url.params) == {
        "limit": "10",
        "offset": "0",
        "preview": "true",
        "region": "eu",
    }
    harness.run(client.plans.list())  # the namespace itself is unchanged
    assert "x-team" not in harness.requests[1].headers
    assert "preview" not in harness.requests[1].url.params


@dataclass
class Export:
    export_id: str = "exp_1"
    download_url: str = "https://storage.test/exports/exp_1?sig=abc"
    delivery: str = "presigned"
    format: str = "json"
    expires_at: dt.datetime = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=10)
    size_bytes: int | None = len(BODY)
    sha256: str | None = hashlib.sha256(BODY).hexdigest()


def test_extra_headers_never_reach_a_storage_host(harness: Harness, tmp_path: Path) -> None:
    client = harness.client(answers())
    evidence = client.evidence.with_options(extra_headers={"X-Team": "risk"})
    harness.run(evidence.download(Export(), tmp_path / "e.json"))  # type: ignore[arg-type]
    assert (tmp_path / "e.json").read_bytes() == BODY
    [storage] = harness.requests
    assert storage.url.host == "storage.test"
    assert "x-team" not in storage.headers


def test_a_network_run_keeps_the_options_of_its_namespace_while_it_waits(
    harness: Harness,
) -> None:
    bodies = iter([s.queued(), s.run(status="running"), s.run(status="succeeded")])
    client = harness.client(lambda request: httpx.Response(200, json=next(bodies)))
    networks = client.networks.with_options(extra_headers={"X-Team": "risk"})
    run = harness.run(networks.invoke("claims", prompt_text="Review claim 7."))
    assert run.status == "succeeded"
    assert len(harness.requests) == 3
    assert all(sent.headers["x-team"] == "risk" for sent in harness.requests)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"total_timeout": 0}, "total_timeout must be a number of seconds > 0"),
        ({"total_timeout": float("nan")}, "total_timeout"),
        ({"max_retries": -1}, "max_retries must be a whole number >= 0"),
        ({"timeout": -1.0}, "timeout"),
        ({"extra_headers": {"Authorization": "Bearer x"}}, "extra_headers cannot set"),
        ({"extra_headers": {"Idempotency-Key": "k"}}, "idempotency_key="),
        ({"extra_headers": {"X-Bad": "a\r\nb"}}, "extra_headers"),
        ({"extra_query": {"tags": ["a"]}}, "extra_query['tags'] must be a str"),
        ({"extra_query": "a=b"}, "extra_query must be a mapping"),
    ],
)
def test_bad_options_are_refused_before_anything_is_sent(
    harness: Harness, options: dict[str, object], message: str
) -> None:
    client = harness.client(answers())
    with pytest.raises(VelerianArgumentError, match=message.replace("[", r"\[")):
        client.plans.with_options(**options)  # type: ignore[arg-type]
    assert harness.requests == []


def test_extra_query_may_not_replace_an_argument_of_the_method(harness: Harness) -> None:
    client = harness.client(answers())
    with pytest.raises(VelerianArgumentError, match="pass it as the method's argument"):
        harness.run(client.plans.with_options(extra_query={"limit": 5}).list())
    assert harness.requests == []


def test_the_client_takes_a_total_timeout_too(harness: Harness) -> None:
    client = harness.client(answers(busy()), retry_policy=RetryPolicy(retry_after_spread=0.0))
    tight = client.with_options(total_timeout=3.0)
    assert isinstance(tight, type(client))
    with pytest.raises(VelerianServerError):
        harness.run(tight.plans.list())
    assert len(harness.requests) == 1
    assert client.max_retries == tight.max_retries


def test_options_copies_share_the_connections(harness: Harness) -> None:
    client = harness.client(answers())
    derived = client.abps.with_options(timeout=5.0)
    assert derived is not client.abps
    sender = derived._sender  # pyright: ignore[reportPrivateUsage]
    assert isinstance(sender, (HttpSender, AsyncHttpSender))
    assert sender.http is client._sender.http  # pyright: ignore[reportPrivateUsage]
    assert not sender.owns_http  # closing the copy leaves the client's pool open
    if isinstance(client, VelerianClient):
        assert type(derived).__name__ == "Abps"
    else:
        assert type(derived).__name__ == "AsyncAbps"


def test_a_derived_namespace_keeps_an_injected_clients_own_timeout(harness: Harness) -> None:
    # The harness injects an httpx client, whose default timeout is 5 s; the SDK then
    # leaves timeouts to it. A copy with other options must not turn that into none.
    client = harness.client(answers())
    harness.run(client.plans.list())
    harness.run(client.plans.with_options(max_retries=0).list())
    harness.run(client.with_options(max_retries=1).plans.list())
    own, derived, other = (sent.timeout for sent in harness.requests)
    assert set(own.values()) == {5.0}
    assert derived == own
    assert other == own
