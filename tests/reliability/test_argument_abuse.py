"""
Bad settings and bad arguments: a clear ``VelerianArgumentError`` before any request is sent.

Every namespace method (and 0.1 method) that puts an id in a URL path gets ids with
``/``, ``..``, ``%2F``, NUL, unicode, whitespace and 10 kB of text, on both clients;
every method that takes an ``idempotency_key`` gets bad keys; the constructors get bad
keys, plain-http remote URLs and nonsense settings. The transport records what it is
asked to send, and must have seen nothing.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import cast

import httpx
import pytest

from tests.recording import SentRequest
from velerian_sdk import AsyncVelerianClient, VelerianArgumentError, VelerianClient, VelerianError

KEY = "vk_live_ABUSEabcdefghijklmnopqrstuvwxyz0123456789"
Client = VelerianClient | AsyncVelerianClient
IdCall = Callable[[Client, str], object]
SINCE = "2025-01-01T00:00:00Z"

# Each entry names the argument the error must name. Every method with an id in its path.
ID_CALLS: dict[str, tuple[str, IdCall]] = {
    "abps.retrieve": ("abp_id", lambda c, v: c.abps.retrieve(v)),
    "abps.invoke": ("abp_id", lambda c, v: c.abps.invoke(v, payload={})),
    "evidence.for_invocation[abp]": ("abp_id", lambda c, v: c.evidence.for_invocation(v, "inv_1")),
    "evidence.for_invocation[inv]": (
        "invocation_id",
        lambda c, v: c.evidence.for_invocation("abp_1", v),
    ),
    "evidence.package": ("abp_id", lambda c, v: c.evidence.package(v, since=SINCE)),
    "api_keys.revoke": ("key_id", lambda c, v: c.api_keys.revoke(v)),
    "runs.retrieve": ("run_id", lambda c, v: c.runs.retrieve(v)),
    "runs.wait": ("run_id", lambda c, v: c.runs.wait(v, poll_interval=0.01, timeout=0.1)),
    "runs.revise": ("run_id", lambda c, v: c.runs.revise(v, instructions="Shorter.")),
    "runs.share": ("run_id", lambda c, v: c.runs.share(v)),
    "networks.submit": ("slug", lambda c, v: c.networks.submit(v, prompt_text="x")),
    "networks.invoke": ("slug", lambda c, v: c.networks.invoke(v, prompt_text="x", wait=False)),
    "approvals.retrieve": ("approval_id", lambda c, v: c.approvals.retrieve(v)),
    "approvals.approve": ("approval_id", lambda c, v: c.approvals.approve(v)),
    "approvals.reject": ("approval_id", lambda c, v: c.approvals.reject(v)),
    "attachments.retrieve": ("attachment_id", lambda c, v: c.attachments.retrieve(v)),
    "invoke_abp (0.1)": ("abp_id", lambda c, v: c.invoke_abp(v, payload={})),
    "invocation_evidence (0.1)[abp]": ("abp_id", lambda c, v: c.invocation_evidence(v, "inv_1")),
    "invocation_evidence (0.1)[inv]": (
        "invocation_id",
        lambda c, v: c.invocation_evidence("abp_1", v),
    ),
    "evidence_package (0.1)": ("abp_id", lambda c, v: c.evidence_package(v, since=SINCE)),
    "invoke_network (0.1)": ("slug", lambda c, v: c.invoke_network(v, prompt_text="x", wait=False)),
    "await_run (0.1)": ("run_id", lambda c, v: c.await_run(v, poll_interval=0.01, run_timeout=0.1)),
}

BAD_IDS: dict[str, object] = {
    "empty": "",
    "space": " ",
    "tab": "\t",
    "trailing newline": "abp_1\n",
    "inner space": "abp 1",
    "slash": "abp_1/invoke",
    "dot-dot": "..",
    "dot": ".",
    "traversal": "../api-keys",
    "encoded slash": "abp%2Finvoke",
    "encoded dot-dot": "%2e%2e",
    "backslash": "abp\\1",
    "query": "abp?limit=1",
    "fragment": "abp#1",
    "NUL": "abp\x00",
    "unicode": "abp_\u00e9",
    "emoji": "abp_\U0001f600",
    "right-to-left override": "abp_\u202e1",
    "fullwidth slash": "abp\uff0f1",
    "10 kB": "a" * 10_240,
    "None": None,
    "int": 123,
    "bytes": b"abp_1",
}

IDEMPOTENCY_CALLS: dict[str, Callable[[Client, str], object]] = {
    "abps.invoke": lambda c, k: c.abps.invoke("abp_1", payload={}, idempotency_key=k),
    "api_keys.create": lambda c, k: c.api_keys.create(name="n", scopes=["read"], idempotency_key=k),
    "runs.revise": lambda c, k: c.runs.revise("run_1", instructions="x", idempotency_key=k),
    "runs.share": lambda c, k: c.runs.share("run_1", idempotency_key=k),
    "networks.submit": lambda c, k: c.networks.submit("net", prompt_text="x", idempotency_key=k),
    "approvals.approve": lambda c, k: c.approvals.approve("apr_1", idempotency_key=k),
    "approvals.reject": lambda c, k: c.approvals.reject("apr_1", idempotency_key=k),
    "post (escape hatch)": lambda c, k: c.post("abps/abp_1/invoke", json={}, idempotency_key=k),
}
BAD_IDEMPOTENCY_KEYS: dict[str, object] = {
    "empty": "",
    "blank": "   ",
    "leading space": " order-1",
    "trailing space": "order-1 ",
    "newline": "order\n1",
    "non-ASCII": "commande-\u00e9",
    "256 characters": "k" * 256,
    "int": 42,
}


class Recorder:
    """A MockTransport handler that records, and answers nothing useful."""

    def __init__(self) -> None:
        self.requests: list[SentRequest] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(SentRequest.of(request))
        return httpx.Response(500)


@pytest.fixture(params=["sync", "async"])
def flavour(request: pytest.FixtureRequest) -> str:
    return cast("str", request.param)


def make_client(flavour: str, recorder: Recorder) -> Client:
    if flavour == "sync":
        return VelerianClient(
            api_key=KEY,
            base_url="https://api.test",
            http_client=httpx.Client(transport=httpx.MockTransport(recorder)),
        )
    return AsyncVelerianClient(
        api_key=KEY,
        base_url="https://api.test",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(recorder)),
    )


def argument_error(call: Callable[[], object]) -> VelerianArgumentError | None:
    """Run a call (to completion, for a coroutine); return the argument error it raised."""
    try:
        value = call()
        if inspect.isawaitable(value):
            asyncio.run(_completed(value))
    except VelerianArgumentError as exc:
        return exc
    return None


async def _completed(value: Awaitable[object]) -> object:
    return await value


def methods_taking_ids(client: VelerianClient) -> set[str]:
    """Every public method of the client and its namespaces with an ``*_id`` or ``slug``."""
    found: set[str] = set()
    for name, member in inspect.getmembers(client):
        if name.startswith("_"):
            continue
        if inspect.ismethod(member):
            candidates = [(name, member)]
        elif type(member).__module__.startswith(("velerian_sdk._sync.", "velerian_sdk._async.")):
            candidates = [
                (f"{name}.{method_name}", method)
                for method_name, method in inspect.getmembers(member, inspect.ismethod)
                if not method_name.startswith("_")
            ]
        else:
            continue
        for label, method in candidates:
            params = inspect.signature(method).parameters
            if any(param.endswith("_id") or param == "slug" for param in params):
                found.add(label)
    return found


def test_every_method_with_a_path_id_is_covered() -> None:
    found = methods_taking_ids(VelerianClient(api_key=KEY, base_url="https://api.test"))
    # These take ids as query filters (encoded by httpx; see below), not path segments.
    query_only = {"audit.list", "audit.iter", "list_audit_log", "iter_audit_log"}
    assert query_only <= found
    covered = {name.split("[")[0].split(" ")[0] for name in ID_CALLS}
    assert found - query_only == covered


@pytest.mark.parametrize("call_name", list(ID_CALLS))
def test_bad_path_ids_are_refused_before_sending(flavour: str, call_name: str) -> None:
    argument, call = ID_CALLS[call_name]
    recorder = Recorder()
    client = make_client(flavour, recorder)
    wrong: list[str] = []
    for label, bad in BAD_IDS.items():
        error = argument_error(functools.partial(call, client, cast("str", bad)))
        if error is None:
            wrong.append(f"{label}: no VelerianArgumentError")
        elif argument not in str(error) or len(str(error)) > 400:
            wrong.append(f"{label}: unclear message {str(error)[:120]!r}")
    assert wrong == []
    assert recorder.requests == []


@pytest.mark.parametrize("call_name", list(IDEMPOTENCY_CALLS))
def test_bad_idempotency_keys_are_refused_before_sending(flavour: str, call_name: str) -> None:
    call = IDEMPOTENCY_CALLS[call_name]
    recorder = Recorder()
    client = make_client(flavour, recorder)
    for label, bad in BAD_IDEMPOTENCY_KEYS.items():
        error = argument_error(functools.partial(call, client, cast("str", bad)))
        assert error is not None, label
        assert "idempotency_key" in str(error), label
    assert recorder.requests == []


def test_query_ids_are_encoded_and_never_change_the_route() -> None:
    recorder = Recorder()
    client = VelerianClient(
        api_key=KEY,
        base_url="https://api.test",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(recorder)),
    )
    with pytest.raises(VelerianError):
        client.audit.list(resource_id="../api-keys?x=1#y", actor_user_id="a/b%2F")
    (sent,) = recorder.requests
    assert sent.url.path == "/api/v2/audit-log"
    assert sent.url.params["resource_id"] == "../api-keys?x=1#y"
    assert sent.url.params["actor_user_id"] == "a/b%2F"


BAD_KEYS: dict[str, object] = {
    "empty": "",
    "blank": "   ",
    "newline": "\n",
    "leading space": " " + KEY,
    "trailing newline": KEY + "\n",
    "inner space": "vk_live_ abc",
    "non-ASCII": KEY + "\u00e9",
    "int": 12345,
}
REMOTE_HTTP = [
    "http://api.velerian.ai",
    "http://app.velerian.ai/api/v2",
    "http://10.0.0.5:8787",
    "http://192.168.1.10",
    "http://[2001:db8::1]:8080",
    "http://localhost.evil.test",
    "http://127.0.0.1.nip.io",
]
NOT_URLS = [
    "",
    "   ",
    "api.velerian.ai",
    "//api.velerian.ai",
    "ftp://api.velerian.ai",
    "https://",
    "https://user:pw@api.velerian.ai",
    "http://127.0.0.1@evil.test",
    "https://api.velerian.ai?token=1",
    "https://api.velerian.ai#frag",
]


def build(flavour: str, **options: object) -> Client:
    # Typed loosely on purpose: these tests pass what a caller without a type checker might.
    factory = VelerianClient if flavour == "sync" else AsyncVelerianClient
    return cast("Callable[..., Client]", factory)(**options)


@pytest.mark.parametrize("label", list(BAD_KEYS))
def test_bad_api_keys_are_refused(
    flavour: str, label: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(VelerianArgumentError, match="api_key") as caught:
        build(flavour, api_key=BAD_KEYS[label], base_url="https://api.test")
    assert KEY not in str(caught.value)
    if isinstance(BAD_KEYS[label], str):
        monkeypatch.setenv("VELERIAN_API_KEY", cast("str", BAD_KEYS[label]))
        with pytest.raises(VelerianArgumentError, match="VELERIAN_API_KEY"):
            build(flavour, base_url="https://api.test")


@pytest.mark.parametrize("url", REMOTE_HTTP)
def test_plain_http_to_a_remote_host_is_refused(flavour: str, url: str) -> None:
    with pytest.raises(VelerianArgumentError, match="plain http"):
        build(flavour, api_key=KEY, base_url=url)
    # ...unless the caller says the network is trusted.
    assert build(flavour, api_key=KEY, base_url=url, allow_insecure_http=True).base_url


@pytest.mark.parametrize("url", NOT_URLS)
def test_malformed_base_urls_are_refused(flavour: str, url: str) -> None:
    with pytest.raises(VelerianArgumentError, match="base_url"):
        build(flavour, api_key=KEY, base_url=url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8787", "http://localhost:1", "http://[::1]:9", "http://127.9.9.9"]
)
def test_plain_http_to_loopback_is_allowed(flavour: str, url: str) -> None:
    assert build(flavour, api_key=KEY, base_url=url).base_url.startswith("http://")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("timeout", 0),
        ("timeout", -1.0),
        ("timeout", "5"),
        ("timeout", True),
        ("max_retries", -1),
        ("max_retries", True),
        ("max_retries", 1.5),
        ("max_retries", "3"),
        ("middleware", [object()]),
        ("http_client", "not a client"),
    ],
)
def test_nonsense_settings_are_refused(flavour: str, option: str, value: object) -> None:
    with pytest.raises(VelerianArgumentError, match=option):
        build(flavour, api_key=KEY, base_url="https://api.test", **{option: value})
