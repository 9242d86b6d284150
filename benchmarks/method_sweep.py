"""
The per-method sweep: every typed method that makes one request, against raw httpx.

The per-call table measures a GET and an invoke; a method with query parameters, a
filtered list or a ``204`` takes other paths through the SDK (``usage.summary()`` once
cost 1.14x raw httpx in-process while the GET met its target). So each typed method is
timed here, sync and async, in-process and over loopback, against raw httpx sending the
same request (same method, path, query and JSON body, built the way a user writes it:
``params=`` and ``json=``) and decoding the body with ``.json()``. The table lists the
worst method first: the highest ratio to raw httpx relative to its target.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Awaitable, Callable, Generator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, cast

import httpx

from velerian_sdk import AsyncVelerianClient, VelerianClient

from .measure import RatioSummary, paired_rounds, paired_rounds_async
from .method_payloads import RUN_ID, answer_for
from .payloads import ABP_ID, INVOKE_PAYLOAD
from .raw_operations import API_KEY, canned_handler, raw_headers
from .report import Table, verdict
from .sizes import Size

__all__ = [
    "METHODS",
    "MOCK_ORIGIN",
    "RawRequest",
    "SweptMethod",
    "method_sweep_table",
    "raw_async_call",
    "raw_request",
    "raw_sync_call",
    "sweep_handler",
]

Transport = Literal["in-process", "loopback"]
Client = VelerianClient | AsyncVelerianClient

MOCK_ORIGIN = "http://127.0.0.1:9"
TARGETS: dict[Transport, float] = {"in-process": 1.08, "loopback": 1.02}
RAW = "raw httpx"
SDK = "velerian-sdk"
SINCE = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True, slots=True)
class SweptMethod:
    """
    One typed method and the call the sweep makes with it.

    Attributes:
        name: The call as a user writes it.
        kind: What it exercises: a retrieve, a list (filtered or not), a query, a
            mutation with a JSON body, a ``204``.
        call: Makes the call on a client (a coroutine on the async one).
    """

    name: str
    kind: str
    call: Callable[[Client], object]


METHODS: tuple[SweptMethod, ...] = (
    SweptMethod("abps.retrieve", "retrieve", lambda c: c.abps.retrieve(ABP_ID)),
    SweptMethod("abps.invoke", "invoke", lambda c: c.abps.invoke(ABP_ID, payload=INVOKE_PAYLOAD)),
    SweptMethod("abps.list(status=)", "list, filtered", lambda c: c.abps.list(status="deployed")),
    SweptMethod("api_keys.list", "list", lambda c: c.api_keys.list()),
    SweptMethod(
        "api_keys.create",
        "create, JSON body",
        lambda c: c.api_keys.create(name="ci", scopes=["runs:read"]),
    ),
    SweptMethod("api_keys.revoke", "delete, 204", lambda c: c.api_keys.revoke("key_1")),
    SweptMethod(
        "approvals.list(status=)",
        "list, filtered",
        lambda c: c.approvals.list(status="pending"),
    ),
    SweptMethod("approvals.retrieve", "retrieve", lambda c: c.approvals.retrieve("apr_1")),
    SweptMethod(
        "approvals.approve(note=)",
        "action, JSON body",
        lambda c: c.approvals.approve("apr_1", note="checked"),
    ),
    SweptMethod("approvals.reject", "action, no body", lambda c: c.approvals.reject("apr_1")),
    SweptMethod("attachments.retrieve", "retrieve", lambda c: c.attachments.retrieve("att_1")),
    SweptMethod(
        "audit.list(action=, since=, limit=)",
        "list, filtered",
        lambda c: c.audit.list(action="abp.invoke", since=SINCE, limit=10),
    ),
    SweptMethod(
        "evidence.for_invocation(format=)",
        "query",
        lambda c: c.evidence.for_invocation(ABP_ID, "inv_1", format="json"),
    ),
    SweptMethod(
        "evidence.package(since=)",
        "query",
        lambda c: c.evidence.package(ABP_ID, since=SINCE),
    ),
    SweptMethod(
        "networks.submit",
        "create, JSON body and query",
        lambda c: c.networks.submit("claims-review", prompt_text="Review claim 7."),
    ),
    SweptMethod("plans.list", "list", lambda c: c.plans.list()),
    SweptMethod("runs.list(status=)", "list, filtered", lambda c: c.runs.list(status="succeeded")),
    SweptMethod("runs.retrieve", "retrieve", lambda c: c.runs.retrieve(RUN_ID)),
    SweptMethod("runs.share", "action, no body", lambda c: c.runs.share(RUN_ID)),
    SweptMethod(
        "usage.summary(evidence_limit=)",
        "query",
        lambda c: c.usage.summary(evidence_limit=10),
    ),
)
"""Every typed method that sends one request. Left out, as they send several:
``attachments.upload``, ``evidence.download``, ``networks.invoke``, ``runs.wait`` and
``runs.revise`` (a POST, then ``runs.retrieve``)."""

_ANSWER_HEADERS = {"content-type": "application/json", "x-request-id": "req_" + "0" * 24}


def sweep_handler(request: httpx.Request) -> httpx.Response:
    """
    Answer a swept route in process, as the loopback server does.

    Args:
        request: The request.

    Returns:
        Its canned answer; the per-call routes for anything else.
    """
    found = answer_for(request.method, request.url.path)
    if found is None:
        return canned_handler(request)
    status, body = found
    return httpx.Response(status, content=body, headers=_ANSWER_HEADERS)


@dataclass(frozen=True, slots=True)
class RawRequest:
    """What the SDK sent for one method, as a user would pass it to httpx."""

    method: str
    path: str
    params: dict[str, str] | None
    body: object


def raw_request(method: SweptMethod) -> RawRequest:
    """Record the request the SDK sends for ``method``, once, in process."""
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return sweep_handler(request)

    transport = httpx.MockTransport(record)
    with VelerianClient(
        api_key=API_KEY, base_url=MOCK_ORIGIN, http_client=httpx.Client(transport=transport)
    ) as client:
        method.call(client)
    (request,) = seen
    query = dict(request.url.params.multi_items())
    return RawRequest(
        request.method,
        request.url.path,
        query or None,
        json.loads(request.content) if request.content else None,
    )


def raw_sync_call(client: httpx.Client, raw: RawRequest) -> Callable[[], object]:
    method, path, params, body = raw.method, raw.path, raw.params, raw.body

    def call() -> object:
        response = client.request(method, path, params=params, json=body)
        return response.json() if response.content else None

    return call


def raw_async_call(client: httpx.AsyncClient, raw: RawRequest) -> Callable[[], Awaitable[object]]:
    method, path, params, body = raw.method, raw.path, raw.params, raw.body

    async def call() -> object:
        response = await client.request(method, path, params=params, json=body)
        return response.json() if response.content else None

    return call


@contextmanager
def _sync_pair(
    transport: Transport, origin: str
) -> Generator[tuple[httpx.Client, VelerianClient], None, None]:
    if transport == "in-process":
        mock = httpx.MockTransport(sweep_handler)
        raw = httpx.Client(base_url=MOCK_ORIGIN, headers=raw_headers(), transport=mock)
        sdk = VelerianClient(
            api_key=API_KEY, base_url=MOCK_ORIGIN, http_client=httpx.Client(transport=mock)
        )
    else:
        raw = httpx.Client(base_url=origin, headers=raw_headers())
        sdk = VelerianClient(api_key=API_KEY, base_url=origin)
    with raw, sdk:
        yield raw, sdk


def _measure_sync(
    size: Size, transport: Transport, origin: str, requests: list[RawRequest]
) -> list[tuple[RatioSummary, RatioSummary]]:
    results: list[tuple[RatioSummary, RatioSummary]] = []
    with _sync_pair(transport, origin) as (raw, sdk):
        for method, request in zip(METHODS, requests, strict=True):

            def sdk_call(m: SweptMethod = method) -> object:
                return m.call(sdk)

            rounds = paired_rounds(
                (RAW, SDK),
                (raw_sync_call(raw, request), sdk_call),
                rounds=size.rounds,
                batch=size.sweep_batch,
            )
            results.append((rounds.summary(RAW, RAW), rounds.summary(SDK, RAW)))
    return results


def _measure_async(
    size: Size, transport: Transport, origin: str, requests: list[RawRequest]
) -> list[tuple[RatioSummary, RatioSummary]]:
    loop = asyncio.new_event_loop()
    if transport == "in-process":
        mock = httpx.MockTransport(sweep_handler)
        raw = httpx.AsyncClient(base_url=MOCK_ORIGIN, headers=raw_headers(), transport=mock)
        sdk = AsyncVelerianClient(
            api_key=API_KEY, base_url=MOCK_ORIGIN, http_client=httpx.AsyncClient(transport=mock)
        )
    else:
        raw = httpx.AsyncClient(base_url=origin, headers=raw_headers())
        sdk = AsyncVelerianClient(api_key=API_KEY, base_url=origin)
    results: list[tuple[RatioSummary, RatioSummary]] = []
    try:
        for method, request in zip(METHODS, requests, strict=True):

            def sdk_call(m: SweptMethod = method) -> Awaitable[object]:
                return cast("Awaitable[object]", m.call(sdk))

            rounds = paired_rounds_async(
                loop,
                (RAW, SDK),
                (raw_async_call(raw, request), sdk_call),
                rounds=size.rounds,
                batch=size.sweep_batch,
            )
            results.append((rounds.summary(RAW, RAW), rounds.summary(SDK, RAW)))
    finally:
        loop.run_until_complete(raw.aclose())
        loop.run_until_complete(sdk.aclose())
        loop.close()
    return results


def method_sweep_table(size: Size, origin: str) -> Table:
    """
    Time every swept method against raw httpx and return the table, worst first.

    Args:
        size: Rounds and calls per round.
        origin: The loopback server's origin.

    Returns:
        One row per method, flavour and transport, ordered by ratio over target.
    """
    requests = [raw_request(method) for method in METHODS]
    rows: list[tuple[float, list[str]]] = []
    for transport in ("in-process", "loopback"):
        target = TARGETS[transport]
        for flavour in ("sync", "async"):
            measure = _measure_sync if flavour == "sync" else _measure_async
            for method, (raw, sdk) in zip(
                METHODS, measure(size, transport, origin, requests), strict=True
            ):
                cells = [
                    f"`{method.name}`",
                    method.kind,
                    flavour,
                    transport,
                    f"{raw.per_op_us:.0f}",
                    f"{sdk.per_op_us:.0f}",
                    sdk.ratio_text(),
                    f"<= {target:.2f}x: {verdict(sdk.median, target)}",
                ]
                rows.append((sdk.median / target, cells))
    table = Table(
        "Per-method sweep: every typed method / raw httpx, worst first",
        [
            "method",
            "kind",
            "flavour",
            "transport",
            "raw httpx, us/call",
            "velerian-sdk, us/call",
            "ratio",
            "target",
        ],
    )
    for _, cells in sorted(rows, key=lambda row: row[0], reverse=True):
        table.add(*cells)
    table.notes.append(
        f"{size.rounds} rounds of {size.sweep_batch} calls per contender, alternating call by "
        "call; ratio = median of per-round ratios (min-max in brackets). Rows are ordered "
        "by ratio over target, so the first row is the method nearest its target (or "
        "furthest past it)."
    )
    table.notes.append(
        "raw httpx sends what the SDK sent for the method (recorded once): the same "
        "method, path, `params=` and `json=`, then `.json()`; lists answer a page of 10 "
        "items, validated by the SDK into models. Left out as they send several "
        "requests: `attachments.upload`, `evidence.download`, `networks.invoke`, "
        "`runs.wait`, `runs.revise` (a POST, then `runs.retrieve`)."
    )
    return table
