"""
Runs in the comparison environment: velerian-sdk 0.1.2 and openai against raw httpx.

velerian-sdk 0.1.2 has the same import name as this SDK, so it lives in an environment
of its own and is measured by this worker, in one process with the raw-httpx basis,
round by round. The worker prints one JSON object per row; the harness tabulates them.

``python -m benchmarks.comparison_worker --origin URL --rounds R --batch B``
"""

from __future__ import annotations

import argparse
import importlib
import json
from collections.abc import Callable
from typing import Protocol, cast

import httpx

from .measure import paired_rounds
from .payloads import ABP_ID, CHAT_COMPLETION_JSON, INVOKE_PAYLOAD
from .raw_operations import (
    API_KEY,
    CHAT_REQUEST,
    canned_handler,
    raw_chat_operation,
    raw_headers,
    raw_sync_operation,
)

__all__ = ["main"]

MOCK_ORIGIN = "http://127.0.0.1:9"
RAW = "raw httpx"


class _LegacyClient(Protocol):
    def get(self, path: str) -> httpx.Response: ...

    def invoke_abp(self, abp_id: str, *, payload: dict[str, object]) -> object: ...


class _Completions(Protocol):
    def create(self, *, model: str, messages: list[dict[str, str]]) -> object: ...


class _Chat(Protocol):
    @property
    def completions(self) -> _Completions: ...


class _OpenAI(Protocol):
    @property
    def chat(self) -> _Chat: ...


def _legacy_operation(transport: str, origin: str, operation: str) -> Callable[[], object]:
    module = importlib.import_module("velerian_sdk")
    factory = cast("Callable[..., _LegacyClient]", module.VelerianClient)
    if transport == "in-process":
        mock = httpx.MockTransport(canned_handler)
        client = factory(
            api_key=API_KEY, base_url=MOCK_ORIGIN, http_client=httpx.Client(transport=mock)
        )
    else:
        client = factory(api_key=API_KEY, base_url=origin)
    if operation == "get":
        return lambda: client.get(f"abps/{ABP_ID}").json()
    return lambda: client.invoke_abp(ABP_ID, payload=INVOKE_PAYLOAD)


def _openai_operation(transport: str, origin: str) -> Callable[[], object]:
    openai = importlib.import_module("openai")
    factory = cast("Callable[..., _OpenAI]", openai.OpenAI)
    if transport == "in-process":
        httpx2 = importlib.import_module("httpx2")
        response = cast("Callable[..., object]", httpx2.Response)
        mock = cast("Callable[..., object]", httpx2.MockTransport)
        client_class = cast("Callable[..., object]", httpx2.Client)

        def handler(_request: object) -> object:
            return response(
                200,
                content=CHAT_COMPLETION_JSON,
                headers={"content-type": "application/json"},
            )

        client = factory(
            api_key="sk-bench",
            base_url=f"{MOCK_ORIGIN}/v1",
            http_client=client_class(transport=mock(handler)),
        )
    else:
        client = factory(api_key="sk-bench", base_url=f"{origin}/v1")
    messages = cast("list[dict[str, str]]", CHAT_REQUEST["messages"])
    return lambda: client.chat.completions.create(model="gpt-bench", messages=messages)


def _raw_client(transport: str, origin: str) -> httpx.Client:
    if transport == "in-process":
        mock = httpx.MockTransport(canned_handler)
        return httpx.Client(base_url=MOCK_ORIGIN, headers=raw_headers(), transport=mock)
    return httpx.Client(base_url=origin, headers=raw_headers())


def _row(
    client: str,
    call: str,
    transport: str,
    *,
    raw: Callable[[], object],
    other: Callable[[], object],
    rounds: int,
    batch: int,
) -> dict[str, object]:
    results = paired_rounds((RAW, client), (raw, other), rounds=rounds, batch=batch)
    summary = results.summary(client, RAW)
    return {
        "client": client,
        "call": call,
        "transport": transport,
        "raw_us": results.summary(RAW, RAW).per_op_us,
        "client_us": summary.per_op_us,
        "low": summary.low,
        "median": summary.median,
        "high": summary.high,
    }


def main() -> None:
    """Measure every comparison row and print it as a JSON line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.comparison_worker")
    parser.add_argument("--origin", required=True)
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--batch", type=int, required=True)
    args = parser.parse_args()
    origin: str = args.origin
    rounds: int = args.rounds
    batch: int = args.batch
    legacy = importlib.import_module("velerian_sdk")
    version = cast("str", legacy.__version__)
    for transport in ("in-process", "loopback"):
        raw_client = _raw_client(transport, origin)
        for operation in ("get", "invoke"):
            row = _row(
                f"velerian-sdk {version}",
                "sync GET abp" if operation == "get" else "sync invoke",
                transport,
                raw=raw_sync_operation(raw_client, operation),
                other=_legacy_operation(transport, origin, operation),
                rounds=rounds,
                batch=batch,
            )
            print(json.dumps(row), flush=True)
        try:
            chat = _openai_operation(transport, origin)
        except ImportError:
            continue
        openai_version = cast("str", importlib.import_module("openai").__version__)
        row = _row(
            f"openai {openai_version}",
            "sync chat completion",
            transport,
            raw=raw_chat_operation(raw_client),
            other=chat,
            rounds=rounds,
            batch=batch,
        )
        print(json.dumps(row), flush=True)
        raw_client.close()


if __name__ == "__main__":
    main()
