"""
The context of one run of ``published_client_calls.py``: its client factory and checks.

:class:`Run` makes clients of whichever package the interpreter imports as
``velerian_sdk`` (the published 0.1.2, or this repository's), checks raised errors by
their 0.1 names, and keeps the :class:`~published_client_shapes.CallLog`.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable
from types import ModuleType
from typing import cast

from published_client_protocols import Client01
from published_client_shapes import CallLog

__all__ = ["Expect", "RecordedSleeps", "Run", "recording_sleeps", "stop_recording"]


class Expect:
    """Checks that raise ``AssertionError`` with what was expected (also under ``-O``)."""

    def equal(self, actual: object, expected: object, what: str = "") -> None:
        """``actual == expected``."""
        if actual != expected:
            raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")

    def instance(self, value: object, kind: type | tuple[type, ...], what: str) -> None:
        """``isinstance(value, kind)``."""
        if not isinstance(value, kind):
            raise AssertionError(f"{what}: expected {kind}, got {type(value).__name__} {value!r}")

    def text(self, value: object, what: str) -> str:
        """A non-empty ``str``, returned."""
        if not isinstance(value, str) or not value:
            raise AssertionError(f"{what}: expected a non-empty str, got {value!r}")
        return value


class RecordedSleeps:
    """Stands in for the ``time`` module of 0.1.2's client: records sleeps (and sleeps)."""

    def __init__(self, *, really: bool) -> None:
        self.seconds: list[float] = []
        self._really = really

    def sleep(self, seconds: float) -> None:
        """Record ``seconds``, then sleep them if asked to."""
        self.seconds.append(seconds)
        if self._really:
            time.sleep(seconds)

    def monotonic(self) -> float:
        """The real monotonic clock."""
        return time.monotonic()


def recording_sleeps(*, really: bool) -> RecordedSleeps:
    """Make 0.1.2's client sleep through a recorder until :func:`stop_recording`."""
    sleeps = RecordedSleeps(really=really)
    # 0.1.2's client calls `time.sleep` through its module global `time`.
    importlib.import_module("velerian_sdk.client").__dict__["time"] = sleeps
    return sleeps


def stop_recording() -> None:
    """Give 0.1.2's client its ``time`` module back."""
    importlib.import_module("velerian_sdk.client").__dict__["time"] = time


class Run:
    """The inputs of one run of the calls: the stubs, the flavour and the shape."""

    def __init__(self, sdk: ModuleType, *, flavour: str, shape: str) -> None:
        self.sdk = sdk
        self.published = flavour == "published"
        self.full = shape == "full"
        self.env = dict(os.environ)
        self.expect = Expect()
        self.log = CallLog()

    def client(
        self, *, base_url: str | None = None, api_key: str | None = None, max_retries: int = 0
    ) -> Client01:
        """A client of the flavour's package; without retries unless asked."""
        make = cast("Callable[..., object]", self.sdk.VelerianClient)
        return cast(
            "Client01",
            make(
                api_key=api_key or self.env["VELERIAN_API_KEY"],
                base_url=base_url or self.env["VELERIAN_BASE_URL"],
                max_retries=max_retries,
            ),
        )

    def error(self, name: str) -> type[Exception]:
        """One of the package's error classes, by its 0.1 name."""
        found: object = getattr(self.sdk, name)
        if not (isinstance(found, type) and issubclass(found, Exception)):
            raise AssertionError(f"velerian_sdk.{name} is not an exception class")
        return found

    def raises(
        self, label: str, name: str, call: Callable[[], object], *, record: bool = True
    ) -> Exception:
        """Run ``call``, which must raise the 0.1 error ``name`` exactly; record it if asked."""
        try:
            call()
        except self.error("VelerianError") as exc:
            if type(exc) is not self.error(name):
                raise AssertionError(f"{label}: {type(exc).__name__}, not {name}") from exc
            if record:
                self.log.record(label, exc)
            return exc
        raise AssertionError(f"{label}: no {name} was raised")
