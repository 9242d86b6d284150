"""
One async client used from several event loops, against a keep-alive loopback server.

A connection belongs to the event loop that opened it. The client's own pools follow
the loop (a pool per loop, the old one closed when its loop shut down); what cannot
work (a user's ``http_client`` moved to another loop, a loop still running elsewhere)
is a typed error, never a bare ``RuntimeError``.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import TEST_KEY as KEY
from tests.reliability.loopback_servers import KeepAliveLedger, LoopbackServer
from velerian_sdk import (
    AsyncVelerianClient,
    VelerianClientClosedError,
    VelerianClientMovedError,
)


@pytest.fixture
def ledger() -> KeepAliveLedger:
    return KeepAliveLedger()


@pytest.fixture
def server(ledger: KeepAliveLedger) -> Iterator[LoopbackServer]:
    with LoopbackServer(ledger) as running:
        yield running


def client_for(
    server: LoopbackServer, http_client: httpx.AsyncClient | None = None
) -> AsyncVelerianClient:
    return AsyncVelerianClient(
        api_key=KEY, base_url=server.url, timeout=2.0, max_retries=0, http_client=http_client
    )


def forget_dead_loops_connections() -> None:
    # Connections of a loop closed without shutting down are only reclaimed by the
    # garbage collector, which warns about them; here they are the test's own doing.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def test_one_client_serves_one_asyncio_run_after_another(
    server: LoopbackServer, ledger: KeepAliveLedger
) -> None:
    client = client_for(server)
    for n in range(3):
        response = asyncio.run(client.get(f"/run?n={n}"))
        assert response.status_code == 200
    asyncio.run(client.aclose())
    # Each loop had a pool of its own: three connections, one call each.
    assert [ledger.carried_by(number) for number in range(3)] == [[f"/run?n={n}"] for n in range(3)]


def test_a_loop_closed_without_shutting_down_is_left_behind(server: LoopbackServer) -> None:
    client = client_for(server)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(client.get("/first"))
    loop.close()  # no shutdown_asyncgens: the connection is stranded on the dead loop
    # The stranded connection may be reclaimed as soon as the next call replaces its
    # pool, or at any collection after that: its warning is the test's own doing.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        assert asyncio.run(client.get("/second")).status_code == 200
        asyncio.run(client.aclose())
        gc.collect()


def test_a_closed_client_stays_closed_on_a_new_loop(server: LoopbackServer) -> None:
    client = client_for(server)

    async def first() -> None:
        async with client:
            await client.get("/first")

    asyncio.run(first())
    with pytest.raises(VelerianClientClosedError, match="closed"):
        asyncio.run(client.get("/second"))


def test_a_loop_still_running_in_another_thread_is_a_typed_error(
    server: LoopbackServer,
) -> None:
    client = client_for(server)
    other = asyncio.new_event_loop()
    thread = threading.Thread(target=other.run_forever, daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(client.get("/there"), other).result(timeout=10)
        with pytest.raises(VelerianClientMovedError, match="one AsyncVelerianClient per"):
            asyncio.run(client.get("/here"))
    finally:
        other.call_soon_threadsafe(other.stop)
        thread.join(10)
    other.run_until_complete(client.aclose())
    other.close()


def test_an_injected_http_client_on_a_second_loop_is_a_typed_error(
    server: LoopbackServer,
) -> None:
    own = httpx.AsyncClient()
    client = client_for(server, own)
    asyncio.run(client.get("/first"))
    with pytest.raises(VelerianClientMovedError, match="inside the event loop"):
        asyncio.run(client.get("/second"))
    del own, client
    forget_dead_loops_connections()
