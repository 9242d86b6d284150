"""
What ``scripts/published_client_calls.py`` relies on from a 0.1 client, and how it records results.

The protocols below restate the surface of the published ``velerian-sdk==0.1.2``
(``client.py`` and ``models.py`` of its wheel) as far as the calls use it, so that the
type checkers, which resolve ``velerian_sdk`` to this repository's package, check the
calls against 0.1.2 instead. Nothing here is trusted at run time: :class:`Expect` checks
every value it is given, and :func:`shape_of` records what each call really returned.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import time
from collections.abc import Callable, Iterator
from typing import Protocol, TypeVar, cast

__all__ = [
    "FIELDS",
    "APIErrorShape",
    "CallLog",
    "Client01",
    "Expect",
    "RateLimitShape",
    "RecordedSleeps",
    "RunTimeoutShape",
    "protocol_mismatches",
    "public_methods",
    "record_calls",
    "shape_of",
]

Row = dict[str, object]
T = TypeVar("T")

#: The fields of 0.1.2's result dataclasses (``models.py``), in declaration order; the
#: published run checks that they are exactly these, and both flavours record them.
FIELDS: dict[str, list[str]] = {
    "InvokeResult": [
        "invocation_id", "outcome", "is_allowed", "requires_human", "withheld",
        "constraint_count", "aggregated_conditions", "output", "approval_id",
        "evidence_pack_id", "evidence_pack_s3_key", "evidence_pack_chain_hash",
        "model_error", "raw",
    ],
    "EvidenceExport": [
        "export_id", "artifact_kind", "format", "s3_key", "download_url", "expires_at",
        "delivery", "raw",
    ],
    "UsageSummary": ["tenant_id", "as_of", "governed_runs", "evidence_packs", "adoption", "raw"],
    "Page": ["items", "limit", "offset", "total", "raw"],
}  # fmt: skip
#: The attributes 0.1.2's errors carry (``errors.py``); recorded where present.
ERROR_FIELDS = ("status_code", "detail", "body", "retry_after", "run_id", "status", "waited_s")


class InvokeResultShape(Protocol):
    """0.1.2 ``InvokeResult``: the verdict of an ABP invoke."""

    invocation_id: str
    outcome: str
    is_allowed: bool
    requires_human: bool
    withheld: bool
    constraint_count: int
    aggregated_conditions: list[object]
    output: Row | None
    approval_id: str | None
    evidence_pack_id: str | None
    evidence_pack_chain_hash: str | None
    raw: Row


class ExportShape(Protocol):
    """0.1.2 ``EvidenceExport``: where to download an export."""

    export_id: str
    artifact_kind: str
    format: str
    s3_key: str
    download_url: str
    expires_at: str
    delivery: str
    raw: Row


class UsageShape(Protocol):
    """0.1.2 ``UsageSummary``."""

    tenant_id: str
    as_of: str
    governed_runs: Row
    evidence_packs: object
    raw: Row


class PageShape(Protocol):
    """0.1.2 ``Page`` of plain ``dict`` rows."""

    items: list[Row]
    limit: int
    offset: int
    total: int | None
    raw: Row

    def __len__(self) -> int: ...


class ResponseShape(Protocol):
    """The ``httpx.Response`` the escape hatch returns."""

    status_code: int

    def json(self) -> Row: ...


class APIErrorShape(Protocol):
    """0.1.2 ``VelerianAPIError``."""

    status_code: int
    detail: str | None
    body: object


class RateLimitShape(APIErrorShape, Protocol):
    """0.1.2 ``VelerianRateLimitError``."""

    retry_after: float | None


class RunTimeoutShape(Protocol):
    """0.1.2 ``VelerianRunTimeoutError``."""

    run_id: str
    status: str | None
    waited_s: float


class Client01(Protocol):
    """0.1.2 ``VelerianClient``: every public method, with the arguments the calls use."""

    def __enter__(self) -> Client01: ...
    def __exit__(self, *exc: object) -> None: ...

    def close(self) -> None:
        """Close the connections."""

    def request(
        self, method: str, path: str, *, params: Row | None = None, json: object = None
    ) -> ResponseShape:
        """Any request: auth, error mapping and retries; the raw response."""
        ...

    def get(self, path: str, *, params: Row | None = None) -> ResponseShape:
        """A ``GET`` through :meth:`request`."""
        ...

    def post(self, path: str, *, json: object = None) -> ResponseShape:
        """A ``POST`` through :meth:`request`."""
        ...

    def delete(self, path: str) -> ResponseShape:
        """A ``DELETE`` through :meth:`request`."""
        ...

    def invoke_abp(self, abp_id: str, *, payload: Row) -> InvokeResultShape:
        """``POST /api/v2/abps/{abp_id}/invoke``."""
        ...

    def invoke_network(
        self,
        slug: str,
        *,
        prompt_text: str,
        metadata: Row | None = None,
        wait: bool = True,
        poll_interval: float = 3.0,
        run_timeout: float = 900.0,
    ) -> Row:
        """Queue a network run; unless ``wait=False``, wait for it (a 0.1 ``dict``)."""
        ...

    def await_run(
        self, run_id: str, *, poll_interval: float = 3.0, run_timeout: float = 900.0
    ) -> Row:
        """Poll ``GET /api/v2/pack-runs/{run_id}`` until terminal; the row."""
        ...

    def invocation_evidence(
        self, abp_id: str, invocation_id: str, *, format: str | None = None
    ) -> ExportShape:
        """One invocation's evidence export."""
        ...

    def evidence_package(
        self, abp_id: str, *, since: str, format: str | None = None
    ) -> ExportShape:
        """An ABP's evidence package since an instant."""
        ...

    def usage_summary(self) -> UsageShape:
        """``GET /api/v2/usage/summary``."""
        ...

    def list_audit_log(
        self, *, action: str | None = None, limit: int = 50, offset: int = 0
    ) -> PageShape:
        """One page of audit rows."""
        ...

    def iter_audit_log(self, *, action: str | None = None, page_size: int = 100) -> Iterator[Row]:
        """Every audit row, page after page."""
        ...

    def iter_paginated(
        self,
        path: str,
        *,
        params: Row | None = None,
        page_size: int = 100,
        limit_param: str = "limit",
        offset_param: str = "offset",
        items_key: str = "items",
    ) -> Iterator[Row]:
        """Every row of any offset-paged route, with the parameter names given."""
        ...


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


def shape_of(value: object) -> object:
    """
    The JSON-able shape of a result: key sets and value types, not values.

    Args:
        value: What a call returned, or the error it raised.

    Returns:
        ``"str"``, ``"int"``, ``"float"``, ``"bool"`` or ``"null"`` for a JSON scalar;
        ``{"object": {key: shape}}`` for a ``dict``; ``{"list": shape}`` for a list whose
        items share one shape, ``{"list": [shapes]}`` for one whose items differ, or
        ``{"list": "empty"}``; ``{"model": name, "fields": ...}`` for a
        0.1.2 result object; ``{"error": name, "fields": ...}`` for an error; else
        ``{"python": type name}``.
    """
    scalars: tuple[tuple[type, str], ...] = ((bool, "bool"), (int, "int"), (float, "float"))
    if value is None:
        return "null"
    if isinstance(value, str):
        return "str"
    for kind, name in scalars:
        if isinstance(value, kind):
            return name
    if isinstance(value, dict):
        items = cast("dict[object, object]", value).items()
        return {"object": {str(key): shape_of(item) for key, item in items}}
    if isinstance(value, list | tuple):
        # Every distinct item shape, in a stable order: rows of one page differ (a draft
        # ABP has no `deployed_at`), and the order of rows made in one instant is not fixed.
        shapes = {json.dumps(shape_of(row), sort_keys=True) for row in cast("list[object]", value)}
        found = [cast("object", json.loads(text)) for text in sorted(shapes)]
        return {"list": (found[0] if len(found) == 1 else found) if found else "empty"}
    name = type(value).__name__
    if isinstance(value, Exception):
        present = [field for field in ERROR_FIELDS if hasattr(value, field)]
        return {"error": name, "fields": {f: shape_of(getattr(value, f)) for f in present}}
    if name in FIELDS:
        fields = {
            f: shape_of(getattr(value, f)) if hasattr(value, f) else "absent" for f in FIELDS[name]
        }
        return {"model": name, "fields": fields}
    return {"python": name}


class CallLog:
    """The shape of every result, by the label of the call that returned it."""

    def __init__(self) -> None:
        self.shapes: dict[str, object] = {}
        self.dataclass_fields: dict[str, list[str]] = {}

    def record(self, label: str, value: object) -> None:
        """Keep ``value``'s shape under ``label``, and its dataclass fields if it has some."""
        if label in self.shapes:
            raise AssertionError(f"two calls labelled {label}")
        self.shapes[label] = shape_of(value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            names = [field.name for field in dataclasses.fields(value)]
            self.dataclass_fields[type(value).__name__] = names

    def document(self, methods: list[str]) -> dict[str, object]:
        """The JSON document of the run."""
        return {"methods": methods, "shapes": self.shapes}


def public_methods(cls: type) -> list[str]:
    """The names of ``cls``'s public methods (inherited ones too), sorted."""
    return sorted(
        name
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and inspect.isfunction(member)
    )


def protocol_mismatches(protocol: type, cls: type) -> list[str]:
    """
    Where ``protocol``'s methods are not what ``cls`` really takes.

    Every parameter the protocol declares must exist in the real method with the same
    kind and, where it states one, the same default (or be a keyword the real method
    takes through ``**kwargs``), and every parameter the real method requires must be
    declared, so that the protocol the calls are checked against cannot drift from the
    published code.

    Args:
        protocol: :class:`Client01`.
        cls: The published client class, before :func:`record_calls` wraps it.

    Returns:
        One sentence per mismatch.
    """
    found: list[str] = []
    for name in public_methods(protocol):
        if not hasattr(cls, name):
            found.append(f"{name}: not a method of {cls.__name__}")
            continue
        real = inspect.signature(getattr(cls, name)).parameters
        takes_any_keyword = any(p.kind is p.VAR_KEYWORD for p in real.values())
        declared_names = inspect.signature(getattr(protocol, name)).parameters
        variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        for needed in real.values():
            required = needed.default is needed.empty and needed.kind not in variadic
            if required and needed.name not in declared_names:
                found.append(f"{name}({needed.name}): required, not declared")
        for declared in declared_names.values():
            actual = real.get(declared.name)
            if actual is None:
                if not (takes_any_keyword and declared.kind is declared.KEYWORD_ONLY):
                    found.append(f"{name}({declared.name}): no such parameter")
            elif actual.kind is not declared.kind or (
                declared.default is not declared.empty and actual.default != declared.default
            ):
                found.append(f"{name}({declared.name}): declared {declared}, is {actual}")
    return found


def record_calls(cls: type, methods: list[str]) -> set[str]:
    """
    Wrap ``cls``'s ``methods`` so that each call made from outside the class is noted.

    A method that the client calls on itself (``invoke_abp`` calls ``post``) or while a
    returned generator runs (``iter_audit_log`` calls ``list_audit_log``) is not noted,
    so the set holds only what the calls used directly.

    Args:
        cls: The client class.
        methods: The names to wrap.

    Returns:
        The set of names called so far; it fills as calls happen.
    """
    used: set[str] = set()
    depth = [0]

    def inside(rows: Iterator[T]) -> Iterator[T]:
        while True:
            depth[0] += 1
            try:
                row = next(rows)
            except StopIteration:
                return
            finally:
                depth[0] -= 1
            yield row

    def wrap(name: str, method: Callable[..., object]) -> Callable[..., object]:
        def noted(*args: object, **kwargs: object) -> object:
            if depth[0] == 0:
                used.add(name)
            depth[0] += 1
            try:
                result = method(*args, **kwargs)
            finally:
                depth[0] -= 1
            if inspect.isgenerator(result):
                return inside(cast("Iterator[object]", result))
            return result

        return noted

    for name in methods:
        setattr(cls, name, wrap(name, cast("Callable[..., object]", getattr(cls, name))))
    return used
