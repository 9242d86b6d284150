"""Default headers on a client that builds its own httpx client, and on one derived from it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx

from tests.conftest import TEST_KEY
from velerian_sdk import VelerianClient, __version__

ORIGIN = "https://api.test"


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=f"{ORIGIN}/api/v2") as router:
        router.get("/plans").respond(200, json={"items": [], "limit": 50, "offset": 0})
        yield router


def sent(router: respx.MockRouter) -> httpx.Request:
    return router.calls.last.request


def test_an_owned_client_sends_its_defaults_and_the_call_wins(api: respx.MockRouter) -> None:
    with VelerianClient(api_key=TEST_KEY, base_url=ORIGIN, default_headers={"X-Team": "risk"}) as c:
        c.get("plans")
        request = sent(api)
        assert request.headers["user-agent"] == f"velerian-python-sdk/{__version__}"
        assert request.headers["accept"] == "application/json"
        assert request.headers["x-team"] == "risk"
        c.get("plans", headers={"Accept": "text/csv", "User-Agent": "mine/1"})
        request = sent(api)
        assert request.headers.get_list("accept") == ["text/csv"]
        assert request.headers.get_list("user-agent") == ["mine/1"]


def test_a_user_accept_default_replaces_the_sdks(api: respx.MockRouter) -> None:
    with VelerianClient(
        api_key=TEST_KEY, base_url=ORIGIN, user_agent="ops/2", default_headers={"Accept": "*/*"}
    ) as client:
        client.get("plans")
    assert sent(api).headers.get_list("accept") == ["*/*"]
    assert sent(api).headers.get_list("user-agent") == ["ops/2"]


def test_a_derived_client_sends_only_its_own_defaults(api: respx.MockRouter) -> None:
    with VelerianClient(api_key=TEST_KEY, base_url=ORIGIN, default_headers={"X-Team": "a"}) as c:
        derived = c.with_options(default_headers={"X-Other": "b"}, user_agent="derived/1")
        derived.get("plans")
        request = sent(api)
        assert "x-team" not in request.headers
        assert request.headers["x-other"] == "b"
        assert request.headers.get_list("user-agent") == ["derived/1"]
        assert request.headers.get_list("accept") == ["application/json"]
