"""
Provoke errors with tblib's exception pickling installed; print what their pickles hold.

Run as ``python -m tests.unit.tblib_errors`` in a process of its own: tblib registers
its reducer for every exception class in the process, which other tests must not see.
Prints one JSON object per error: its class, whether a secret is in its pickled bytes,
and the class names along its unpickled ``__cause__``/``__context__`` chain.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import pickle
from collections.abc import Callable
from typing import cast

import httpx

import velerian_sdk
from velerian_sdk import AsyncVelerianClient, CreatedApiKey, VelerianClient, VelerianError

KEY = "vk_live_TBLIBkeyabcdefghijklmnopqrstuvwxyz0123456789"
SECRET = "plain-minted-secret-9f8e7d6c"
"""A secret in no pattern the SDK masks by shape: only leaving it out keeps it out."""


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def minted_without_id(request: httpx.Request) -> httpx.Response:
    return httpx.Response(201, json={"name": "ci", "secret": SECRET, "scopes": ["read"]})


def client(handler: Callable[[httpx.Request], httpx.Response]) -> VelerianClient:
    transport = httpx.MockTransport(handler)
    return VelerianClient(
        api_key=KEY,
        base_url="https://api.test",
        http_client=httpx.Client(transport=transport),
        max_retries=0,
    )


def connect_error() -> None:
    client(refused).plans.list()


def response_validation() -> None:
    client(minted_without_id).api_keys.create(name="ci", scopes=["read"])


def argument_validation() -> None:
    CreatedApiKey.from_dict({"name": "ci", "secret": SECRET})


def evidence_not_json() -> None:
    client(refused).evidence.verify(b'{"packs": [{"payload": "' + SECRET.encode() + b'"')


def loop_moved() -> None:
    async def closed_loop_transport(request: httpx.Request) -> httpx.Response:
        raise RuntimeError(f"Event loop is closed ({request.headers['Authorization']})")

    async def call() -> None:
        transport = httpx.MockTransport(closed_loop_transport)
        async with AsyncVelerianClient(
            api_key=KEY,
            base_url="https://api.test",
            http_client=httpx.AsyncClient(transport=transport),
            max_retries=0,
        ) as moved:
            await moved.plans.list()

    asyncio.run(call())


SCENARIOS = [connect_error, response_validation, argument_validation, evidence_not_json, loop_moved]


def chain(error: BaseException) -> list[str]:
    names: list[str] = []
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        names.append(f"{type(link).__module__}.{type(link).__qualname__}")
        link = link.__cause__ or link.__context__
    return names


def main() -> None:
    # As Dask's `distributed` does on import; tblib ships no type information.
    support = importlib.import_module("tblib.pickling_support")
    install = cast("Callable[[], None]", support.install)
    install()
    for scenario in SCENARIOS:
        try:
            scenario()
        except VelerianError as error:
            data = pickle.dumps(error)
            copy = pickle.loads(data)
            report = {
                "scenario": scenario.__name__,
                "error": type(error).__name__,
                "key_in_pickle": KEY.encode() in data,
                "secret_in_pickle": SECRET.encode() in data,
                "chain": chain(copy),
                "cause": str(copy.__cause__),
            }
        else:
            report = {"scenario": scenario.__name__, "error": None}
        print(json.dumps(report))
    assert velerian_sdk.__name__ == "velerian_sdk"


if __name__ == "__main__":
    main()
