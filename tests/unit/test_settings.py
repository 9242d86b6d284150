"""Constructor settings: where they come from, and clear errors before any request."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import TEST_KEY
from velerian_sdk import (
    DEFAULT_BASE_URL,
    AsyncVelerianClient,
    VelerianArgumentError,
    VelerianClient,
)

CLIENTS = [VelerianClient, AsyncVelerianClient]


@pytest.mark.parametrize("cls", CLIENTS)
def test_missing_key_names_the_variable(cls: type[VelerianClient]) -> None:
    with pytest.raises(ValueError, match="VELERIAN_API_KEY") as caught:
        cls()
    assert isinstance(caught.value, VelerianArgumentError)


@pytest.mark.parametrize("cls", CLIENTS)
def test_key_and_url_come_from_the_environment(
    cls: type[VelerianClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VELERIAN_API_KEY", TEST_KEY)
    client = cls()
    assert client.base_url == DEFAULT_BASE_URL == "https://app.velerian.ai"
    monkeypatch.setenv("VELERIAN_BASE_URL", "https://eu.velerian.test")
    assert cls().base_url == "https://eu.velerian.test"
    assert cls(base_url="https://x.test/").base_url == "https://x.test"


@pytest.mark.parametrize("key", ["", "   ", "vk_live_abc def", "vk_live_abc\n", "\tvk"])
@pytest.mark.parametrize("cls", CLIENTS)
def test_bad_keys_are_refused(cls: type[VelerianClient], key: str) -> None:
    with pytest.raises(VelerianArgumentError) as caught:
        cls(api_key=key)
    assert key.strip() == "" or key not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://app.velerian.ai",
        "http://10.0.0.5:8787",
        "ftp://app.velerian.ai",
        "app.velerian.ai",
        "https://",
        "",
        "https://user:pw@app.velerian.ai",
        "https://app.velerian.ai/?x=1",
    ],
)
@pytest.mark.parametrize("cls", CLIENTS)
def test_unsafe_or_malformed_base_urls_are_refused(cls: type[VelerianClient], url: str) -> None:
    with pytest.raises(VelerianArgumentError, match="base_url"):
        cls(api_key=TEST_KEY, base_url=url)


@pytest.mark.parametrize(
    "url",
    ["http://localhost:8787", "http://127.0.0.1:9", "http://127.8.9.10", "http://[::1]:8787"],
)
def test_loopback_http_is_allowed(url: str) -> None:
    assert VelerianClient(api_key=TEST_KEY, base_url=url).base_url == url


def test_insecure_http_needs_the_explicit_opt_out() -> None:
    client = VelerianClient(
        api_key=TEST_KEY, base_url="http://10.0.0.5:8787", allow_insecure_http=True
    )
    assert client.base_url == "http://10.0.0.5:8787"


@pytest.mark.parametrize("value", [-1, 1.5, True, "3"])
def test_bad_max_retries(value: object) -> None:
    with pytest.raises(VelerianArgumentError, match="max_retries"):
        VelerianClient(api_key=TEST_KEY, max_retries=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0, -2.0, "10", True])
def test_bad_timeout(value: object) -> None:
    with pytest.raises(VelerianArgumentError, match="timeout"):
        VelerianClient(api_key=TEST_KEY, timeout=value)  # type: ignore[arg-type]


def test_wrong_http_client_flavour_is_refused() -> None:
    with pytest.raises(VelerianArgumentError, match=r"httpx\.AsyncClient"):
        AsyncVelerianClient(api_key=TEST_KEY, http_client=httpx.Client())  # type: ignore[arg-type]


def test_non_middleware_is_refused() -> None:
    with pytest.raises(VelerianArgumentError, match="middleware"):
        VelerianClient(api_key=TEST_KEY, middleware=[print])  # type: ignore[list-item]


def test_injected_client_keeps_its_timeout_unless_given() -> None:
    own = httpx.Client(timeout=3.0)
    client = VelerianClient(api_key=TEST_KEY, http_client=own)
    request = client._sender.build_request("GET", "plans")  # pyright: ignore[reportPrivateUsage]
    assert request.extensions["timeout"]["read"] == 3.0
    given = VelerianClient(api_key=TEST_KEY, http_client=own, timeout=9.0)
    request = given._sender.build_request("GET", "plans")  # pyright: ignore[reportPrivateUsage]
    assert request.extensions["timeout"]["read"] == 9.0
