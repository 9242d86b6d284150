"""Lifecycle of the two clients: context managers, close, and with_options."""

from __future__ import annotations

import inspect

import httpx
import pytest

from tests.conftest import TEST_KEY, Harness
from velerian_sdk import AsyncVelerianClient, VelerianClient


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={})


def test_with_options_shares_the_pool_and_changes_only_what_was_asked(harness: Harness) -> None:
    client = harness.client(ok, max_retries=2, user_agent="base/1")
    derived = client.with_options(max_retries=0, default_headers={"X-Tenant": "t2"})
    assert derived._sender.http is client._sender.http  # pyright: ignore[reportPrivateUsage]
    assert derived.max_retries == 0
    assert client.max_retries == 2
    harness.run(derived.get("plans"))
    sent = harness.requests[0]
    assert sent.headers["x-tenant"] == "t2"
    assert sent.headers["user-agent"] == "base/1"
    assert sent.headers["authorization"] == f"Bearer {TEST_KEY}"


def test_closing_a_derived_client_leaves_the_pool_open() -> None:
    with VelerianClient(api_key=TEST_KEY) as client:
        with client.with_options(timeout=5.0) as derived:
            assert derived.base_url == client.base_url
        assert not client._sender.http.is_closed  # pyright: ignore[reportPrivateUsage]
    assert client._sender.http.is_closed  # pyright: ignore[reportPrivateUsage]


def test_async_context_manager_closes_its_own_pool() -> None:
    import asyncio

    async def main() -> AsyncVelerianClient:
        async with AsyncVelerianClient(api_key=TEST_KEY) as client:
            pass
        return client

    client = asyncio.run(main())
    assert client._sender.http.is_closed  # pyright: ignore[reportPrivateUsage]


def test_injected_client_is_never_closed_by_the_sdk() -> None:
    own = httpx.Client()
    with VelerianClient(api_key=TEST_KEY, http_client=own):
        pass
    assert not own.is_closed
    own.close()


def test_with_options_validates_like_the_constructor(harness: Harness) -> None:
    client = harness.client(ok)
    with pytest.raises(ValueError, match="base_url"):
        client.with_options(base_url="http://remote.test")


PUBLIC = ["__init__", "with_options", "request", "get", "post", "delete", "close"]


@pytest.mark.parametrize("name", PUBLIC)
def test_twins_have_identical_signatures(name: str) -> None:
    sync = inspect.signature(getattr(VelerianClient, name))
    asyn = inspect.signature(getattr(AsyncVelerianClient, name))
    assert list(sync.parameters) == list(asyn.parameters)
    for param_name, param in sync.parameters.items():
        other = asyn.parameters[param_name]
        assert param.kind == other.kind
        assert param.default == other.default
        assert str(param.annotation).replace("AsyncClient", "Client") == str(
            other.annotation
        ).replace("AsyncClient", "Client")
    assert inspect.iscoroutinefunction(getattr(AsyncVelerianClient, name)) == (
        name not in {"__init__", "with_options"}
    )


def test_public_methods_are_the_same_on_both() -> None:
    def public(cls: type) -> set[str]:
        return {n for n in dir(cls) if not n.startswith("_")} - {"aclose"}

    assert public(VelerianClient) == public(AsyncVelerianClient)


def test_generated_sync_twin_is_up_to_date() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "scripts/unasync.py", "--check"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_closed_client_says_so(harness: Harness) -> None:
    from velerian_sdk import VelerianClientClosedError

    client = VelerianClient(api_key=TEST_KEY) if harness.flavour == "sync" else None
    if client is None:
        aclient = AsyncVelerianClient(api_key=TEST_KEY)
        harness.run(aclient.close())
        with pytest.raises(VelerianClientClosedError, match="closed"):
            harness.run(aclient.get("plans"))
        return
    client.close()
    with pytest.raises(VelerianClientClosedError, match="closed") as caught:
        client.get("plans")
    assert isinstance(caught.value, RuntimeError)
