"""The chain: order, stages, user middleware, and the generator protocol."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Harness
from velerian_sdk import Backoff, Middleware, MiddlewareFlow, VelerianConnectionError


class Recorder(Middleware):
    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    def on_request(self, request: httpx.Request) -> None:
        self.log.append(f"{self.name}>")
        request.headers[f"x-{self.name}"] = "1"

    def on_response(self, request: httpx.Request, response: httpx.Response) -> None:
        self.log.append(f"<{self.name}")


class PerCall(Recorder):
    stage = "call"


def flaky(statuses: list[int]) -> object:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(statuses.pop(0) if statuses else 200, json={})

    return handler


def test_attempt_middleware_runs_per_attempt_and_call_middleware_once(harness: Harness) -> None:
    log: list[str] = []
    client = harness.client(
        flaky([503]),  # type: ignore[arg-type]
        middleware=[PerCall("call", log), Recorder("attempt", log)],
    )
    harness.run(client.get("plans"))
    assert log == ["call>", "attempt>", "<attempt", "attempt>", "<attempt", "<call"]


def test_user_middleware_sees_the_authenticated_request(harness: Harness) -> None:
    seen: list[str] = []

    class Peek(Middleware):
        def on_request(self, request: httpx.Request) -> None:
            seen.append(request.headers.get("authorization", "")[:7])
            seen.append(request.headers.get("idempotency-key", "none"))

    client = harness.client(lambda r: httpx.Response(200, json={}), middleware=[Peek()])
    harness.run(client.post("x", json={}))
    assert seen[0] == "Bearer "
    assert seen[1] != "none"


def test_flow_can_rewrite_the_response(harness: Harness) -> None:
    class Stamp(Middleware):
        def flow(self, request: httpx.Request) -> MiddlewareFlow:
            response = yield request
            response.headers["x-stamped"] = "yes"
            return response

    client = harness.client(lambda r: httpx.Response(200, json={}), middleware=[Stamp()])
    response = harness.run(client.get("plans"))
    assert response.headers["x-stamped"] == "yes"


def test_flow_can_catch_a_transport_error_and_answer(harness: Harness) -> None:
    class Fallback(Middleware):
        def flow(self, request: httpx.Request) -> MiddlewareFlow:
            try:
                return (yield request)
            except VelerianConnectionError:
                return httpx.Response(200, json={"cached": True}, request=request)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("down")

    client = harness.client(down, middleware=[Fallback()], max_retries=0)
    assert harness.run(client.get("plans")).json() == {"cached": True}


def test_flow_may_send_again_with_a_backoff(harness: Harness) -> None:
    class Twice(Middleware):
        def flow(self, request: httpx.Request) -> MiddlewareFlow:
            yield request
            return (yield Backoff(0.25, request))

    client = harness.client(lambda r: httpx.Response(200, json={}), middleware=[Twice()])
    harness.run(client.get("plans"))
    assert len(harness.requests) == 2
    assert harness.sleeps == [0.25]


def test_a_flow_that_returns_nonsense_is_reported(harness: Harness) -> None:
    class Broken(Middleware):
        def flow(self, request: httpx.Request) -> MiddlewareFlow:
            yield request
            return "oops"  # type: ignore[return-value]

    client = harness.client(lambda r: httpx.Response(200, json={}), middleware=[Broken()])
    with pytest.raises(TypeError, match=r"not an httpx\.Response"):
        harness.run(client.get("plans"))


def test_chain_order_is_documented_order(harness: Harness) -> None:
    client = harness.client(lambda r: httpx.Response(200, json={}), middleware=[PerCall("c", [])])
    names = [type(m).__name__ for m in client._sender.chain]  # pyright: ignore[reportPrivateUsage]
    assert names == [
        "DefaultHeadersMiddleware",
        "IdempotencyMiddleware",
        "PerCall",
        "RetryMiddleware",
        "BearerAuth",
        "LoggingMiddleware",
    ]
