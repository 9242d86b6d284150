"""
The ``velerian`` command line against stub servers: how tests run it and read it back.

``run_cli`` runs the command in-process with typer's runner (fast); the terminal
tests run the real script in tmux. Stubs with faults (a rate limit, every request
failing, added latency) start once per module that asks for them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import cast

import pytest
from typer.testing import CliRunner

from velerian_cli._app import app
from velerian_sdk import VelerianClient
from velerian_stub import StubProcess
from velerian_stub.pytest_plugin import StubTenant, create_tenant

# Every VELERIAN_* the command reads: a test names each one it sets, so the developer's
# own environment never leaks in.
CLEAN_ENV: dict[str, str | None] = {
    "VELERIAN_API_KEY": None,
    "VELERIAN_BASE_URL": None,
    "NO_COLOR": None,
    "COLUMNS": "120",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/cli" in str(item.path):
            item.add_marker(pytest.mark.integration)


@dataclass(frozen=True)
class CliRun:
    """What one run of ``velerian`` printed and how it exited."""

    status: int
    stdout: str
    stderr: str

    def document(self) -> dict[str, object]:
        """Stdout as the one JSON document ``--json`` prints."""
        value: object = json.loads(self.stdout)
        assert isinstance(value, dict), self.stdout
        return cast("dict[str, object]", value)

    def lines(self) -> list[dict[str, object]]:
        """Stdout as JSON lines."""
        rows: list[dict[str, object]] = []
        for line in self.stdout.splitlines():
            value: object = json.loads(line)
            assert isinstance(value, dict), line
            rows.append(cast("dict[str, object]", value))
        return rows

    def error(self) -> dict[str, object]:
        """Stderr as the one JSON error line ``--json`` reports a failure with."""
        value: object = json.loads(self.stderr)
        assert isinstance(value, dict), self.stderr
        return cast("dict[str, object]", value)


def run_cli(*args: str, env: Mapping[str, str | None] | None = None, stdin: str = "") -> CliRun:
    """
    Run ``velerian ARGS`` in this process and return what it printed.

    Args:
        args: The arguments after ``velerian``.
        env: Variables to set (``None`` unsets), over :data:`CLEAN_ENV`.
        stdin: What the command reads from stdin.

    Returns:
        The exit status and both streams.
    """
    result = CliRunner().invoke(
        app, list(args), env={**CLEAN_ENV, **(env or {})}, input=stdin, catch_exceptions=False
    )
    return CliRun(result.exit_code, result.stdout, result.stderr)


def velerian(*args: str) -> list[str]:
    """The command line that runs ``velerian ARGS`` in a process of its own."""
    return [sys.executable, "-m", "velerian_cli", *args]


def tenant_variables(tenant: StubTenant) -> dict[str, str]:
    """The variables that point a ``velerian`` process at a tenant."""
    return {"VELERIAN_API_KEY": tenant.api_key, "VELERIAN_BASE_URL": tenant.base_url}


def invocation_of(tenant: StubTenant, prompt: str = "x") -> str:
    """Invoke the tenant's ABP once (through the SDK); give the invocation's id."""
    with VelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as client:
        return client.abps.invoke(tenant.abp_id, payload={"prompt": prompt}).invocation_id


def tenant_env(tenant: StubTenant) -> dict[str, str | None]:
    """The variables that point ``velerian`` at a tenant."""
    return {"VELERIAN_API_KEY": tenant.api_key, "VELERIAN_BASE_URL": tenant.base_url}


def stub_env(stub: StubProcess) -> dict[str, str | None]:
    """The variables that point ``velerian`` at a stub's seeded owner key."""
    return {"VELERIAN_API_KEY": stub.api_key, "VELERIAN_BASE_URL": stub.base_url}


@pytest.fixture
def env(velerian_tenant: StubTenant) -> dict[str, str | None]:
    """The test's fresh tenant, as ``velerian`` reads it."""
    return tenant_env(velerian_tenant)


SLOW_STUB_LATENCY_MS = 400


@pytest.fixture(scope="module")
def slow_tenant() -> Iterator[StubTenant]:
    """A tenant on a stub that adds latency to every request: displays stay up to be seen."""
    with StubProcess(args=["--latency-ms", str(SLOW_STUB_LATENCY_MS)]) as stub:
        yield create_tenant(stub, name="cli slow")


@dataclass(frozen=True)
class FaultStubs:
    """Two stubs with faults: one rate-limited, one failing every request."""

    rate_limited: StubProcess
    failing: StubProcess


@pytest.fixture(scope="module")
def fault_stubs() -> Iterator[FaultStubs]:
    """
    A stub answering 429 past one request per second per key (``--rate-limit 1``) and one
    answering every /api/ request 503 (``--fail-before 1``), started side by side.
    """
    stubs = FaultStubs(
        StubProcess(args=["--rate-limit", "1"]), StubProcess(args=["--fail-before", "1"])
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        started = [pool.submit(stub.start) for stub in (stubs.rate_limited, stubs.failing)]
    try:
        for future in started:
            future.result()
        yield stubs
    finally:
        stubs.rate_limited.close()
        stubs.failing.close()
