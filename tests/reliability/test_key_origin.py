"""
The key never reaches another origin: presigned hosts, redirects, absolute URLs, uploads.

A second loopback server on another port (``other``) records the raw bytes of every
request it receives; the key must never be among them, nor an ``Authorization`` header.
Where a fake API server (``api``) stands in for the Velerian origin, it must have seen
the key, so the test knows the key was really in play.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.reliability.loopback_servers import LoopbackServer, RecordedRequest, Recorder, answer
from tests.reliability.soak_settings import PATIENT_POLICY
from tests.unit import api_samples as samples
from velerian_sdk import AsyncVelerianClient, VelerianClient, VelerianError
from velerian_stub import StubProcess
from velerian_stub.pytest_plugin import create_tenant

Client = VelerianClient | AsyncVelerianClient
Call = Callable[[Client], object]


def json_answer(body: object, status: int = 200) -> bytes:
    return answer(status, json.dumps(body).encode())


def api_like(request: RecordedRequest) -> bytes:
    """Answer like the API would, whatever origin the request reached."""
    if request.target.endswith("/invoke"):
        return json_answer(samples.invoke_result())
    if "/abps/" in request.target:
        return json_answer(samples.abp())
    return json_answer(samples.page([], limit=50, offset=0, total=0))


def run(call: Callable[[], object]) -> None:
    """Make a call (to completion for a coroutine), tolerating typed errors."""
    try:
        value = call()
        if asyncio.iscoroutine(value):
            asyncio.run(value)
    except VelerianError:
        pass


def assert_never_saw(recorder: Recorder, key: str) -> None:
    assert recorder.requests, "the other origin was never contacted: the test tested nothing"
    assert key.encode() not in recorder.raw_bytes()
    for request in recorder.requests:
        assert "authorization" not in request.headers


@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize("delivery", ["presigned", "stream"])
def test_downloads_from_another_origin_never_carry_the_key(
    faulty_stub: StubProcess, tmp_path: Path, flavour: str, delivery: str
) -> None:
    tenant = create_tenant(faulty_stub, "key origin download")
    other = Recorder(respond=lambda request: answer(200, b"not the export"))
    with LoopbackServer(other, lifetime=30.0) as server:
        with VelerianClient(
            api_key=tenant.api_key, base_url=tenant.base_url, retry_policy=PATIENT_POLICY
        ) as client:
            result = client.abps.invoke(tenant.abp_id, payload={"prompt": "origin"})
            real = client.evidence.for_invocation(tenant.abp_id, result.invocation_id)
        path = (
            "/_storage/exports/x?expires=9999999999&sig=abc"
            if delivery == "presigned"
            else ("/api/v2/exports/x/content")
        )
        moved = real.model_copy(update={"download_url": server.url + path, "delivery": delivery})
        if flavour == "sync":
            with VelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as sync:
                run(lambda: sync.evidence.download(moved, tmp_path / "x.json"))
        else:

            async def download() -> None:
                async with AsyncVelerianClient(
                    api_key=tenant.api_key, base_url=tenant.base_url
                ) as client:
                    await client.evidence.download(moved, tmp_path / "x.json")

            run(download)
    assert_never_saw(other, tenant.api_key)


KEY = "vk_live_ORIGINabcdefghijklmnopqrstuvwxyz012345678"


def call_with(
    flavour: str,
    base_url: str,
    call: Call,
    *,
    follow_redirects: bool = False,
    default_headers: dict[str, str] | None = None,
) -> None:
    """Run ``call`` on a fresh client of ``flavour`` over its own httpx pool; typed errors pass."""
    if flavour == "sync":
        with httpx.Client(follow_redirects=follow_redirects) as http:
            client = VelerianClient(
                api_key=KEY,
                base_url=base_url,
                max_retries=0,
                http_client=http,
                default_headers=default_headers,
            )
            run(lambda: call(client))
        return

    async def go() -> None:
        async with httpx.AsyncClient(follow_redirects=follow_redirects) as http:
            client = AsyncVelerianClient(
                api_key=KEY,
                base_url=base_url,
                max_retries=0,
                http_client=http,
                default_headers=default_headers,
            )
            value = call(client)
            assert asyncio.iscoroutine(value)
            with contextlib.suppress(VelerianError):
                await value

    asyncio.run(go())


REDIRECTED_CALLS: dict[str, Call] = {
    "GET abps.retrieve (302)": lambda c: c.abps.retrieve("abp_1"),
    "POST abps.invoke (307)": lambda c: c.abps.invoke("abp_1", payload={"p": 1}),
    "GET escape hatch (302)": lambda c: c.get("plans"),
}


@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize("elsewhere", ["another port", "same port as localhost"])
def test_a_following_client_drops_the_key_on_a_cross_origin_redirect(
    flavour: str, elsewhere: str
) -> None:
    other = Recorder(respond=api_like)
    with LoopbackServer(other, lifetime=30.0) as other_server:
        targets: list[str] = [other_server.url]

        def redirect(request: RecordedRequest) -> bytes:
            if request.headers.get("host", "").startswith("localhost"):
                other.requests.append(request)  # this server, reached as another origin
                return api_like(request)
            status = 307 if request.method == "POST" else 302
            return answer(status, b"", {"Location": f"{targets[-1]}{request.target}"})

        api = Recorder(respond=redirect)
        with LoopbackServer(api, lifetime=30.0) as api_server:
            if elsewhere != "another port":
                targets.append(f"http://localhost:{api_server.port}")
            for call in REDIRECTED_CALLS.values():
                call_with(flavour, api_server.url, call, follow_redirects=True)
    assert KEY.encode() in api.raw_bytes()  # the API origin itself did get the key
    assert len(other.requests) == len(REDIRECTED_CALLS)  # every redirect was followed
    assert_never_saw(other, KEY)


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_the_sdks_own_client_does_not_follow_redirects(flavour: str) -> None:
    other = Recorder(respond=api_like)
    with LoopbackServer(other, lifetime=30.0) as other_server:
        api = Recorder(respond=lambda r: answer(302, b"", {"Location": other_server.url + "/x"}))
        with LoopbackServer(api, lifetime=30.0) as api_server:
            if flavour == "sync":
                client = VelerianClient(api_key=KEY, base_url=api_server.url)
                with client, pytest.raises(VelerianError, match="302"):
                    client.abps.retrieve("abp_1")
            else:

                async def go() -> None:
                    async with AsyncVelerianClient(api_key=KEY, base_url=api_server.url) as c:
                        with pytest.raises(VelerianError, match="302"):
                            await c.abps.retrieve("abp_1")

                asyncio.run(go())
    assert api.requests
    assert other.requests == []


ABSOLUTE_CALLS: dict[str, Callable[[str], Call]] = {
    "GET": lambda url: lambda c: c.get(f"{url}/steal?x=1"),
    "POST": lambda url: lambda c: c.post(f"{url}/steal", json={"a": 1}),
    "DELETE": lambda url: lambda c: c.delete(f"{url}/steal"),
    "PUT by hand": lambda url: (
        lambda c: c.request(
            "PUT", f"{url}/steal", content=b"x", headers={"Authorization": f"Bearer {KEY}"}
        )
    ),
}


@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize("hand_set", [False, True], ids=["sdk key", "key also in default_headers"])
def test_absolute_urls_to_another_origin_never_get_the_key(flavour: str, hand_set: bool) -> None:
    other = Recorder()
    api = Recorder()
    headers = {"Authorization": f"Bearer {KEY}"} if hand_set else None
    with (
        LoopbackServer(other, lifetime=30.0) as other_server,
        LoopbackServer(api, lifetime=30.0) as api_server,
    ):
        localhost_api = f"http://localhost:{api_server.port}"
        for make in ABSOLUTE_CALLS.values():
            call_with(flavour, api_server.url, make(other_server.url), default_headers=headers)
            call_with(flavour, api_server.url, make(localhost_api), default_headers=headers)
        call_with(flavour, api_server.url, lambda c: c.get("plans"), default_headers=headers)
    assert len(other.requests) == len(ABSOLUTE_CALLS)
    assert_never_saw(other, KEY)
    # The API's own server got the key only on the one call to its own origin.
    with_key = [r for r in api.requests if KEY.encode() in r.raw]
    assert [r.target for r in with_key] == ["/api/v2/plans"]


def upload_ten_bytes(client: Client) -> object:
    return client.attachments.upload(b"0123456789", filename="claims.csv")


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_an_upload_to_a_presigned_host_never_carries_the_key(flavour: str) -> None:
    storage = Recorder(respond=lambda r: answer(200, b"", {"ETag": '"etag"'}))
    with LoopbackServer(storage, lifetime=30.0) as storage_server:
        upload_url = f"{storage_server.url}/_storage/uploads/att_1?expires=9&sig=UPLOADSIG"

        def fake_api(request: RecordedRequest) -> bytes:
            if request.target.endswith("/finalize"):
                ready = samples.attachment(status="ready", upload_url=None, sha256="ab" * 32)
                return json_answer(ready)
            return json_answer(samples.attachment(upload_url=upload_url, size_bytes=10), 201)

        api = Recorder(respond=fake_api)
        with LoopbackServer(api, lifetime=30.0) as api_server:
            call_with(flavour, api_server.url, upload_ten_bytes)
    assert [r.method for r in storage.requests] == ["PUT"]
    assert storage.requests[0].body == b"0123456789"
    assert_never_saw(storage, KEY)
    assert KEY.encode() in api.raw_bytes()
