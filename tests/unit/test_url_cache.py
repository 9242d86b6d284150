"""Parsed request URLs are kept per client: the same API path is parsed once."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tests.conftest import TEST_KEY
from velerian_sdk import VelerianClient
from velerian_sdk._core.requests import _URL_CACHE_SIZE  # pyright: ignore[reportPrivateUsage]

pytestmark = pytest.mark.timeout(10)


def recording_client(seen: list[httpx.Request]) -> VelerianClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    return VelerianClient(
        api_key=TEST_KEY,
        base_url="https://api.test",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )


def test_repeated_paths_reuse_one_parsed_url_and_reach_the_same_place() -> None:
    seen: list[httpx.Request] = []
    client = recording_client(seen)
    first = client._sender.url("abps/abp_1")  # pyright: ignore[reportPrivateUsage]
    assert client._sender.url("abps/abp_1") is first  # pyright: ignore[reportPrivateUsage]
    client.get("abps/abp_1")
    client.get("abps/abp_1", params={"expand": "x"})
    client.get("/health")
    assert [str(r.url) for r in seen] == [
        "https://api.test/api/v2/abps/abp_1",
        "https://api.test/api/v2/abps/abp_1?expand=x",
        "https://api.test/health",
    ]


def test_links_from_the_server_are_not_kept() -> None:
    client = recording_client([])
    link = "https://bucket.test/pack.json?X-Amz-Signature=abc"
    assert client._sender.url(link) == link  # pyright: ignore[reportPrivateUsage]
    assert link not in client._sender.urls  # pyright: ignore[reportPrivateUsage]


def test_the_cache_is_bounded() -> None:
    client = recording_client([])
    for index in range(_URL_CACHE_SIZE * 2 + 1):
        client._sender.url(f"runs/run_{index}")  # pyright: ignore[reportPrivateUsage]
        assert len(client._sender.urls) <= _URL_CACHE_SIZE  # pyright: ignore[reportPrivateUsage]


def test_a_call_with_a_query_reuses_one_parsed_url() -> None:
    seen: list[httpx.Request] = []
    client = recording_client(seen)
    sender = client._sender  # pyright: ignore[reportPrivateUsage]
    params: dict[str, object] = {"evidence_limit": 10, "evidence_offset": None}
    first = sender.url_with_query("usage/summary", params)  # type: ignore[arg-type]
    assert sender.url_with_query("usage/summary", {"evidence_limit": 10}) is first
    client.get("usage/summary", params={"evidence_limit": 10})
    client.get("usage/summary", params={"evidence_limit": 10, "evidence_offset": None})
    assert [str(r.url) for r in seen] == [
        "https://api.test/api/v2/usage/summary?evidence_limit=10",
    ] * 2


def test_equal_keys_that_differ_on_the_wire_are_kept_apart() -> None:
    seen: list[httpx.Request] = []
    client = recording_client(seen)
    values: tuple[float | str | list[str | int] | dt.date, ...] = (
        1,
        1.0,
        True,
        "1",
        ["1", 2],
        dt.date(2026, 1, 2),
    )
    for value in values:
        client.get("plans", params={"x": value})
    client.get("plans", params={"x": None})
    client.get("plans", params={"x": 2, "y": "a b&c"})
    assert [r.url.query.decode() for r in seen] == [
        "x=1",
        "x=1.0",
        "x=true",
        "x=1",
        "x=1&x=2",
        "x=2026-01-02",
        "",
        "x=2&y=a+b%26c",
    ]


def test_a_links_query_is_merged_and_not_kept() -> None:
    seen: list[httpx.Request] = []
    client = recording_client(seen)
    client.get("https://api.test/api/v2/plans?a=1", params={"b": 2})
    assert str(seen[0].url) == "https://api.test/api/v2/plans?a=1&b=2"
    assert not client._sender.query_urls  # pyright: ignore[reportPrivateUsage]


def test_the_query_cache_is_bounded() -> None:
    client = recording_client([])
    sender = client._sender  # pyright: ignore[reportPrivateUsage]
    for offset in range(_URL_CACHE_SIZE * 2 + 1):
        sender.url_with_query("audit-log", {"limit": 50, "offset": offset})
        assert len(sender.query_urls) <= _URL_CACHE_SIZE
