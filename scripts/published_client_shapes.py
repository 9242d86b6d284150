"""
How ``published_client_calls.py`` records what each call returned: shapes, not values.

A shape (:func:`shape_of`) keeps a result's key sets and value types, so two runs of the
same calls, one with the published 0.1.2 and one with this repository's 0.1 methods,
can be compared (``check_published_client.py``). :func:`record_calls` notes which public
methods of the client the calls used.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import sys
from collections.abc import Callable, Iterator
from typing import TypeVar, cast

__all__ = [
    "ERROR_FIELDS",
    "FIELDS",
    "CallLog",
    "public_methods",
    "record_calls",
    "shape_of",
]

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
    name = _public_name(type(value))
    if isinstance(value, Exception):
        present = [field for field in ERROR_FIELDS if hasattr(value, field)]
        return {"error": name, "fields": {f: shape_of(getattr(value, f)) for f in present}}
    if name in FIELDS:
        fields = {
            f: shape_of(getattr(value, f)) if hasattr(value, f) else "absent" for f in FIELDS[name]
        }
        return {"model": name, "fields": fields}
    return {"python": name}


def _public_name(kind: type) -> str:
    """
    The name of the nearest class in ``kind``'s MRO that its own package exports.

    A library may hand out a private subclass of a public class (a page that knows how
    to fetch the next one); callers see, check and document the public one. Classes of
    other packages (``Exception``, ``object``) are not candidates.
    """
    top = kind.__module__.partition(".")[0]
    package = sys.modules.get(top)
    for cls in kind.__mro__:
        name: str = cls.__name__
        if cls.__module__.partition(".")[0] == top and getattr(package, name, None) is cls:
            return name
    return kind.__name__


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
