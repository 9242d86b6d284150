"""
A crash at every commit of a mutating request: the retry never runs the work twice.

``kill -9`` can stop the stub between any two statements, but what survives it is
decided at transaction boundaries. So each test here runs one mutating request with a
simulated crash just before (rolled back) or just after (committed) its n-th
transaction, for every n: after the crash nothing else runs in that "process" (every
later database access fails, as in a dead one). Then a new app opens the same file, as
a restart does, and the client retries with the same ``Idempotency-Key``. The request
must have been executed exactly once in all (counted in the stub's execution log), and
the files on disk must match the rows (no export row without its file, no file left
over). ``tests/reliability/test_crash_soak.py`` does the same with real ``kill -9``s.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Generator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from velerian_stub import StubConfig, create_app
from velerian_stub.service.context import context_of
from velerian_stub.store.database import Database, Session


class SimulatedCrash(BaseException):
    """The process dies here: nothing after it runs (a BaseException, like a kill)."""


@dataclass
class CrashPlan:
    """Crash at the ``commit``-th outermost transaction of the armed request."""

    commit: int = 0
    before: bool = False
    armed: bool = False
    crashed: bool = False
    seen: int = 0

    def arm(self, commit: int, *, before: bool) -> None:
        self.commit, self.before, self.armed, self.crashed, self.seen = (
            commit,
            before,
            True,
            False,
            0,
        )


class AppClient:
    """Sends requests straight to an app, letting a simulated crash propagate."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app

    def request(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self._app)
            async with httpx.AsyncClient(transport=transport, base_url="http://stub.test") as http:
                return await http.request(method, path, json=json, content=content, headers=headers)

        return asyncio.run(send())

    def post(self, path: str, *, json: object, headers: dict[str, str]) -> httpx.Response:
        return self.request("POST", path, json=json, headers=headers)

    def get(self, path: str, *, headers: dict[str, str]) -> httpx.Response:
        return self.request("GET", path, headers=headers)

    def put(self, path: str, *, content: bytes) -> httpx.Response:
        return self.request("PUT", path, content=content)


@dataclass
class Stub:
    """One "process": an app on the database file, and a client of it."""

    client: AppClient
    owner: dict[str, str]
    abp_id: str
    slug: str
    close: Callable[[], None]


@dataclass
class Harness:
    """Starts apps on one database file and crashes them as planned."""

    db_path: Path
    plan: CrashPlan = field(default_factory=CrashPlan)
    api_key: str | None = None

    def start(self) -> Stub:
        app = create_app(
            StubConfig(db_path=str(self.db_path), api_key=self.api_key, run_queue_s=0.0)
        )
        ctx = context_of(app)
        self.api_key = ctx.seed.api_key
        return Stub(
            client=AppClient(app),
            owner={"Authorization": f"Bearer {ctx.seed.api_key}"},
            abp_id=ctx.seed.abp_id,
            slug=ctx.seed.network_slug,
            close=ctx.close,
        )

    def executions(self, key: str) -> int:
        with sqlite3.connect(self.db_path) as connection:
            row = connection.execute(
                "SELECT COUNT(*) FROM executions WHERE idempotency_key = ?", (key,)
            ).fetchone()
        connection.close()
        return int(row[0])

    def files_match_rows(self) -> None:
        with sqlite3.connect(self.db_path) as connection:
            exports = {str(r[0]) for r in connection.execute("SELECT id FROM exports")}
        connection.close()
        folder = Path(str(self.db_path) + ".blobs") / "exports"
        files: set[str] = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
        assert exports <= files, f"export rows without their file: {exports - files}"
        assert files <= exports, f"files no row names: {files - exports}"


@pytest.fixture
def harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Harness:
    harness = Harness(tmp_path / "stub.sqlite3")
    plan = harness.plan
    original = Database.session
    depth = threading.local()

    @contextmanager
    def crashing_session(self: Database) -> Generator[Session, None, None]:
        if plan.crashed:
            raise SimulatedCrash
        level: int = getattr(depth, "level", 0)
        depth.level = level + 1
        try:
            with original(self) as session:
                yield session
                if level == 0 and plan.armed:
                    plan.seen += 1
                    if plan.seen == plan.commit and plan.before:
                        plan.crashed = True
                        raise SimulatedCrash
            if level == 0 and plan.armed and plan.seen == plan.commit and not plan.before:
                plan.crashed = True
                raise SimulatedCrash
        finally:
            depth.level = level

    session_factory: Callable[[Database], AbstractContextManager[Session]] = crashing_session
    monkeypatch.setattr(Database, "session", session_factory)
    return harness


Request = tuple[str, str, dict[str, Any] | None]
"""Method, path (with query), JSON body."""
Setup = Callable[[Stub], Request]


def _invoke(word: str) -> Setup:
    def setup(stub: Stub) -> Request:
        body = {"payload": {"prompt": f"{word} claim"}}
        return "POST", f"/api/v2/abps/{stub.abp_id}/invoke", body

    return setup


def _network(*, queued: bool) -> Setup:
    def setup(stub: Stub) -> Request:
        query = "?async=true" if queued else ""
        body = {"prompt_text": "review it", "metadata": {"stub_duration_ms": 0}}
        return "POST", f"/api/agenticx/networks/{stub.slug}/invoke{query}", body

    return setup


def _mint(stub: Stub) -> Request:
    del stub
    return "POST", "/api/v2/api-keys", {"name": "ci", "scopes": ["read"]}


def _revoke(stub: Stub) -> Request:
    minted = stub.client.post(
        "/api/v2/api-keys", json={"name": "old", "scopes": ["read"]}, headers=stub.owner
    )
    return "DELETE", f"/api/v2/api-keys/{minted.json()['id']}", None


def _approve(stub: Stub) -> Request:
    held = stub.client.post(
        f"/api/v2/abps/{stub.abp_id}/invoke",
        json={"payload": {"prompt": "REQUIRE_APPROVAL"}},
        headers=stub.owner,
    )
    return "POST", f"/api/v2/approvals/{held.json()['approval_id']}/approve", {"note": "ok"}


def _finished_run(stub: Stub) -> str:
    queued = stub.client.post(
        f"/api/agenticx/networks/{stub.slug}/invoke?async=true",
        json={"prompt_text": "first", "metadata": {"stub_duration_ms": 0}},
        headers=stub.owner,
    )
    run_id = str(queued.json()["run_id"])
    assert stub.client.get(f"/api/v2/pack-runs/{run_id}", headers=stub.owner).status_code == 200
    return run_id


def _share(stub: Stub) -> Request:
    return "POST", f"/api/v2/pack-runs/{_finished_run(stub)}/share", {"expires_in_s": 60}


def _revise(stub: Stub) -> Request:
    return "POST", f"/api/v2/pack-runs/{_finished_run(stub)}/revise", {"instructions": "more"}


def _register(stub: Stub) -> Request:
    del stub
    body = {"filename": "a.txt", "content_type": "text/plain", "size_bytes": 3}
    return "POST", "/api/v2/run-attachments", body


def _finalize(stub: Stub) -> Request:
    registered = stub.client.post(
        "/api/v2/run-attachments",
        json={"filename": "a.txt", "content_type": "text/plain", "size_bytes": 3},
        headers=stub.owner,
    ).json()
    link = urlsplit(str(registered["upload_url"]))
    stub.client.put(f"{link.path}?{link.query}", content=b"abc")
    return "POST", f"/api/v2/run-attachments/{registered['id']}/finalize", None


OPERATIONS: dict[str, Setup] = {
    "invoke-allowed": _invoke("summarise"),
    "invoke-held": _invoke("REQUIRE_APPROVAL"),
    "network-queued": _network(queued=True),
    "network-synchronous": _network(queued=False),
    "mint-key": _mint,
    "revoke-key": _revoke,
    "approve": _approve,
    "share-run": _share,
    "revise-run": _revise,
    "register-attachment": _register,
    "finalize-attachment": _finalize,
}


def _send(stub: Stub, request: Request, key: str) -> int:
    method, path, body = request
    headers = {**stub.owner, "Idempotency-Key": key}
    return stub.client.request(method, path, json=body, headers=headers).status_code


def _commits_of(harness: Harness, setup: Setup) -> int:
    """How many transactions the request runs when nothing crashes."""
    stub = harness.start()
    try:
        request = setup(stub)
        harness.plan.arm(10**6, before=False)
        assert _send(stub, request, "count") < 300
        return harness.plan.seen
    finally:
        harness.plan.armed = False
        stub.close()


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_a_crash_at_any_commit_never_executes_a_request_twice(
    harness: Harness, operation: str
) -> None:
    setup = OPERATIONS[operation]
    commits = _commits_of(harness, setup)
    assert commits >= 3, "the request should claim, work and answer in transactions"
    twice: list[str] = []
    for commit in range(1, commits + 1):
        for before in (True, False):
            key = f"{operation}-{commit}-{'before' if before else 'after'}"
            crashed = harness.start()
            request = setup(crashed)
            harness.plan.arm(commit, before=before)
            with pytest.raises(SimulatedCrash):
                _send(crashed, request, key)
            harness.plan.armed = harness.plan.crashed = False
            crashed.close()
            restarted = harness.start()  # a restart on the same file
            try:
                status = _send(restarted, request, key)
                assert status < 300, f"{key}: the retry after the restart got {status}"
            finally:
                restarted.close()
            if harness.executions(key) != 1:
                twice.append(f"{key}: executed {harness.executions(key)} times")
    harness.start().close()  # one more start sweeps what the last crash left
    harness.files_match_rows()
    assert twice == []


def test_a_crash_while_a_run_finishes_leaves_no_row_without_its_file(harness: Harness) -> None:
    for commit in (1, 2, 3):
        for before in (True, False):
            stub = harness.start()
            _, invoke_path, body = _network(queued=True)(stub)
            queued = stub.client.post(invoke_path, json=body, headers=stub.owner)
            path = f"/api/v2/pack-runs/{queued.json()['run_id']}"
            harness.plan.arm(commit, before=before)
            with suppress(SimulatedCrash):
                stub.client.get(path, headers=stub.owner)
            harness.plan.armed = harness.plan.crashed = False
            stub.close()
            restarted = harness.start()
            try:
                finished = restarted.client.get(path, headers=restarted.owner).json()
                assert finished["status"] == "succeeded"
                assert finished["evidence_download_url"]
            finally:
                restarted.close()
            harness.files_match_rows()
