"""The chain drivers: a link that keeps the default flow is run by its hooks alone."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from velerian_sdk import Middleware, MiddlewareFlow
from velerian_sdk._core.chain import asend_through_chain, send_through_chain


class Hooks(Middleware):
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def on_request(self, request: httpx.Request) -> None:
        self.log.append("request")
        request.headers["x-hooked"] = "1"

    def on_response(self, request: httpx.Request, response: httpx.Response) -> None:
        self.log.append(f"response {response.status_code}")


class Flow(Hooks):
    def flow(self, request: httpx.Request) -> MiddlewareFlow:
        self.log.append("flow")
        return (yield from super().flow(request))


def answer(request: httpx.Request) -> httpx.Response:
    assert request.headers["x-hooked"] == "1"
    return httpx.Response(204, request=request)


def fail(request: httpx.Request) -> httpx.Response:
    raise RuntimeError("below the link")


async def answer_async(request: httpx.Request) -> httpx.Response:
    return answer(request)


async def fail_async(request: httpx.Request) -> httpx.Response:
    return fail(request)


@pytest.mark.parametrize("link", [Hooks, Flow])
def test_hooks_run_around_the_send_either_way(link: type[Hooks]) -> None:
    log: list[str] = []
    request = httpx.Request("GET", "http://127.0.0.1/x")
    response = send_through_chain((link(log),), request, answer)
    assert response.status_code == 204
    assert [e for e in log if e != "flow"] == ["request", "response 204"]
    log.clear()
    response = asyncio.run(asend_through_chain((link(log),), request, answer_async))
    assert [e for e in log if e != "flow"] == ["request", "response 204"]


@pytest.mark.parametrize("link", [Hooks, Flow])
def test_an_error_below_passes_through_without_on_response(link: type[Hooks]) -> None:
    log: list[str] = []
    request = httpx.Request("GET", "http://127.0.0.1/x")
    with pytest.raises(RuntimeError, match="below the link"):
        send_through_chain((link(log),), request, fail)
    with pytest.raises(RuntimeError, match="below the link"):
        asyncio.run(asend_through_chain((link(log),), request, fail_async))
    assert [e for e in log if e != "flow"] == ["request", "request"]


def test_an_overridden_flow_is_still_run_as_a_generator() -> None:
    log: list[str] = []
    send_through_chain((Flow(log),), httpx.Request("GET", "http://127.0.0.1/x"), answer)
    assert log[0] == "flow"


def test_retry_clips_timeouts_only_when_the_deadline_is_nearer() -> None:
    from velerian_sdk import RetryPolicy
    from velerian_sdk._core.retry import RetryMiddleware

    seen: list[object] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(204, request=request)

    timeouts = {"connect": 5.0, "read": 60.0, "write": 60.0, "pool": 60.0}
    unlimited = {"connect": None, "read": None, "write": None, "pool": None}
    cases = [
        (timeouts, 180.0, timeouts),
        (timeouts, 30.0, {"connect": 5.0, "read": 30.0, "write": 30.0, "pool": 30.0}),
        (unlimited, 9.0, dict.fromkeys(unlimited, 9.0)),
    ]
    for given, total, expected in cases:
        request = httpx.Request("GET", "http://127.0.0.1/x", extensions={"timeout": given})
        link = RetryMiddleware(RetryPolicy(total_timeout=total), clock=lambda: 0.0)
        send_through_chain((link,), request, record)
        assert seen[-1] == expected
