"""
JSON values: their type aliases, and how a request body becomes bytes.

The aliases are the public spelling for "any JSON": a model field such as
``Run.metadata`` is a :data:`JSONObject`, and the 0.1 compatibility methods return
:data:`JSONObject` rows. :func:`encode_json` turns a body into the same bytes in every
process, or refuses it before anything is sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import math
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import pydantic
import pydantic_core

from .errors import VelerianArgumentError, with_scrubbed_cause

__all__ = ["JSONObject", "JSONValue", "encode_json"]

if TYPE_CHECKING:
    # One string for the whole alias, not a quoted self-reference inside it: jedi
    # (Jupyter, many editors) follows `dict[str, "JSONValue"]` until it raises
    # RecursionError, so `result.output.` completed nothing. Type checkers read both
    # spellings the same.
    JSONValue: TypeAlias = (
        "dict[str, JSONValue] | list[JSONValue] | str | int | float | bool | None"
    )
else:
    # At runtime the alias only annotates model fields whose values come out of a JSON
    # parser, so there is nothing to check; a plain alias keeps pydantic's recursive
    # validator (and its import cost) out of `import velerian_sdk`.
    JSONValue = Any
"""
Any JSON value: ``str``, ``int``, ``float``, ``bool``, ``None``, or a list or object of them.

.. versionadded:: 0.2.0
"""

JSONObject: TypeAlias = dict[str, JSONValue]
"""
A JSON object: ``dict[str, JSONValue]``.

.. versionadded:: 0.2.0
"""


class _UnencodableError(Exception):
    """Internal: a value JSON cannot carry; ``path`` is filled in on the way out."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path: list[str | int] = []


def encode_json(value: object, *, name: str = "body") -> bytes:
    """
    Serialise a request body to the same bytes in every process, or refuse it.

    Sent as JSON: ``str``, ``int``, finite ``float``, ``bool``, ``None``, ``dict``
    with ``str`` keys, ``list`` and ``tuple`` (as arrays); aware ``datetime`` (ISO
    8601, ``Z`` for UTC), ``date`` and ``UUID`` (as text); a finite ``Decimal`` as
    text of its exact digits (``"1.10"``), never rounded through a float; an
    ``Enum`` as its value; a pydantic model or a dataclass as an object of its
    fields (by alias). Refused, with the path to the value: NaN and infinities,
    ``set`` and ``frozenset`` (no order, so no stable bytes: pass a sorted list),
    ``complex``, ``bytes`` (pass text, e.g. base64), naive ``datetime`` (pass an aware
    one), ``time``, ``timedelta``, non-``str`` dict keys, and any other type.

    Args:
        value: The body.
        name: What to call its root in a message.

    Returns:
        UTF-8 JSON bytes.

    Raises:
        VelerianArgumentError: Something in ``value`` has no faithful JSON form; the
            message names where (``payload.items[2].price``) and what to send instead.
    """
    try:
        plain = (
            _plain_object(cast("dict[object, object]", value))
            if type(value) is dict
            else _plain(value)
        )
    except _UnencodableError as exc:
        where = name + "".join(
            f"[{step}]" if isinstance(step, int) else f".{step}" for step in reversed(exc.path)
        )
        msg = f"{where} cannot be sent as JSON: {exc.reason}"
        failure = with_scrubbed_cause(VelerianArgumentError(msg), exc)
    except RecursionError as exc:
        msg = f"{name} cannot be sent as JSON: it is nested too deeply, or contains itself"
        failure = with_scrubbed_cause(VelerianArgumentError(msg), exc)
    else:
        return pydantic_core.to_json(plain)
    raise failure


_SCALARS: frozenset[type] = frozenset({str, int, bool, type(None)})
"""Types sent exactly as they are, recognised by identity (subclasses take the slow way)."""


def _plain(value: object) -> object:
    """
    ``value`` if it is plain JSON already, else a plain copy; raise if it has none.

    This runs on every call that sends a body, the invoke among them, so the common
    case is made cheap: scalars are recognised by their exact type, and a container
    whose contents are all plain is returned itself, without a copy.
    """
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is float:
        return _finite(cast("float", value))
    if kind is dict:
        return _plain_object(cast("dict[object, object]", value))
    if kind is list or kind is tuple:
        return _plain_array(cast("list[object]", value))
    return _plain_other(value)


def _finite(value: float) -> float:
    if math.isfinite(value):
        return value
    raise _UnencodableError(f"{value!r}: JSON has no NaN or Infinity; send null or a string")


def _plain_object(value: Mapping[object, object]) -> Mapping[object, object]:
    exact = type(value) is dict  # a subclass or another Mapping is copied into a dict
    copy: dict[object, object] | None = None if exact else dict(value)
    for key, item in value.items():
        if type(key) is not str and not isinstance(key, str):
            msg = (
                f"the key {key!r} is not text but {type(key).__name__}: JSON keys are text, so "
                "convert it yourself (keys such as 1 and '1' would otherwise collide)"
            )
            raise _UnencodableError(msg)
        kind = type(item)
        if kind in _SCALARS:
            continue
        try:
            # A nested object (an invoke's payload) skips one call's worth of dispatch.
            plain = (
                _plain_object(cast("dict[object, object]", item)) if kind is dict else _plain(item)
            )
        except _UnencodableError as exc:
            exc.path.append(key)
            raise
        if plain is not item:
            if copy is None:
                copy = dict(value)
            copy[key] = plain
    return value if copy is None else copy


def _plain_array(value: Sequence[object]) -> Sequence[object]:
    copy: list[object] | None = None
    for index, item in enumerate(value):
        if type(item) in _SCALARS:
            continue
        try:
            plain = _plain(item)
        except _UnencodableError as exc:
            exc.path.append(index)
            raise
        if plain is not item:
            if copy is None:
                copy = list(value)
            copy[index] = plain
    return value if copy is None else copy


def _plain_other(value: object) -> object:
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, bool | int | str) or value is None:
        return value  # subclasses: to_json writes them as their base type
    if isinstance(value, float):
        return _finite(float(value))
    if isinstance(value, Mapping):
        return _plain_object(cast("Mapping[object, object]", value))
    if isinstance(value, list | tuple):
        return _plain_array(cast("Sequence[object]", value))
    if isinstance(value, dt.datetime):
        if value.utcoffset() is None:
            raise _UnencodableError(
                f"datetime {value.isoformat()} has no timezone: pass an aware datetime "
                "(e.g. with tzinfo=datetime.timezone.utc)"
            )
        return value
    if isinstance(value, dt.date | uuid.UUID):
        return value
    if isinstance(value, decimal.Decimal):
        if value.is_finite():
            return value
        msg = f"Decimal {value}: JSON has no NaN or Infinity; send null or a string"
        raise _UnencodableError(msg)
    if isinstance(value, pydantic.BaseModel):
        return _plain(value.model_dump(mode="python", by_alias=True))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return _plain_object({field.name: getattr(value, field.name) for field in fields})
    raise _UnencodableError(_refusal(value))


def _refusal(value: object) -> str:
    kind = type(value).__name__
    if isinstance(value, set | frozenset):
        return (
            f"a {kind} has no order, so its JSON would differ from one "
            "process to the next (and break idempotent replays): pass a sorted list"
        )
    if isinstance(value, bytes | bytearray | memoryview):
        return "bytes are not text: send text, e.g. base64.b64encode(data).decode()"
    if isinstance(value, complex):
        return f"{value!r}: JSON has no complex numbers; send [real, imag] or a string"
    if isinstance(value, dt.time | dt.timedelta):
        return f"a {kind} has no agreed JSON form: send text or seconds"
    return f"a {kind} has no JSON form: convert it to str, a number, a list or a dict"
