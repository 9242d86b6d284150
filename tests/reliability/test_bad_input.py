"""
Hostile responses to typed calls: only ``VelerianError`` ever escapes; additions still parse.

Hypothesis answers each typed call (through ``httpx.MockTransport``) with arbitrary JSON,
valid bodies cut short, random bytes, fields swapped for huge or non-finite numbers,
nesting deep enough to exhaust a naive parser, wrong content types and encodings, any
status and any ``Retry-After``. The call must return its model or raise a
``VelerianError``; its repr and str must not fail either. A second property adds unknown
fields and unknown enum values to valid bodies: those must parse and stay readable.
Examples are bounded (``max_examples``, no deadline) so the suite stays fast.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
import string
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import cast

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import close_loop
from tests.reliability.soak_report import SoakReport
from tests.unit import api_samples as samples
from velerian_sdk import (
    AsyncPage,
    AsyncVelerianClient,
    JSONObject,
    Page,
    VelerianClient,
    VelerianError,
    VelerianModel,
)

KEY = "vk_live_BADINPUTabcdefghijklmnopqrstuvwxyz0123456"
Client = VelerianClient | AsyncVelerianClient
Call = Callable[[Client], object]


@dataclass(frozen=True)
class TypedCall:
    """A typed call, a valid body for it, and where its enum-like fields are."""

    call: Call
    sample: Callable[[], JSONObject]
    enums: tuple[tuple[str | int, ...], ...] = ()


def one_page(item: Callable[[], JSONObject]) -> Callable[[], JSONObject]:
    return lambda: samples.page([item()], limit=50, offset=0, total=1)


SHARE: JSONObject = {
    "run_id": "run_1",
    "share_url": "https://x.test/s?sig=1",
    "expires_at": samples.T1,
}

CALLS: dict[str, TypedCall] = {
    "abps.retrieve": TypedCall(lambda c: c.abps.retrieve("abp_1"), samples.abp, (("status",),)),
    "abps.list": TypedCall(
        lambda c: c.abps.list(), one_page(samples.abp), (("items", 0, "status"),)
    ),
    "abps.invoke": TypedCall(
        lambda c: c.abps.invoke("abp_1", payload={"prompt": "x"}),
        samples.invoke_result,
        (("outcome",), ("aggregated_conditions", 0, "result")),
    ),
    "evidence.for_invocation": TypedCall(
        lambda c: c.evidence.for_invocation("abp_1", "inv_1"),
        samples.export,
        (("artifact_kind",), ("format",), ("delivery",)),
    ),
    "audit.list": TypedCall(
        lambda c: c.audit.list(), one_page(samples.audit_entry), (("items", 0, "action"),)
    ),
    "api_keys.create": TypedCall(
        lambda c: c.api_keys.create(name="ci", scopes=["read"]), samples.created_api_key
    ),
    "api_keys.list": TypedCall(lambda c: c.api_keys.list(), one_page(samples.api_key)),
    "usage.summary": TypedCall(
        lambda c: c.usage.summary(), lambda: samples.usage([samples.evidence_row(1)])
    ),
    "runs.retrieve": TypedCall(lambda c: c.runs.retrieve("run_1"), samples.run, (("status",),)),
    "runs.list": TypedCall(
        lambda c: c.runs.list(), one_page(samples.run), (("items", 0, "status"),)
    ),
    "runs.share": TypedCall(lambda c: c.runs.share("run_1"), lambda: dict(SHARE)),
    "networks.submit": TypedCall(
        lambda c: c.networks.submit("claims-review", prompt_text="x"),
        samples.queued,
        (("status",),),
    ),
    "approvals.retrieve": TypedCall(
        lambda c: c.approvals.retrieve("apr_1"), samples.approval, (("status",),)
    ),
    "approvals.approve": TypedCall(lambda c: c.approvals.approve("apr_1"), samples.approval),
    "plans.list": TypedCall(lambda c: c.plans.list(), one_page(samples.plan)),
    "attachments.retrieve": TypedCall(
        lambda c: c.attachments.retrieve("att_1"), samples.attachment, (("status",),)
    ),
    "invoke_abp (0.1)": TypedCall(
        lambda c: c.invoke_abp("abp_1", payload={"prompt": "x"}), samples.invoke_result
    ),
    "list_audit_log (0.1)": TypedCall(lambda c: c.list_audit_log(), one_page(samples.audit_entry)),
}

STATUSES = [
    200,
    201,
    202,
    204,
    299,
    301,
    304,
    400,
    401,
    403,
    404,
    409,
    410,
    418,
    422,
    429,
    500,
    502,
    503,
    599,
]
CONTENT_TYPES = [
    None,
    "application/json",
    "application/json; charset=utf-16",
    "application/problem+json",
    "text/html",
    "text/plain; charset=latin-1",
    "application/octet-stream",
    ";;;",
]
ENCODINGS = [None, "identity", "gzip", "deflate", "br", "x-unknown"]
HUGE = [
    "1e999",
    "-1e999",
    "1" + "0" * 5000,
    "NaN",
    "-Infinity",
    "18446744073709551616",
    "-0",
    "1e-999",
]
PLACEHOLDER = "\u0000HUGE\u0000"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=16,
)


@st.composite
def mutated(draw: st.DrawFn, sample: JSONObject) -> bytes:
    """A valid body with one field replaced (by JSON, a huge number) or removed."""
    body = copy.deepcopy(sample)
    key = draw(st.sampled_from(sorted(body)))
    choice = draw(st.integers(0, 2))
    huge = draw(st.sampled_from(HUGE))
    if choice == 0:
        del body[key]
    else:
        body[key] = PLACEHOLDER if choice == 1 else draw(json_values)
    return json.dumps(body).replace(json.dumps(PLACEHOLDER), huge).encode()


@st.composite
def hostile_body(draw: st.DrawFn, sample: JSONObject) -> bytes:
    valid = json.dumps(sample).encode()
    body: bytes = draw(
        st.one_of(
            json_values.map(lambda value: json.dumps(value).encode()),
            st.integers(0, len(valid) - 1).map(lambda cut: valid[:cut]),
            st.binary(max_size=256),
            mutated(sample),
            st.just(json.dumps(sample).encode("utf-16")),
            st.integers(300, 5000).map(lambda depth: b"[" * depth + b"]" * depth),
            st.integers(300, 5000).map(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth),
        )
    )
    return body


@st.composite
def hostile_response(draw: st.DrawFn, sample: JSONObject) -> httpx.Response:
    headers: dict[str, str] = {}
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    if content_type is not None:
        headers["content-type"] = content_type
    encoding = draw(st.sampled_from(ENCODINGS))
    if encoding is not None:
        headers["content-encoding"] = encoding
    if draw(st.booleans()):
        headers["retry-after"] = draw(st.text(string.printable.strip(), max_size=40))
    if draw(st.booleans()):
        headers["x-request-id"] = draw(st.text(string.ascii_letters + string.digits, max_size=300))
    body = draw(hostile_body(sample))
    # A stream, so the SDK (not this test) reads and decodes the body.
    return httpx.Response(
        draw(st.sampled_from(STATUSES)), headers=headers, stream=httpx.ByteStream(body)
    )


class Responder:
    """The MockTransport handler: answers with whatever the current example chose."""

    def __init__(self) -> None:
        self.response: httpx.Response | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert self.response is not None
        return self.response


def run_call(typed: TypedCall, client: Client, loop: asyncio.AbstractEventLoop) -> object:
    """Call, awaiting on ``loop`` for the async client; touch repr and str of the result."""
    value = typed.call(client)
    if inspect.isawaitable(value):
        value = loop.run_until_complete(_awaited(value))
    repr(value)
    str(value)
    return value


async def _awaited(value: object) -> object:
    assert inspect.isawaitable(value)
    return await value


@dataclass
class Clients:
    """Both flavours over one responder, a loop for the async one, and their pools."""

    sync: VelerianClient
    asyn: AsyncVelerianClient
    loop: asyncio.AbstractEventLoop
    pools: tuple[httpx.Client, httpx.AsyncClient]

    def of(self, flavour: str) -> Client:
        return self.sync if flavour == "sync" else self.asyn

    def close(self) -> None:
        self.pools[0].close()
        self.loop.run_until_complete(self.pools[1].aclose())
        close_loop(self.loop)


def make_clients(responder: Responder) -> Clients:
    pool = httpx.Client(transport=httpx.MockTransport(responder))
    apool = httpx.AsyncClient(transport=httpx.MockTransport(responder))
    base = "https://api.test"
    return Clients(
        VelerianClient(api_key=KEY, base_url=base, max_retries=0, http_client=pool),
        AsyncVelerianClient(api_key=KEY, base_url=base, max_retries=0, http_client=apool),
        asyncio.new_event_loop(),
        (pool, apool),
    )


BOUNDED = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@pytest.fixture(scope="module")
def tally() -> Iterator[Counter[str]]:
    """How the hostile examples ended, published as a report when the module is done."""
    counts: Counter[str] = Counter()
    yield counts
    report = SoakReport("bad input (hypothesis)")
    report.figures["examples"] = sum(counts.values())
    report.figures.update(counts.most_common())
    report.publish()


@BOUNDED
@given(data=st.data())
def test_only_velerian_errors_escape_typed_calls(data: st.DataObject, tally: Counter[str]) -> None:
    responder = Responder()
    clients = make_clients(responder)
    try:
        name = data.draw(st.sampled_from(sorted(CALLS)), label="call")
        typed = CALLS[name]
        client = clients.of(data.draw(st.sampled_from(["sync", "async"]), label="flavour"))
        responder.response = data.draw(hostile_response(typed.sample()), label="response")
        error: VelerianError | None = None
        try:
            run_call(typed, client, clients.loop)
        except VelerianError as exc:
            error = exc
        tally[
            "hostile: returned a model" if error is None else f"hostile: {type(error).__name__}"
        ] += 1
        if error is not None:
            assert str(error)
            repr(error)
    finally:
        clients.close()


finite_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
extra_names = st.text(string.ascii_lowercase + "_", min_size=1, max_size=12).map("x_{}".format)
enum_words = st.text(string.ascii_lowercase + "._-", min_size=1, max_size=20)


def at_path(document: object, path: tuple[str | int, ...]) -> object:
    for step in path:
        if isinstance(step, int):
            assert isinstance(document, list)
            document = cast("list[object]", document)[step]
        else:
            assert isinstance(document, dict)
            document = cast("dict[str, object]", document)[step]
    return document


def as_document(value: object) -> object:
    """The parsed result as JSON: a model's ``to_dict``, a page as ``{"items": [...]}``."""
    if isinstance(value, (Page, AsyncPage)):
        items = cast("Page[object] | AsyncPage[object]", value).items
        return {"items": [as_document(item) for item in items]}
    if isinstance(value, VelerianModel):
        return value.to_dict()
    return value


@BOUNDED
@given(data=st.data())
def test_unknown_fields_and_enum_values_parse(data: st.DataObject, tally: Counter[str]) -> None:
    responder = Responder()
    clients = make_clients(responder)
    try:
        name = data.draw(st.sampled_from(sorted(CALLS)), label="call")
        typed = CALLS[name]
        client = clients.of(data.draw(st.sampled_from(["sync", "async"]), label="flavour"))
        body = typed.sample()
        items = body.get("items")
        target = items[0] if isinstance(items, list) and isinstance(items[0], dict) else body
        extras = data.draw(st.dictionaries(extra_names, finite_json, max_size=4), label="extras")
        target.update(extras)
        body["x_page_note"] = "a field added to the envelope"
        changed = {path: data.draw(enum_words, label=str(path)) for path in typed.enums}
        for path, word in changed.items():
            parent = at_path(body, path[:-1])
            assert isinstance(parent, dict)
            parent[path[-1]] = word
        responder.response = httpx.Response(200, json=body)
        document = as_document(run_call(typed, client, clients.loop))
        parsed = at_path(document, ("items", 0)) if isinstance(items, list) else document
        assert isinstance(parsed, dict)
        for key, value in extras.items():
            assert parsed[key] == value
        for path, word in changed.items():
            assert at_path(document, path) == word
        tally["additions: parsed, extras and new values kept"] += 1
    finally:
        clients.close()
