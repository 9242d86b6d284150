"""Every repr of the SDK works on a half-built object, and none shows the key."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import cast

import httpx
import pytest

import velerian_sdk
from tests.conftest import TEST_KEY
from velerian_sdk import AsyncVelerianClient, RetryPolicy, VelerianClient
from velerian_sdk._core.chain import BearerAuth
from velerian_sdk._core.settings import ClientSettings

BASE = "https://api.test"


def sdk_classes() -> list[type]:
    """Every class defined in any module of the SDK, public or private."""
    found: dict[str, type] = {}
    modules = [velerian_sdk] + [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(velerian_sdk.__path__, "velerian_sdk.")
    ]
    for module in modules:
        for value in vars(module).values():
            if inspect.isclass(value) and value.__module__.startswith("velerian_sdk"):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


CLASSES = sdk_classes()


def half_built(cls: type) -> object:
    """An instance with nothing set: what a constructor that raised at once leaves."""
    make = cast("Callable[[type], object]", cls.__new__)
    return make(cls)


def shown(obj: object) -> Iterator[str]:
    """Everything a traceback renderer, a REPL or ``rich`` may ask of an object."""
    yield repr(obj)
    yield str(obj)
    rich: object = getattr(obj, "__rich_repr__", None)
    if callable(rich):
        fields = cast("Iterable[object]", rich())
        yield repr(list(fields))


def test_the_enumeration_covers_the_public_api() -> None:
    public = {
        value
        for name in velerian_sdk.__all__
        if inspect.isclass(value := getattr(velerian_sdk, name))
        and value.__module__.startswith("velerian_sdk")
    }
    assert public <= set(CLASSES)
    names = {cls.__name__ for cls in CLASSES}
    # Clients, namespaces, pages, policies, settings, auth and errors are all in.
    assert {"VelerianClient", "AsyncVelerianClient", "Page", "AsyncPage", "RetryPolicy"} <= names
    assert {"ClientSettings", "BearerAuth", "VelerianAPIError", "DownloadedFile"} <= names
    assert {"Abps", "AsyncAbps", "Runs", "AsyncRuns", "Namespaces", "AsyncNamespaces"} <= names
    assert len(CLASSES) > 80


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_a_half_built_object_has_a_repr(cls: type) -> None:
    for text in shown(half_built(cls)):
        assert isinstance(text, str)


def real_client(cls: type[VelerianClient] | type[AsyncVelerianClient]) -> object:
    return cls(api_key=TEST_KEY, base_url=BASE, default_headers={"X-Team": "risk"})


@pytest.mark.parametrize("cls", [VelerianClient, AsyncVelerianClient])
def test_a_client_built_one_attribute_at_a_time_never_shows_the_key(
    cls: type[VelerianClient] | type[AsyncVelerianClient],
) -> None:
    finished = real_client(cls)
    partial = half_built(cls)
    for name, value in vars(finished).items():
        object.__setattr__(partial, name, value)
        for text in shown(partial):
            assert TEST_KEY not in text, name
    assert "vk_live_...6789" in repr(partial)


@pytest.mark.parametrize(
    "finished",
    [
        ClientSettings(
            api_key=TEST_KEY,
            root=BASE,
            origin=httpx.URL(BASE),
            timeout=None,
            retry=RetryPolicy(),
            default_headers={"X-Api-Key": TEST_KEY},
            user_agent=None,
            allow_insecure_http=False,
        ),
        BearerAuth(TEST_KEY, httpx.URL(BASE)),
    ],
    ids=type,
)
def test_key_holders_built_one_slot_at_a_time_never_show_the_key(finished: object) -> None:
    cls = type(finished)
    names = getattr(cls, "__slots__", None) or list(vars(finished))
    partial = half_built(cls)
    for name in names:
        object.__setattr__(partial, name, getattr(finished, name))
        for text in shown(partial):
            assert TEST_KEY not in text, name


def test_objects_a_client_holds_never_show_the_key() -> None:
    client = real_client(VelerianClient)
    for value in vars(client).values():
        for text in shown(value):
            assert TEST_KEY not in text


Client = type[VelerianClient] | type[AsyncVelerianClient]


def no_key(cls: Client) -> object:
    return cls()


def bad_base_url(cls: Client) -> object:
    return cls(api_key=TEST_KEY, base_url="ftp://x")


def bad_timeout(cls: Client) -> object:
    return cls(api_key=TEST_KEY, timeout=-1)


def bad_header(cls: Client) -> object:
    return cls(api_key=TEST_KEY, default_headers={"X-A": "a\r\nb"})


def bad_key(cls: Client) -> object:
    return cls(api_key=TEST_KEY + "\n", base_url=BASE)


def bad_derived_base_url(cls: Client) -> object:
    return cls(api_key=TEST_KEY, base_url=BASE).with_options(base_url="ftp://x")


@pytest.mark.parametrize("cls", [VelerianClient, AsyncVelerianClient])
@pytest.mark.parametrize(
    "call", [no_key, bad_base_url, bad_timeout, bad_header, bad_key, bad_derived_base_url]
)
def test_a_failed_constructor_renders_with_its_locals(
    cls: Client, call: Callable[[Client], object]
) -> None:
    with pytest.raises(velerian_sdk.VelerianArgumentError) as caught:
        call(cls)
    rendered = "".join(
        traceback.TracebackException.from_exception(caught.value, capture_locals=True).format()
    )
    assert "<unset>" in rendered  # the half-built client was shown, not skipped
    # The key appears only as the caller's own argument named ``api_key``, which
    # scrubbers of locals (Sentry's default) hide by that name; never through our reprs.
    for line in rendered.splitlines():
        if TEST_KEY in line:
            assert line.strip().startswith("api_key = "), line
