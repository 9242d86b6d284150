"""The per-method benchmark sweeps every typed method, and each gets a valid answer."""

from __future__ import annotations

import inspect

import httpx
import pytest
from benchmarks.method_sweep import METHODS, sweep_handler

import velerian_sdk
from velerian_sdk import VelerianClient

pytestmark = pytest.mark.timeout(30)

NAMESPACES = [
    "abps",
    "api_keys",
    "approvals",
    "attachments",
    "audit",
    "evidence",
    "networks",
    "plans",
    "runs",
    "usage",
]
# Several requests each (measured by their own suites, or made of swept calls), or no
# request at all.
NOT_SWEPT = {
    "attachments.upload",
    "audit.iter",
    "evidence.download",
    "evidence.verify",
    "networks.invoke",
    "runs.wait",
    "runs.revise",
}


def typed_methods() -> set[str]:
    found: set[str] = set()
    for name in NAMESPACES:
        namespace: type = getattr(velerian_sdk, "".join(p.title() for p in name.split("_")))
        members: dict[str, object] = dict(vars(namespace))
        for attribute, value in members.items():
            if not attribute.startswith("_") and inspect.isfunction(value):
                found.add(f"{name}.{attribute}")
    return found


def test_every_typed_method_is_swept() -> None:
    swept = {method.name.partition("(")[0] for method in METHODS}
    assert swept == typed_methods() - NOT_SWEPT
    assert len(swept) == len(METHODS)


def test_every_swept_method_gets_an_answer_it_accepts() -> None:
    with VelerianClient(
        api_key="vk_test_sweep",
        base_url="http://127.0.0.1:9",
        http_client=httpx.Client(transport=httpx.MockTransport(sweep_handler)),
        max_retries=0,
    ) as client:
        for method in METHODS:
            method.call(client)  # raises on a 404 or a body its model refuses
