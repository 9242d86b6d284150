"""The sync and async twins of every namespace, page and 0.1 method have the same signatures."""

from __future__ import annotations

import inspect
import re
from typing import cast

import pytest

from velerian_sdk import (
    Abps,
    ApiKeys,
    Approvals,
    AsyncAbps,
    AsyncApiKeys,
    AsyncApprovals,
    AsyncAttachments,
    AsyncAudit,
    AsyncEvidence,
    AsyncNetworks,
    AsyncPage,
    AsyncPlans,
    AsyncRuns,
    AsyncUsage,
    AsyncVelerianClient,
    Attachments,
    Audit,
    Evidence,
    Networks,
    Page,
    Plans,
    Runs,
    Usage,
    VelerianClient,
)
from velerian_sdk._async.legacy import AsyncLegacyMethods
from velerian_sdk._core.namespace_property import NamespaceProperty
from velerian_sdk._sync.legacy import LegacyMethods

PAIRS: list[tuple[type, type]] = [
    (Abps, AsyncAbps),
    (Evidence, AsyncEvidence),
    (Audit, AsyncAudit),
    (ApiKeys, AsyncApiKeys),
    (Usage, AsyncUsage),
    (Runs, AsyncRuns),
    (Networks, AsyncNetworks),
    (Approvals, AsyncApprovals),
    (Plans, AsyncPlans),
    (Attachments, AsyncAttachments),
    (LegacyMethods, AsyncLegacyMethods),
    (Page, AsyncPage),
]
ASYNC_NAME = re.compile(r"\bAsync([A-Z]\w*)")


def public(cls: type) -> set[str]:
    own = {n for n in dir(cls) if not n.startswith("_")}
    return own | ({"__iter__", "__len__"} & set(dir(cls)))


def methods() -> list[tuple[type, type, str]]:
    return [(sync, asyn, name) for sync, asyn in PAIRS for name in sorted(public(sync))]


def normalised(annotation: object) -> str:
    return ASYNC_NAME.sub(r"\1", str(annotation))


@pytest.mark.parametrize(("sync", "asyn"), PAIRS, ids=lambda cls: cls.__name__)
def test_same_public_names(sync: type, asyn: type) -> None:
    assert public(sync) == public(asyn)


@pytest.mark.parametrize(
    ("sync", "asyn", "name"), methods(), ids=lambda v: v if isinstance(v, str) else v.__name__
)
def test_same_signature(sync: type, asyn: type, name: str) -> None:
    left = getattr(sync, name)
    right = getattr(asyn, name)
    if _is_attribute(left):
        assert type(left) is type(right)
        assert normalised(_returns(left)) == normalised(_returns(right))
        return
    if inspect.ismemberdescriptor(left):  # a slot: items, limit, offset, total
        assert inspect.ismemberdescriptor(right)
        return
    one, two = inspect.signature(left), inspect.signature(right)
    assert list(one.parameters) == list(two.parameters)
    for param_name, param in one.parameters.items():
        other = two.parameters[param_name]
        assert param.kind == other.kind, param_name
        assert param.default == other.default or (param.default is other.default), param_name
        assert normalised(param.annotation) == normalised(other.annotation), param_name
    assert normalised(one.return_annotation) == normalised(two.return_annotation)
    assert not inspect.iscoroutinefunction(left)
    returns_iterator = str(two.return_annotation).startswith("AsyncIterator")
    # verify reads a local file and computes hashes, with_options copies a namespace:
    # no network, the same on both.
    local = {"has_next_page", "__iter__", "__len__", "verify", "with_options"}
    if returns_iterator or name in local:
        assert not inspect.iscoroutinefunction(right)
    else:
        assert inspect.iscoroutinefunction(right), name


def _is_attribute(value: object) -> bool:
    return isinstance(value, (property, NamespaceProperty))


def _returns(attribute: object) -> object:
    if isinstance(attribute, property):
        function = attribute.fget
    else:
        function = cast("NamespaceProperty[object, object]", attribute).func
    assert function is not None
    return inspect.signature(function).return_annotation


def test_async_page_alone_walks_with_async_for() -> None:
    assert hasattr(AsyncPage, "__aiter__")
    assert not hasattr(Page, "__aiter__")


NAMESPACES = [
    "abps",
    "evidence",
    "audit",
    "api_keys",
    "usage",
    "runs",
    "networks",
    "approvals",
    "plans",
    "attachments",
]
NAMESPACE_MODULES = tuple(
    f"velerian_sdk._{flavour}.{topic}" for flavour in ("async", "sync") for topic in NAMESPACES
)
"""The modules that hold the namespaces, which load only on first use."""


@pytest.mark.parametrize("name", NAMESPACES)
def test_both_clients_have_each_namespace(name: str) -> None:
    sync: object = getattr(VelerianClient, name)
    asyn: object = getattr(AsyncVelerianClient, name)
    assert type(sync) is type(asyn) is NamespaceProperty
    sync_type = _returns(sync)
    async_type = _returns(asyn)
    assert f"Async{sync_type}" == async_type


def test_every_namespace_is_listed() -> None:
    found = {
        n for n in dir(VelerianClient) if isinstance(getattr(VelerianClient, n), NamespaceProperty)
    }
    assert found - {"_rows"} == set(NAMESPACES)


def test_importing_the_package_imports_no_namespace_or_model() -> None:
    import subprocess
    import sys

    code = (
        "import sys, velerian_sdk; "
        "print(sorted(m for m in sys.modules if m.startswith(('velerian_sdk._models', "
        f"*{NAMESPACE_MODULES!r}))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
