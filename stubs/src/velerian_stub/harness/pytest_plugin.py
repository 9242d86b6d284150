"""
pytest fixtures that give your tests a local Velerian API and clients configured for it.

Installed with ``velerian-stub`` and loaded by pytest automatically. One stub server
runs per test session (it starts in about a second); every test that asks for a client
gets a **fresh tenant** on it, so tests never see each other's ABPs, runs or audit
entries and need no clean-up.

Fixtures:
    velerian_stub: The session's :class:`~velerian_stub.harness.process.StubProcess`.
    velerian_admin_token: The token of that stub's ``/_stub`` admin routes (send it
        as ``X-Stub-Admin-Token``); no tenant key opens them.
    velerian_tenant: A new tenant for this test: its owner key, a deployed and a
        draft ABP, and a network slug.
    velerian_env: The tenant, with ``VELERIAN_API_KEY``, ``VELERIAN_BASE_URL``,
        ``VELERIAN_ABP_ID`` and ``VELERIAN_NETWORK_SLUG`` set for the test, for code
        that builds its own client from the environment.
    velerian_client: A ``velerian_sdk.VelerianClient`` for the tenant.
    async_velerian_client: A ``velerian_sdk.AsyncVelerianClient`` for the tenant
        (an async fixture: mark the test ``@pytest.mark.anyio``).

Options:
    --velerian-stub-sparse: Start the session's stub with ``--sparse``, so every
        ``/api/`` response carries only the fields the contract requires: the least
        the real API may send. Run a suite once with it and once without.

Example:
    >>> def test_denied_prompts_are_withheld(velerian_client, velerian_tenant):  # doctest: +SKIP
    ...     result = velerian_client.abps.invoke(
    ...         velerian_tenant.abp_id, payload={"prompt": "DENY"}
    ...     )
    ...     assert result.withheld
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from velerian_stub.harness.process import StubProcess

if TYPE_CHECKING:
    from velerian_sdk import AsyncVelerianClient, VelerianClient

__all__ = [
    "SPARSE_OPTION",
    "StubTenant",
    "async_velerian_client",
    "pytest_addoption",
    "velerian_admin_token",
    "velerian_client",
    "velerian_env",
    "velerian_stub",
    "velerian_tenant",
]


@dataclass(frozen=True)
class StubTenant:
    """
    A tenant created on the stub for one test.

    Attributes:
        base_url: The stub's origin.
        api_key: The tenant owner's key (every scope).
        tenant_id: The tenant's id.
        owner_user_id: Its owner's user id.
        abp_id: A deployed ABP.
        draft_abp_id: A draft ABP (invoking it is a 409).
        network_slug: A network to run.
    """

    base_url: str
    api_key: str
    tenant_id: str
    owner_user_id: str
    abp_id: str
    draft_abp_id: str
    network_slug: str

    @property
    def env(self) -> dict[str, str]:
        """The ``VELERIAN_*`` variables that point a client at this tenant."""
        return {
            "VELERIAN_BASE_URL": self.base_url,
            "VELERIAN_API_KEY": self.api_key,
            "VELERIAN_ABP_ID": self.abp_id,
            "VELERIAN_DRAFT_ABP_ID": self.draft_abp_id,
            "VELERIAN_NETWORK_SLUG": self.network_slug,
        }


def create_tenant(stub: StubProcess, name: str = "pytest tenant") -> StubTenant:
    """
    Create a fresh tenant on a running stub, with its admin token.

    Args:
        stub: The running stub.
        name: The tenant's display name.

    Returns:
        The new tenant and its owner key.
    """
    request = urllib.request.Request(  # noqa: S310 - the stub's own loopback URL
        f"{stub.base_url}/_stub/tenants",
        data=json.dumps({"name": name}).encode(),
        headers={**stub.admin_headers, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        body = json.loads(response.read())
    return StubTenant(
        base_url=stub.base_url,
        api_key=body["api_key"],
        tenant_id=body["tenant_id"],
        owner_user_id=body["owner_user_id"],
        abp_id=body["abp_id"],
        draft_abp_id=body["draft_abp_id"],
        network_slug=body["network_slug"],
    )


SPARSE_OPTION = "--velerian-stub-sparse"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--velerian-stub-sparse``."""
    parser.getgroup("velerian-stub").addoption(
        SPARSE_OPTION,
        action="store_true",
        default=False,
        help="run the session's velerian stub with sparse responses (only required fields)",
    )


@pytest.fixture(scope="session")
def velerian_stub(pytestconfig: pytest.Config) -> Iterator[StubProcess]:
    """One stub server for the whole test session, on a free port, in a temporary db."""
    with StubProcess(sparse=bool(pytestconfig.getoption(SPARSE_OPTION))) as stub:
        yield stub


@pytest.fixture(scope="session")
def velerian_admin_token(velerian_stub: StubProcess) -> str:
    """The session stub's admin token, for the ``/_stub`` routes."""
    return velerian_stub.admin_token


@pytest.fixture
def velerian_tenant(velerian_stub: StubProcess, request: pytest.FixtureRequest) -> StubTenant:
    """A fresh tenant for this test, isolated from every other test's data."""
    return create_tenant(velerian_stub, name=request.node.name[:100])


@pytest.fixture
def velerian_env(velerian_tenant: StubTenant, monkeypatch: pytest.MonkeyPatch) -> StubTenant:
    """The test's tenant, exported as ``VELERIAN_*`` environment variables."""
    for name, value in velerian_tenant.env.items():
        monkeypatch.setenv(name, value)
    return velerian_tenant


@pytest.fixture
def velerian_client(velerian_tenant: StubTenant) -> Iterator[VelerianClient]:
    """A ``VelerianClient`` for the test's tenant, closed after the test."""
    from velerian_sdk import VelerianClient

    with VelerianClient(api_key=velerian_tenant.api_key, base_url=velerian_tenant.base_url) as c:
        yield c


@pytest.fixture
async def async_velerian_client(velerian_tenant: StubTenant) -> AsyncIterator[AsyncVelerianClient]:
    """An ``AsyncVelerianClient`` for the test's tenant (use with ``@pytest.mark.anyio``)."""
    from velerian_sdk import AsyncVelerianClient

    async with AsyncVelerianClient(
        api_key=velerian_tenant.api_key, base_url=velerian_tenant.base_url
    ) as client:
        yield client
