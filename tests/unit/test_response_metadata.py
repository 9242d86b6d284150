"""What a typed result says of its response: ``last_response``, and the raw view."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable

import httpx
import pytest

from tests.conftest import Harness
from tests.unit import api_samples as s
from velerian_sdk import (
    InvokeResult,
    RawResponse,
    VelerianArgumentError,
    VelerianClient,
    VelerianNotFoundError,
    araw_response,
    raw_response,
)

PAGE = {"items": [s.plan()], "total": 1, "limit": 50, "offset": 0}


def numbered(*first: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
    """Each answer in turn, then invoke results, each with its own request id."""
    queue = list(first)
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        if queue:
            return queue.pop(0)
        count += 1
        body = PAGE if request.url.path.endswith("/plans") else s.invoke_result()
        headers = {"x-request-id": f"req_{count}", "x-ratelimit-remaining": "41"}
        return httpx.Response(200, json=body, headers=headers)

    return handler


def test_a_result_carries_the_request_id_of_its_response(harness: Harness) -> None:
    busy = httpx.Response(503, json={"detail": "busy"}, headers={"x-request-id": "req_busy"})
    client = harness.client(numbered(busy))
    result = harness.run(client.abps.invoke("abp_1", payload={"prompt": "Hi"}))
    info = result.last_response
    assert info is not None
    assert info.request_id == "req_1"
    assert info.status_code == 200
    assert info.headers["x-ratelimit-remaining"] == "41"
    assert info.attempts == 2  # the 503, then the answer
    assert 0.0 <= info.elapsed_s < 5.0


def test_the_response_is_not_part_of_the_model(harness: Harness) -> None:
    client = harness.client(numbered())
    first = harness.run(client.abps.invoke("abp_1", payload={}))
    second = harness.run(client.abps.invoke("abp_1", payload={}))
    assert first.last_response is not None
    assert second.last_response is not None
    assert first.last_response.request_id != second.last_response.request_id
    assert first == second  # the same answer, from two responses
    assert first.model_dump() == second.model_dump()
    assert "_velerian_response" not in first.model_dump_json()
    assert "last_response" not in first.model_dump()
    assert "req_1" not in repr(first)
    by_hand = InvokeResult.model_validate(first.model_dump())
    assert by_hand == first
    assert by_hand.last_response is None


def test_a_copy_and_a_pickle_keep_the_request_id(harness: Harness) -> None:
    client = harness.client(numbered())
    result = harness.run(client.abps.invoke("abp_1", payload={}))
    for kept in (copy.copy(result), copy.deepcopy(result), pickle.loads(pickle.dumps(result))):
        assert kept.last_response is not None
        assert kept.last_response.request_id == "req_1"
        assert kept == result


def test_a_page_carries_its_response(harness: Harness) -> None:
    client = harness.client(numbered())
    page = harness.run(client.plans.list())
    assert page.last_response is not None
    assert page.last_response.request_id == "req_1"
    assert page.items[0].last_response is None  # an item has no response of its own


def test_the_raw_view_has_the_response_and_the_model_on_demand(harness: Harness) -> None:
    client = harness.client(numbered())
    raw: RawResponse[InvokeResult]
    if isinstance(client, VelerianClient):
        raw = raw_response(client.abps.invoke)("abp_1", payload={"prompt": "Hi"})
    else:
        raw = harness.run(araw_response(client.abps.invoke)("abp_1", payload={"prompt": "Hi"}))
    assert (raw.status_code, raw.request_id, raw.attempts) == (200, "req_1", 1)
    assert raw.headers["x-ratelimit-remaining"] == "41"
    assert json.loads(raw.content) == s.invoke_result()
    result = raw.parse()
    assert isinstance(result, InvokeResult)
    assert result.last_response is not None
    assert result.last_response.request_id == raw.request_id
    assert repr(raw) == "RawResponse(status_code=200, request_id='req_1')"


def test_the_raw_view_of_a_failed_call_raises_its_error(harness: Harness) -> None:
    missing = httpx.Response(404, json={"detail": "no such abp"}, headers={"x-request-id": "r"})
    client = harness.client(numbered(missing))
    if isinstance(client, VelerianClient):
        with pytest.raises(VelerianNotFoundError):
            raw_response(client.abps.retrieve)("abp_x")
    else:
        with pytest.raises(VelerianNotFoundError):
            harness.run(araw_response(client.abps.retrieve)("abp_x"))


def test_a_method_that_sends_nothing_has_no_raw_view(harness: Harness) -> None:
    client = harness.client(numbered())
    # verify reads a file and hashes it, on both clients: no response to show.
    with pytest.raises(VelerianArgumentError, match="made no API call"):
        raw_response(client.evidence.verify)(b'{"packs": []}')
    assert harness.requests == []
