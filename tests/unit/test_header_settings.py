"""Header settings HTTP cannot carry are refused where they are set, naming the setting."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import httpx
import pytest

from tests.conftest import TEST_KEY, Harness
from velerian_sdk import AsyncVelerianClient, VelerianArgumentError, VelerianClient

CLIENTS = [VelerianClient, AsyncVelerianClient]
BASE = "https://api.test"
SECRETISH = "tok_SECRETVALUE"
"""Part of every bad value: a message must never quote it (a header may be a credential)."""

BAD_VALUES = [
    f"{SECRETISH}\r\nX-Injected: 1",
    f"{SECRETISH}\n",
    f"\r{SECRETISH}",
    f"{SECRETISH}\x00",
    f"{SECRETISH}\x7f",
    f"caf\u00e9 {SECRETISH}",
    f"{SECRETISH} \u2603",
]
GOOD_VALUES = ["risk team", "a\tb", "", "ops/2.1 (+https://example.test)", "!#~"]


def build(cls: type[VelerianClient], **options: object) -> None:
    """Build a client with keyword settings that may be of any type."""
    factory = cast("Callable[..., object]", cls)
    factory(api_key=TEST_KEY, base_url=BASE, **options)


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("cls", CLIENTS)
def test_a_bad_default_header_value_is_refused_by_name(
    cls: type[VelerianClient], value: str
) -> None:
    with pytest.raises(VelerianArgumentError, match=r"default_headers\['X-Team'\]") as caught:
        build(cls, default_headers={"X-Team": value})
    assert SECRETISH not in str(caught.value)


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("cls", CLIENTS)
def test_a_bad_user_agent_is_refused_by_name(cls: type[VelerianClient], value: str) -> None:
    with pytest.raises(VelerianArgumentError, match="user_agent") as caught:
        build(cls, user_agent=value)
    assert SECRETISH not in str(caught.value)


@pytest.mark.parametrize("name", ["X Team", "X-Team\r\n", "X:Team", "", "Caf\u00e9"])
def test_a_bad_default_header_name_is_refused(name: str) -> None:
    with pytest.raises(VelerianArgumentError, match="default_headers has a header name"):
        build(VelerianClient, default_headers={name: "risk"})


@pytest.mark.parametrize(
    ("headers", "says"),
    [
        ({"X-Team": 7}, r"default_headers\['X-Team'\] must be a str, got int"),
        ({"X-Team": b"risk"}, r"default_headers\['X-Team'\] must be a str, got bytes"),
        ({7: "risk"}, "header name that HTTP cannot carry: 'int'"),
        ([("X-Team", "risk")], "default_headers must be a mapping"),
    ],
)
def test_default_headers_of_the_wrong_type_are_refused(headers: object, says: str) -> None:
    with pytest.raises(VelerianArgumentError, match=says):
        build(VelerianClient, default_headers=headers)


def test_a_user_agent_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(VelerianArgumentError, match="user_agent must be a str, got bytes"):
        build(VelerianClient, user_agent=b"ops/2")


@pytest.mark.parametrize("value", GOOD_VALUES)
@pytest.mark.parametrize("cls", CLIENTS)
def test_printable_ascii_header_settings_are_kept(cls: type[VelerianClient], value: str) -> None:
    build(cls, default_headers={"X-Team": value}, user_agent=value or None)


@pytest.mark.parametrize("value", BAD_VALUES)
def test_with_options_refuses_the_same_settings(value: str) -> None:
    client = VelerianClient(api_key=TEST_KEY, base_url=BASE)
    with pytest.raises(VelerianArgumentError, match="default_headers") as caught:
        client.with_options(default_headers={"X-Team": value})
    assert SECRETISH not in str(caught.value)
    with pytest.raises(VelerianArgumentError, match="user_agent") as caught:
        client.with_options(user_agent=value)
    assert SECRETISH not in str(caught.value)
    bad_key = f"vk_live_{SECRETISH}" + value
    with pytest.raises(VelerianArgumentError, match="api_key") as caught:
        client.with_options(api_key=bad_key)
    assert SECRETISH not in str(caught.value)


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("cls", CLIENTS)
def test_a_bad_api_key_is_refused_without_echoing_it(
    cls: type[VelerianClient], value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = f"vk_live_{value}"
    with pytest.raises(VelerianArgumentError, match="api_key") as caught:
        cls(api_key=key, base_url=BASE)
    assert SECRETISH not in str(caught.value)
    if "\x00" in key:
        return  # an environment variable cannot hold NUL
    monkeypatch.setenv("VELERIAN_API_KEY", key)
    with pytest.raises(VelerianArgumentError, match="VELERIAN_API_KEY") as caught:
        cls(base_url=BASE)
    assert SECRETISH not in str(caught.value)


@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_bad_per_call_header_is_refused_before_sending(harness: Harness, value: str) -> None:
    client = harness.client(lambda request: httpx.Response(200, json={}))
    with pytest.raises(VelerianArgumentError, match=r"headers\['X-Trace'\]") as caught:
        harness.run(client.get("plans", headers={"X-Trace": value}))
    assert SECRETISH not in str(caught.value)
    assert harness.requests == []


def test_a_good_per_call_header_is_sent(harness: Harness) -> None:
    client = harness.client(lambda request: httpx.Response(200, json={}))
    harness.run(client.get("plans", headers={"X-Trace": "abc 123"}))
    assert harness.requests[0].headers["X-Trace"] == "abc 123"
