"""Parsed request URLs are kept per client: the same API path is parsed once."""

from __future__ import annotations

import httpx

from tests.conftest import TEST_KEY
from velerian_sdk import VelerianClient
from velerian_sdk._core.requests import _URL_CACHE_SIZE  # pyright: ignore[reportPrivateUsage]


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
