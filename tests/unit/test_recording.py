"""The test harness records each attempt as it was sent, not the request object's last state."""

from __future__ import annotations

import itertools

import httpx
import pytest

from tests.conftest import MAX_REQUESTS, Harness
from tests.recording import SentRequest, record_into
from velerian_sdk import Middleware


class StampAttempt(Middleware):
    """Set a header to a new value on every attempt, as a broken retry would a key."""

    def __init__(self) -> None:
        self.counter = itertools.count(1)

    def on_request(self, request: httpx.Request) -> None:
        request.headers["x-attempt"] = str(next(self.counter))


def test_each_attempt_is_recorded_with_the_headers_it_was_sent_with(harness: Harness) -> None:
    answers = [503, 503, 200]
    client = harness.client(
        lambda request: httpx.Response(answers.pop(0), json={}), middleware=[StampAttempt()]
    )
    harness.run(client.post("things", json={"a": 1}))
    assert [r.headers["x-attempt"] for r in harness.requests] == ["1", "2", "3"]
    assert [r.content for r in harness.requests] == [b'{"a":1}'] * 3


def test_a_snapshot_does_not_follow_later_changes() -> None:
    log: list[SentRequest] = []
    handler = record_into(log, lambda request: httpx.Response(204))
    request = httpx.Request(
        "PUT", "https://api.test/x", headers={"k": "1"}, content=b"body", extensions={}
    )
    request.extensions["timeout"] = {"read": 5.0}
    handler(request)
    request.headers["k"] = "2"
    request.extensions["timeout"]["read"] = 1.0
    handler(request)
    assert [r.headers["k"] for r in log] == ["1", "2"]
    assert [r.timeout for r in log] == [{"read": 5.0}, {"read": 1.0}]
    assert [r.extensions["timeout"] for r in log] == [{"read": 5.0}, {"read": 1.0}]
    first = log[0]
    assert (first.method, str(first.url), first.content) == ("PUT", "https://api.test/x", b"body")


def test_a_runaway_loop_fails_at_the_request_limit(harness: Harness) -> None:
    client = harness.client(lambda request: httpx.Response(200, json={}))

    def forever() -> None:
        while True:
            harness.run(client.get("plans"))

    with pytest.raises(AssertionError, match=f"more than {MAX_REQUESTS} requests"):
        forever()
    assert len(harness.requests) == MAX_REQUESTS
