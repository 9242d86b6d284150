"""The request a call builds and the headers the chain puts on it, on both clients."""

from __future__ import annotations

from typing import cast

import httpx
import pytest

from tests.conftest import BASE, TEST_KEY, Harness
from velerian_sdk import VelerianArgumentError, __version__


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


def test_bearer_key_and_default_headers(harness: Harness) -> None:
    client = harness.client(ok, default_headers={"X-Team": "risk"})
    response = harness.run(client.get("plans"))
    assert response.json() == {"ok": True}
    sent = harness.requests[0]
    assert sent.url == f"{BASE}/api/v2/plans"
    assert sent.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert sent.headers["user-agent"] == f"velerian-python-sdk/{__version__}"
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["x-team"] == "risk"


def test_call_headers_win_over_defaults(harness: Harness) -> None:
    client = harness.client(ok, user_agent="ops-bot/2")
    harness.run(client.get("plans", headers={"Accept": "text/csv"}))
    sent = harness.requests[0]
    assert sent.headers["accept"] == "text/csv"
    assert sent.headers["user-agent"] == "ops-bot/2"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("plans", f"{BASE}/api/v2/plans"),
        ("usage/summary", f"{BASE}/api/v2/usage/summary"),
        ("/api/agenticx/networks/x/invoke", f"{BASE}/api/agenticx/networks/x/invoke"),
        (f"{BASE}/api/v2/abps", f"{BASE}/api/v2/abps"),
    ],
)
def test_path_mounting(harness: Harness, path: str, expected: str) -> None:
    client = harness.client(ok)
    harness.run(client.get(path))
    assert str(harness.requests[0].url) == expected


def test_base_url_with_api_prefix_is_not_doubled(harness: Harness) -> None:
    client = harness.client(ok, base_url=f"{BASE}/api/v2/")
    harness.run(client.get("plans"))
    assert str(harness.requests[0].url) == f"{BASE}/api/v2/plans"


def test_none_params_are_dropped_and_values_rendered(harness: Harness) -> None:
    client = harness.client(ok)
    harness.run(
        client.get("audit-log", params={"action": "abp.invoke", "since": None, "async": True})
    )
    assert harness.requests[0].url.params.multi_items() == [
        ("action", "abp.invoke"),
        ("async", "true"),
    ]


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT", "PATCH"])
def test_mutating_calls_carry_an_idempotency_key(harness: Harness, method: str) -> None:
    client = harness.client(ok)
    harness.run(client.request(method, "things", json={"a": 1}))
    harness.run(client.request(method, "things", json={"a": 1}))
    first, second = (r.headers.get("idempotency-key") for r in harness.requests)
    assert first is not None
    assert len(first) == 36
    assert first != second


def test_reads_carry_no_idempotency_key(harness: Harness) -> None:
    client = harness.client(ok)
    harness.run(client.get("plans"))
    assert "idempotency-key" not in harness.requests[0].headers


def test_caller_idempotency_key_is_used(harness: Harness) -> None:
    client = harness.client(ok)
    harness.run(client.post("abps/a/invoke", json={}, idempotency_key="order-42"))
    assert harness.requests[0].headers["idempotency-key"] == "order-42"


def test_a_key_in_both_idempotency_key_and_headers_is_refused(harness: Harness) -> None:
    client = harness.client(ok)
    with pytest.raises(VelerianArgumentError, match="idempotency key once"):
        harness.run(
            client.post("x", json={}, headers={"idempotency-key": "a"}, idempotency_key="b")
        )
    assert harness.requests == []


def test_json_body_is_encoded_with_datetimes(harness: Harness) -> None:
    import datetime as dt

    client = harness.client(ok)
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    harness.run(client.post("x", json={"at": when, "n": [1, 2]}))
    sent = harness.requests[0]
    assert sent.headers["content-type"] == "application/json"
    assert sent.content == b'{"at":"2026-01-02T03:04:05Z","n":[1,2]}'


def test_a_json_body_gets_one_content_type_and_the_callers_own_wins(harness: Harness) -> None:
    client = harness.client(ok)
    harness.run(client.post("x", json={"n": 1}))
    harness.run(client.post("x", json={"n": 1}, headers={"content-type": "application/x+json"}))
    default, own = harness.requests
    assert default.headers.get_list("content-type") == ["application/json"]
    assert own.headers.get_list("content-type") == ["application/x+json"]


def test_unserialisable_body_is_an_argument_error(harness: Harness) -> None:
    client = harness.client(ok)
    with pytest.raises(VelerianArgumentError, match="cannot be sent as JSON"):
        harness.run(client.post("x", json={...}))
    assert harness.requests == []


@pytest.mark.parametrize(
    "key",
    ["line\nbreak", "", " ", " padded", "padded ", "x" * 256, "caf\u00e9"],
)
def test_bad_idempotency_key_is_refused(harness: Harness, key: str) -> None:
    client = harness.client(ok)
    with pytest.raises(VelerianArgumentError, match="idempotency_key"):
        harness.run(client.post("x", json={}, idempotency_key=key))
    assert harness.requests == []


def test_idempotency_key_of_another_type_is_an_argument_error(harness: Harness) -> None:
    client = harness.client(ok)
    wrong = cast("str", 42)  # what a caller without a type checker might pass
    with pytest.raises(VelerianArgumentError, match="must be a str"):
        harness.run(client.post("x", json={}, idempotency_key=wrong))
    assert harness.requests == []


def test_longest_idempotency_key_with_inner_spaces_is_sent(harness: Harness) -> None:
    client = harness.client(ok)
    key = "a b" + "x" * 252
    harness.run(client.post("x", json={}, idempotency_key=key))
    assert harness.requests[0].headers["idempotency-key"] == key


def test_timeout_is_put_on_each_request(harness: Harness) -> None:
    client = harness.client(ok, timeout=7.5)
    harness.run(client.get("plans"))
    assert harness.requests[0].timeout["read"] == 7.5
    harness.run(client.get("plans", timeout=httpx.Timeout(2.0)))
    assert harness.requests[1].timeout["read"] == 2.0
