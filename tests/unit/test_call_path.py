"""
How many of the SDK's files a typed call passes through before httpx sends it.

A reader follows ``client.abps.invoke(...)`` from the namespace down to the transport;
each file on that path is one more file to open. The bound below is the layout's
promise (see ``CONTRIBUTING.md``); the test records every SDK function entered between
the call and the moment the transport receives the request.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from types import FrameType

import httpx
import pytest

import velerian_sdk
from tests.conftest import BASE, TEST_KEY
from tests.unit.api_samples import invoke_result
from velerian_sdk import AsyncVelerianClient, VelerianClient

pytestmark = pytest.mark.timeout(10)

PACKAGE = Path(velerian_sdk.__file__).parent
MAX_FILES = 6
"""The most SDK files a typed call may pass through before the transport gets it."""

_BODY = json.dumps(invoke_result()).encode()


class _PathRecorder:
    """A profile hook that records SDK files entered until the transport is reached."""

    def __init__(self) -> None:
        self.files: list[str] = []
        self.reached = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.reached = True
        return httpx.Response(200, content=_BODY, headers={"content-type": "application/json"})

    def profile(self, frame: FrameType, event: str, _arg: object) -> None:
        if event != "call" or self.reached:
            return
        path = Path(frame.f_code.co_filename)
        if path.is_relative_to(PACKAGE):
            name = path.relative_to(PACKAGE).as_posix()
            if name not in self.files:
                self.files.append(name)


def _sdk_files_sync() -> list[str]:
    recorder = _PathRecorder()
    client = VelerianClient(
        api_key=TEST_KEY,
        base_url=BASE,
        http_client=httpx.Client(transport=httpx.MockTransport(recorder.handler)),
    )
    client.abps.invoke("abp_1", payload={"prompt": "hi"})  # warm: imports and caches
    recorder.files.clear()
    recorder.reached = False
    sys.setprofile(recorder.profile)
    try:
        client.abps.invoke("abp_1", payload={"prompt": "hi"})
    finally:
        sys.setprofile(None)
    assert recorder.reached
    return recorder.files


def _sdk_files_async() -> list[str]:
    recorder = _PathRecorder()

    async def main() -> None:
        client = AsyncVelerianClient(
            api_key=TEST_KEY,
            base_url=BASE,
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(recorder.handler)),
        )
        await client.abps.invoke("abp_1", payload={"prompt": "hi"})
        recorder.files.clear()
        recorder.reached = False
        sys.setprofile(recorder.profile)
        try:
            await client.abps.invoke("abp_1", payload={"prompt": "hi"})
        finally:
            sys.setprofile(None)

    asyncio.run(main())
    assert recorder.reached
    return recorder.files


def test_a_sync_call_reaches_the_transport_through_few_files() -> None:
    files = _sdk_files_sync()
    assert len(files) <= MAX_FILES, files


def test_an_async_call_reaches_the_transport_through_few_files() -> None:
    files = _sdk_files_async()
    assert len(files) <= MAX_FILES, files
