"""Helpers for the stub server's own tests: stubs served from a thread, over loopback.

Most tests share one stub (started once per session) and get a fresh tenant each, which
isolates them as well as a fresh server would, at a fraction of the cost. Tests that
need special settings (faults, a manual clock) serve their own stub with ``open_api``.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

from velerian_stub import StubConfig, ThreadedStub


class ManualClock:
    """A clock the test moves by hand, starting at the real time."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class Tenant:
    """The ids a test works with: a tenant, its owner key, ABPs and network."""

    tenant_id: str
    owner_key: str
    abp_id: str
    draft_abp_id: str
    slug: str


@dataclass
class Api:
    """A client of one stub, acting in one tenant."""

    stub: ThreadedStub
    http: httpx.Client
    tenant: Tenant

    @property
    def abp_id(self) -> str:
        return self.tenant.abp_id

    @property
    def draft_abp_id(self) -> str:
        return self.tenant.draft_abp_id

    @property
    def slug(self) -> str:
        return self.tenant.slug

    @property
    def owner_key(self) -> str:
        return self.tenant.owner_key

    def auth(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.owner_key}"}

    def get(
        self, path: str, *, key: str | None = None, params: dict[str, str | int] | None = None
    ) -> httpx.Response:
        return self.http.get(path, headers=self.auth(key), params=params)

    def post(
        self,
        path: str,
        body: object = None,
        *,
        key: str | None = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        headers = self.auth(key)
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return self.http.post(path, json=body, headers=headers)

    def admin(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        params: dict[str, str | int] | None = None,
    ) -> httpx.Response:
        """Call a ``/_stub`` route with the stub's admin token, in this test's tenant."""
        query: dict[str, str | int] = {"tenant_id": self.tenant.tenant_id, **(params or {})}
        return self.http.request(
            method, path, json=body, params=query, headers=self.stub.admin_headers
        )

    def invoke(self, payload: dict[str, object], *, key: str | None = None) -> httpx.Response:
        return self.post(f"/api/v2/abps/{self.abp_id}/invoke", {"payload": payload}, key=key)

    def run(self, prompt: str, **metadata: object) -> dict[str, Any]:
        """Queue a network run and return its 202 body."""
        response = self.post(
            f"/api/agenticx/networks/{self.slug}/invoke?async=true",
            {"prompt_text": prompt, "metadata": metadata},
        )
        assert response.status_code == 202, response.text
        queued: dict[str, Any] = response.json()
        return queued

    def new_user(self, role: str, scopes: list[str] | None = None) -> dict[str, Any]:
        body: dict[str, object] = {"role": role}
        if scopes is not None:
            body["scopes"] = scopes
        response = self.admin("POST", "/_stub/users", body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def new_tenant(self, slug: str = "claims-review") -> dict[str, Any]:
        response = self.admin("POST", "/_stub/tenants", {"network_slug": slug})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


def in_memory(**changes: Any) -> StubConfig:
    """An in-memory stub's settings, with some changed."""
    return replace(StubConfig(db_path=":memory:"), **changes)


@contextmanager
def open_api(config: StubConfig) -> Generator[Api, None, None]:
    """Serve a stub of its own with ``config`` and act in its seeded tenant."""
    with ThreadedStub(config) as stub, httpx.Client(base_url=stub.base_url, timeout=30) as http:
        seed = stub.context.seed
        tenant = Tenant(
            tenant_id=seed.tenant_id,
            owner_key=seed.api_key,
            abp_id=seed.abp_id,
            draft_abp_id=seed.draft_abp_id,
            slug=seed.network_slug,
        )
        yield Api(stub=stub, http=http, tenant=tenant)


@pytest.fixture(scope="session")
def shared_stub() -> Generator[ThreadedStub, None, None]:
    """One stub for the session, with short run timings."""
    with ThreadedStub(in_memory(run_queue_s=0.1, run_duration_s=0.3)) as stub:
        yield stub


@pytest.fixture
def api(shared_stub: ThreadedStub) -> Generator[Api, None, None]:
    """A fresh tenant on the shared stub."""
    with httpx.Client(base_url=shared_stub.base_url, timeout=30) as http:
        response = http.post("/_stub/tenants", json={}, headers=shared_stub.admin_headers)
        assert response.status_code == 201, response.text
        created = response.json()
        tenant = Tenant(
            tenant_id=created["tenant_id"],
            owner_key=created["api_key"],
            abp_id=created["abp_id"],
            draft_abp_id=created["draft_abp_id"],
            slug=created["network_slug"],
        )
        yield Api(stub=shared_stub, http=http, tenant=tenant)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def clocked_api(clock: ManualClock) -> Generator[Api, None, None]:
    """A stub of its own whose clock the test moves by hand."""
    with open_api(in_memory(presign_ttl_s=60, clock=clock)) as api:
        yield api
