"""
What a storage host receives from the SDK's own client, over real sockets.

The unit tests inject an ``httpx`` client; here the client builds its own, whose default
headers (user agent, ``Accept``) ``httpx`` merges into every request it builds. A fake
API (one loopback port) hands out a storage link on another port, and the storage side
must see only the headers its transfer needs, while the API sees the user's defaults.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.loopback_servers import LoopbackServer, RecordedRequest, Recorder, answer
from tests.unit import api_samples as samples
from velerian_sdk import AsyncVelerianClient, VelerianClient

KEY = "vk_live_STORAGEabcdefghijklmnopqrstuvwxyz01234567"
USER_HEADERS = {"X-Tenant": "acme", "X-Trace": "t-1"}
USER_AGENT = "acme-batch/7"
UPLOAD_NEEDS = {"host", "content-type", "content-length", "accept-encoding", "connection"}
DOWNLOAD_NEEDS = {"host", "accept", "accept-encoding", "connection"}

Client = VelerianClient | AsyncVelerianClient


def with_own_client(flavour: str, base_url: str, call: Callable[[Client], object]) -> None:
    """Run ``call`` on a client that builds its own ``httpx`` client."""
    options = {"api_key": KEY, "base_url": base_url, "max_retries": 0}
    if flavour == "sync":
        with VelerianClient(
            **options,  # type: ignore[arg-type]
            default_headers=USER_HEADERS,
            user_agent=USER_AGENT,
        ) as client:
            call(client)
        return

    async def go() -> None:
        async with AsyncVelerianClient(
            **options,  # type: ignore[arg-type]
            default_headers=USER_HEADERS,
            user_agent=USER_AGENT,
        ) as client:
            value = call(client)
            assert asyncio.iscoroutine(value)
            await value

    asyncio.run(go())


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_an_upload_put_reaches_storage_with_only_its_own_headers(flavour: str) -> None:
    storage = Recorder(respond=lambda r: answer(200, b""))
    with LoopbackServer(storage, lifetime=30.0) as storage_server:
        upload_url = f"{storage_server.url}/_storage/uploads/att_1?sig=UPLOADSIG"

        def fake_api(request: RecordedRequest) -> bytes:
            if request.target.endswith("/finalize"):
                ready = samples.attachment(status="ready", upload_url=None, sha256="ab" * 32)
                return answer(200, json.dumps(ready).encode())
            pending = samples.attachment(upload_url=upload_url, size_bytes=10)
            return answer(201, json.dumps(pending).encode())

        api = Recorder(respond=fake_api)
        with LoopbackServer(api, lifetime=30.0) as api_server:
            with_own_client(
                flavour,
                api_server.url,
                lambda c: c.attachments.upload(b"0123456789", filename="claims.csv"),
            )
    (put,) = storage.requests
    assert put.method == "PUT"
    assert set(put.headers) <= UPLOAD_NEEDS, put.headers
    for call in api.requests:
        assert call.headers["x-tenant"] == "acme"
        assert call.headers["user-agent"] == USER_AGENT
        assert call.headers["authorization"] == f"Bearer {KEY}"
        assert "idempotency-key" in call.headers


@dataclass(frozen=True)
class Export:
    download_url: str
    export_id: str = "exp_1"
    delivery: str = "presigned"
    format: str = "json"
    expires_at: dt.datetime = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    size_bytes: int | None = 2
    sha256: str | None = None


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_a_presigned_download_reaches_storage_with_only_its_own_headers(
    flavour: str, tmp_path: Path
) -> None:
    storage = Recorder(respond=lambda r: answer(200, b"{}"))
    with LoopbackServer(storage, lifetime=30.0) as storage_server:
        export = Export(f"{storage_server.url}/_storage/exports/exp_1?sig=abc")
        with_own_client(
            flavour,
            "http://localhost:9",
            lambda c: c.evidence.download(export, tmp_path),  # type: ignore[arg-type]
        )
    (get,) = storage.requests
    assert set(get.headers) <= DOWNLOAD_NEEDS, get.headers
    assert get.headers["accept-encoding"] == "identity"
    assert (tmp_path / "exp_1.json").read_bytes() == b"{}"
