"""
The headers that identify the client and number each attempt of a call.

On an injected ``httpx`` client (the harness) the default-headers link sets them; on a
client that builds its own, ``httpx`` merges them from its defaults, which the loopback
tests see on the wire. Neither ever reaches a presigned link on another origin.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import Harness
from tests.reliability.loopback_servers import LoopbackServer, RecordedRequest, Recorder, answer
from velerian_sdk import AsyncVelerianClient, RetryPolicy, VelerianClient, __version__
from velerian_sdk._core import identity

pytestmark = pytest.mark.timeout(20)

PAGE: dict[str, object] = {"items": [], "limit": 50, "offset": 0}
FAST = RetryPolicy(initial_backoff=0.01, max_backoff=0.01, min_delay=0.0)
_FIELD = re.compile(r'(\w+)="([^"\\]*)"')


def fields(value: str) -> dict[str, str]:
    """The dictionary members of an ``X-Velerian-Client`` value."""
    found = dict(_FIELD.findall(value))
    assert ", ".join(f'{k}="{v}"' for k, v in found.items()) == value, value
    return found


def test_the_identity_names_the_sdk_python_os_and_architecture() -> None:
    named = fields(identity.client_identity())
    assert named["sdk"] == __version__
    assert named["python"] == ".".join(map(str, sys.version_info[:3]))
    assert named["impl"] == sys.implementation.name
    assert named["os"]
    assert named["arch"]
    assert identity.client_identity() is identity.client_identity()  # computed once


def test_attempt_values_count_from_one() -> None:
    assert [identity.attempt_value(n) for n in (1, 2, 32, 33, 100)] == ["1", "2", "32", "33", "100"]


def test_every_attempt_is_numbered_and_identified(harness: Harness) -> None:
    answers = iter([503, 503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        return httpx.Response(status, json=PAGE if status == 200 else {"detail": "busy"})

    client = harness.client(handler, retry_policy=FAST)
    harness.run(client.get("plans"))
    sent = harness.requests
    assert [r.headers.get_list("x-velerian-attempt") for r in sent] == [["1"], ["2"], ["3"]]
    for request in sent:
        assert request.headers.get_list("x-velerian-client") == [identity.client_identity()]
        assert request.headers["user-agent"] == f"velerian-python-sdk/{__version__}"


def test_a_users_agent_wins_and_the_identity_stays(harness: Harness) -> None:
    client = harness.client(lambda r: httpx.Response(200, json=PAGE), user_agent="ops/2")
    harness.run(client.get("plans"))
    (request,) = harness.requests
    assert request.headers.get_list("user-agent") == ["ops/2"]
    assert request.headers["x-velerian-client"] == identity.client_identity()
    assert request.headers["x-velerian-attempt"] == "1"


def test_a_new_call_starts_again_at_one(harness: Harness) -> None:
    answers = iter([503, 200, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers), json=PAGE)

    client = harness.client(handler, retry_policy=FAST)
    harness.run(client.get("plans"))
    harness.run(client.get("plans"))
    assert [r.headers["x-velerian-attempt"] for r in harness.requests] == ["1", "2", "1"]


@dataclass(frozen=True)
class Export:
    download_url: str = "https://storage.test/exports/exp_1?sig=abc"
    export_id: str = "exp_1"
    delivery: str = "presigned"
    format: str = "json"
    expires_at: dt.datetime = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    size_bytes: int | None = 2
    sha256: str | None = None


def test_a_presigned_transfer_never_carries_them(harness: Harness, tmp_path: Path) -> None:
    answers = iter([503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "storage.test"
        return httpx.Response(next(answers), content=b"{}")

    client = harness.client(handler, retry_policy=FAST)
    harness.run(client.evidence.download(Export(), tmp_path))  # type: ignore[arg-type]
    assert len(harness.requests) == 2  # the storage link was tried twice
    for request in harness.requests:
        assert not [name for name in request.headers if name.startswith("x-velerian")]
        assert "user-agent" not in request.headers


def on_own_client(flavour: str, base_url: str, user_agent: str | None = None) -> None:
    """Make one ``plans`` call on a client that builds its own ``httpx`` client."""
    if flavour == "sync":
        with VelerianClient(
            api_key="vk_test_x", base_url=base_url, retry_policy=FAST, user_agent=user_agent
        ) as client:
            client.get("plans")
        return

    async def go() -> None:
        async with AsyncVelerianClient(
            api_key="vk_test_x", base_url=base_url, retry_policy=FAST, user_agent=user_agent
        ) as client:
            await client.get("plans")

    asyncio.run(go())


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_an_own_client_sends_them_on_the_wire(flavour: str) -> None:
    answers = iter([503, 200])

    def respond(request: RecordedRequest) -> bytes:
        return answer(next(answers), b'{"items": [], "limit": 50, "offset": 0}')

    api = Recorder(respond=respond)
    with LoopbackServer(api, lifetime=15.0) as server:
        on_own_client(flavour, server.url, user_agent="ops/3")
    assert [r.headers["x-velerian-attempt"] for r in api.requests] == ["1", "2"]
    for request in api.requests:
        assert request.headers["x-velerian-client"] == identity.client_identity()
        assert request.headers["user-agent"] == "ops/3"
