"""
A client forked with connections in its pool: no process ever reads another's answers.

Each soak makes calls (so the pool holds open connections), forks, and then the parent
and every child make calls at the same time. Each call asks for a page at an offset no
other call uses, and the stub echoes the offset, so an answer read by the wrong process
shows up as a wrong offset: a crossed answer. Two ways of forking, with both clients:
``os.fork`` with two children, and a ``multiprocessing`` pool in fork mode (the way
Celery's prefork workers and gunicorn's ``--preload`` inherit a module-level client).
Sizes: ``VELERIAN_SOAK_FORK_CALLS`` calls per process (see ``soak_settings``).
"""

from __future__ import annotations

import asyncio
import functools
import json
import multiprocessing
import os
import select
import signal
import time
import warnings
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Literal, cast

import pytest

from tests.conftest import TEST_KEY as KEY
from tests.reliability.loopback_servers import KeepAliveLedger, LoopbackServer
from tests.reliability.soak_report import SoakReport
from tests.reliability.soak_settings import FORK_CALLS, budget_s, soak_timeout_s
from velerian_sdk import AsyncVelerianClient, VelerianClient, VelerianError
from velerian_stub import StubProcess
from velerian_stub.pytest_plugin import StubTenant, create_tenant

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX-only")

Flavour = Literal["sync", "async"]
AnyClient = VelerianClient | AsyncVelerianClient

CHILDREN = 2
"""Children of the ``os.fork`` soak."""
POOL_WORKERS = 2
POOL_TASKS = 4
"""Tasks of the pool soak: each worker runs two, the second on the pool the first renewed."""
IN_FLIGHT = 4
"""Async calls in flight at once in each process: several pooled connections are shared."""
SPAN = 10_000_000
"""Process ``n`` asks for offsets ``n * SPAN`` onwards, so no two calls ask for the same."""
CALL_TIMEOUT = 5.0
"""Per attempt: a call stuck on a connection read by another process fails in time."""


@dataclass
class Tally:
    """What the calls of one process got."""

    calls: int = 0
    crossed: int = 0
    velerian_errors: list[str] = field(default_factory=list[str])
    other_errors: list[str] = field(default_factory=list[str])

    def add(self, other: Tally) -> None:
        """Add ``other``'s counts to these."""
        self.calls += other.calls
        self.crossed += other.crossed
        self.velerian_errors += other.velerian_errors
        self.other_errors += other.other_errors


def offset_in(body: object) -> object:
    """The offset a page says it starts at."""
    return cast("dict[str, object]", body).get("offset") if isinstance(body, dict) else None


def sync_calls(client: VelerianClient, first: int, count: int) -> Tally:
    """``count`` calls, each checked to carry the answer to its own request."""
    tally = Tally()
    for offset in range(first, first + count):
        tally.calls += 1
        try:
            body: object = client.get("abps", params={"limit": 1, "offset": offset}).json()
        except VelerianError as exc:
            tally.velerian_errors.append(f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # counted: nothing else may escape
            tally.other_errors.append(f"{type(exc).__name__}: {exc}")
        else:
            tally.crossed += offset_in(body) != offset
    return tally


async def async_calls(client: AsyncVelerianClient, first: int, count: int) -> Tally:
    """The async twin of :func:`sync_calls`, with :data:`IN_FLIGHT` calls at once."""
    tally = Tally()
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def call(offset: int) -> None:
        async with gate:
            tally.calls += 1
            try:
                response = await client.get("abps", params={"limit": 1, "offset": offset})
                body: object = response.json()
            except VelerianError as exc:
                tally.velerian_errors.append(f"{type(exc).__name__}: {exc}")
            except Exception as exc:  # counted: nothing else may escape
                tally.other_errors.append(f"{type(exc).__name__}: {exc}")
            else:
                tally.crossed += offset_in(body) != offset

    await asyncio.gather(*(call(offset) for offset in range(first, first + count)))
    return tally


def calls_in_this_process(client: AnyClient, index: int) -> Tally:
    """Process ``index``'s calls; an async client runs them on a loop of this process's."""
    if isinstance(client, AsyncVelerianClient):
        return asyncio.run(async_calls(client, index * SPAN, FORK_CALLS))
    return sync_calls(client, index * SPAN, FORK_CALLS)


@pytest.fixture(scope="module")
def stub() -> Iterator[StubProcess]:
    """A stub without faults: any error or crossed answer is the fork's doing."""
    with StubProcess() as process:
        yield process


@pytest.fixture
def tenant(stub: StubProcess) -> StubTenant:
    return create_tenant(stub, "fork soak")


class ParentCalls:
    """The parent's side: one client, and an event loop kept open across the fork."""

    def __init__(self, flavour: Flavour, tenant: StubTenant) -> None:
        self.loop = asyncio.new_event_loop()
        key, url = tenant.api_key, tenant.base_url
        self.client: AnyClient
        if flavour == "sync":
            self.client = VelerianClient(
                api_key=key, base_url=url, timeout=CALL_TIMEOUT, max_retries=0
            )
        else:
            self.client = AsyncVelerianClient(
                api_key=key, base_url=url, timeout=CALL_TIMEOUT, max_retries=0
            )

    def calls(self, first: int, count: int) -> Tally:
        """Calls on the parent's client, on its loop (which stays open between them)."""
        if isinstance(self.client, AsyncVelerianClient):
            return self.loop.run_until_complete(async_calls(self.client, first, count))
        return sync_calls(self.client, first, count)

    def close(self) -> None:
        if isinstance(self.client, AsyncVelerianClient):
            self.loop.run_until_complete(self.client.aclose())
        else:
            self.client.close()
        self.loop.close()


@contextmanager
def forking() -> Generator[None]:
    # Python 3.12+ warns about forking a process with threads (pytest's, the stub's
    # log pump); the children here only make calls and exit, which is what is tested.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def fork_child(work: Callable[[], Tally]) -> tuple[int, int]:
    """Fork a child that runs ``work`` and writes its tally to a pipe; (pid, read end)."""
    read_end, write_end = os.pipe()
    with forking():
        pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        status = 1
        try:
            os.close(read_end)
            tally = work()
            os.write(write_end, json.dumps(asdict(tally)).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def collect_child(pid: int, read_end: int, deadline: float) -> Tally:
    """The child's tally; a child that fails or hangs past ``deadline`` is an error."""
    data = b""
    while True:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([read_end], [], [], max(left, 0.0))
        if not ready:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read_end)
            return Tally(other_errors=["child hung"])
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        data += chunk
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        return Tally(other_errors=[f"child exited with status {status}"])
    return Tally(**json.loads(data))


_worker_client: AnyClient | None = None
"""The module-level client that the pool's workers inherit, as a Celery task's would."""


def pool_task(index: int) -> Tally:
    """One task of a fork-mode pool worker, on the client it inherited."""
    assert _worker_client is not None
    return calls_in_this_process(_worker_client, index)


def check_and_publish(name: str, total: Tally) -> None:
    report = SoakReport(name)
    report.figures["calls"] = total.calls
    report.figures["crossed answers"] = total.crossed
    report.figures["Velerian errors"] = len(total.velerian_errors)
    report.figures["other errors"] = len(total.other_errors)
    report.publish()
    assert total.other_errors == []
    assert total.crossed == 0
    assert total.velerian_errors == []  # the stub has no faults: nothing may fail


@pytest.mark.timeout(soak_timeout_s(FORK_CALLS))
@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_forked_children_never_read_the_parents_answers(
    flavour: Flavour, tenant: StubTenant
) -> None:
    parent = ParentCalls(flavour, tenant)
    total = parent.calls(0, IN_FLIGHT)  # the pool now holds connections
    start = time.monotonic()
    client = parent.client
    children = [
        fork_child(functools.partial(calls_in_this_process, client, index))
        for index in range(1, CHILDREN + 1)
    ]
    total.add(parent.calls((CHILDREN + 1) * SPAN, FORK_CALLS))
    deadline = start + budget_s(FORK_CALLS)
    for pid, read_end in children:
        total.add(collect_child(pid, read_end, deadline))
    total.add(parent.calls((CHILDREN + 2) * SPAN, IN_FLIGHT))  # its pool still works
    parent.close()
    check_and_publish(f"fork-soak-{flavour}", total)


@pytest.mark.timeout(soak_timeout_s(2 * FORK_CALLS))
@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_fork_pool_workers_never_read_the_parents_answers(
    flavour: Flavour, tenant: StubTenant
) -> None:
    global _worker_client  # noqa: PLW0603 - what a prefork worker inherits
    parent = ParentCalls(flavour, tenant)
    _worker_client = parent.client
    total = parent.calls(0, IN_FLIGHT)
    with forking():
        pool = multiprocessing.get_context("fork").Pool(POOL_WORKERS)
    try:
        pending = pool.map_async(pool_task, range(1, POOL_TASKS + 1))
        total.add(parent.calls((POOL_TASKS + 1) * SPAN, FORK_CALLS))
        try:
            for tally in pending.get(timeout=budget_s(2 * FORK_CALLS)):
                total.add(tally)
        except multiprocessing.TimeoutError:
            total.other_errors.append("the pool's tasks hung")
    finally:
        pool.terminate()
        pool.join()
        _worker_client = None
    total.add(parent.calls((POOL_TASKS + 2) * SPAN, IN_FLIGHT))
    parent.close()
    check_and_publish(f"fork-pool-soak-{flavour}", total)


def child_calls(client: AnyClient) -> Tally:
    """Three calls in the child, then the client is closed, as a worker's exit would."""
    if isinstance(client, AsyncVelerianClient):

        async def main() -> Tally:
            async with client:
                return await async_calls_on(client, [f"/child?n={n}" for n in range(3)])

        return asyncio.run(main())
    with client:
        return sync_calls_on(client, [f"/child?n={n}" for n in range(3)])


def sync_calls_on(client: VelerianClient, targets: list[str]) -> Tally:
    tally = Tally()
    for target in targets:
        tally.calls += 1
        try:
            client.get(target)
        except VelerianError as exc:
            tally.velerian_errors.append(f"{type(exc).__name__}: {exc}")
    return tally


async def async_calls_on(client: AsyncVelerianClient, targets: list[str]) -> Tally:
    tally = Tally()
    for target in targets:
        tally.calls += 1
        try:
            await client.get(target)
        except VelerianError as exc:
            tally.velerian_errors.append(f"{type(exc).__name__}: {exc}")
    return tally


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_a_child_neither_uses_nor_closes_the_parents_connection(flavour: Flavour) -> None:
    ledger = KeepAliveLedger()
    with LoopbackServer(ledger) as server:
        loop = asyncio.new_event_loop()
        client: AnyClient
        if flavour == "sync":
            client = VelerianClient(api_key=KEY, base_url=server.url, timeout=2.0, max_retries=0)
            client.get("/parent?n=1")
        else:
            client = AsyncVelerianClient(
                api_key=KEY, base_url=server.url, timeout=2.0, max_retries=0
            )
            loop.run_until_complete(client.get("/parent?n=1"))
        pid, read_end = fork_child(lambda: child_calls(client))
        child = collect_child(pid, read_end, time.monotonic() + 30)
        # After the child has called, closed its client and exited, the parent's
        # connection is still open and still the parent's alone.
        if isinstance(client, AsyncVelerianClient):
            loop.run_until_complete(client.get("/parent?n=2"))
            loop.run_until_complete(client.aclose())
        else:
            client.get("/parent?n=2")
            client.close()
        loop.close()
    assert child == Tally(calls=3)
    parents = ledger.connection_of("/parent?n=1")
    assert ledger.carried_by(parents) == ["/parent?n=1", "/parent?n=2"]
    assert ledger.connection_of("/child?n=0") != parents
