"""
A call before it is sent: :class:`ApiCall`, and every check that builds one.

The namespaces turn a method's arguments into an :class:`ApiCall` here: ids become
path segments (:func:`path_segment`), texts, timestamps and counts are checked, and a
JSON body is encoded to the same bytes in every process (:func:`encode_json`), or
refused before anything is sent. The JSON type aliases are the public spelling of
"any JSON": a model field such as ``Run.metadata`` is a :data:`JSONObject`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, cast
from urllib.parse import quote

import pydantic
import pydantic_core

from .errors import VelerianArgumentError, with_scrubbed_cause
from .redaction import fields_repr
from .settings import check_headers

__all__ = [
    "ApiCall",
    "JSONObject",
    "JSONValue",
    "Params",
    "QueryValue",
    "check_count",
    "check_extra_headers",
    "check_extra_query",
    "encode_json",
    "json_object",
    "optional_text",
    "page_params",
    "path_segment",
    "required_text",
    "text_list",
    "timestamp",
    "with_extra_query",
]


QueryValue = str | int | float | bool | dt.datetime | dt.date | None
"""A query parameter value; ``None`` drops the parameter."""


Params = Mapping[str, QueryValue | Sequence[str | int]]
"""Query parameters of a call."""


@dataclass(frozen=True, slots=True)
class ApiCall:
    """
    A request to make: method, path, query and body, already validated.

    Attributes:
        method: The HTTP method.
        path: A path under ``/api/v2/`` (``"abps"``) or from the origin (``"/api/..."``).
        params: Query parameters; ``None`` values are dropped when sent.
        json: The JSON body, if any.
        idempotency_key: The caller's idempotency key, if given.
    """

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    method: str
    path: str
    params: Params | None = None
    json: Mapping[str, object] | None = None
    idempotency_key: str | None = None

    @property
    def limit(self) -> int:
        """The ``limit`` of a list call (0 when it has none)."""
        return _int_param(self.params, "limit")

    @property
    def offset(self) -> int:
        """The ``offset`` of a list call (0 when it has none)."""
        return _int_param(self.params, "offset")

    def at_offset(self, offset: int) -> ApiCall:
        """
        Return the same list call for the page at ``offset``.

        Args:
            offset: The new offset.

        Returns:
            A copy with ``offset`` replaced.
        """
        return dataclasses.replace(self, params={**(self.params or {}), "offset": offset})


def _int_param(params: Params | None, name: str) -> int:
    value = (params or {}).get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


MAX_ID_LENGTH = 256


_FORBIDDEN = frozenset("/\\%?#")


_UNRESERVED = re.compile(rf"[A-Za-z0-9_.~-]{{1,{MAX_ID_LENGTH}}}")
"""URL-unreserved characters only: checked and encoded in one step."""


def path_segment(name: str, value: object) -> str:
    """
    Check one path parameter and return it percent-encoded.

    Args:
        name: The parameter's name, for the error message (``abp_id``).
        value: What the caller passed.

    Returns:
        The encoded segment.

    Raises:
        VelerianArgumentError: The value is not a string, is empty, too long, ``.`` or
            ``..``, or has whitespace, control, non-ASCII, slash, backslash, ``%``, ``?`` or ``#``.
    """
    if not isinstance(value, str):
        msg = f"{name} must be a str, got {type(value).__name__}"
        raise VelerianArgumentError(msg)
    if _UNRESERVED.fullmatch(value) and value not in {".", ".."}:
        return value  # the ids the API mints: valid, and nothing to percent-encode
    problem = _problem(value)
    if problem is not None:
        shown = value if len(value) <= 40 else value[:40] + "..."
        msg = (
            f"{name}={shown!r} is not a valid id: {problem}. Pass the id exactly as the "
            "API returned it."
        )
        raise VelerianArgumentError(msg)
    return quote(value, safe="")


def _problem(value: str) -> str | None:
    if not value:
        return "it is empty"
    if len(value) > MAX_ID_LENGTH:
        return f"it is {len(value)} characters long (at most {MAX_ID_LENGTH})"
    if value in {".", ".."}:
        return "'.' and '..' are path navigation, not ids"
    for char in value:
        if not ("!" <= char <= "~"):
            return f"it contains {char!r}; only printable ASCII without spaces is allowed"
        if char in _FORBIDDEN:
            return f"it contains {char!r}, which could change the route"
    return None


def page_params(limit: int, offset: int) -> dict[str, int]:
    """
    Check a page window.

    Args:
        limit: Rows per page, at least 1 (the server caps it; 500 on the stub).
        offset: Rows to skip, at least 0.

    Returns:
        ``{"limit": limit, "offset": offset}``.

    Raises:
        VelerianArgumentError: Either is out of range or not a whole number.
    """
    return {
        "limit": check_count("limit", limit, minimum=1),
        "offset": check_count("offset", offset, minimum=0),
    }


def required_text(name: str, value: object) -> str:
    """
    Check a required, non-empty string argument.

    Args:
        name: The argument's name.
        value: What the caller passed.

    Returns:
        The string.

    Raises:
        VelerianArgumentError: It is not a string, or is empty.
    """
    if not isinstance(value, str) or not value:
        msg = f"{name} must be a non-empty str, got {value!r}"
        raise VelerianArgumentError(msg)
    return value


def optional_text(name: str, value: object) -> str | None:
    """
    Check an optional string argument (a filter, a format, a note).

    Args:
        name: The argument's name.
        value: What the caller passed.

    Returns:
        The string, or ``None``.

    Raises:
        VelerianArgumentError: It is neither ``None`` nor a string.
    """
    if value is None or isinstance(value, str):
        return value
    msg = f"{name} must be a str or None, got {type(value).__name__}"
    raise VelerianArgumentError(msg)


def timestamp(name: str, value: object) -> str | None:
    """
    Check a timestamp argument: an aware ``datetime`` or an ISO-8601 string.

    A string is sent exactly as given once it parses (``datetime.fromisoformat``,
    with a trailing ``Z`` accepted on every Python version); a ``datetime`` must carry
    a timezone, since a naive one is ambiguous.

    Args:
        name: The argument's name.
        value: What the caller passed, or ``None``.

    Returns:
        The ISO-8601 text, or ``None``.

    Raises:
        VelerianArgumentError: A naive ``datetime``, a string that is not ISO-8601,
            or another type.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            msg = (
                f"{name}={value.isoformat()} has no timezone: pass an aware datetime, "
                "e.g. datetime.now(timezone.utc)"
            )
            raise VelerianArgumentError(msg)
        return value.isoformat()
    if isinstance(value, str):
        if _parses_as_iso(value):
            return value
        msg = (
            f"{name}={value!r} is not an ISO-8601 timestamp; pass e.g. "
            "'2025-03-01T00:00:00Z' or an aware datetime"
        )
        raise VelerianArgumentError(msg)
    msg = f"{name} must be an aware datetime or an ISO-8601 str, got {type(value).__name__}"
    raise VelerianArgumentError(msg)


def json_object(name: str, value: object) -> dict[str, object]:
    """
    Check a JSON-object argument (a payload, metadata).

    Args:
        name: The argument's name.
        value: What the caller passed.

    Returns:
        A plain ``dict`` copy.

    Raises:
        VelerianArgumentError: It is not a mapping with string keys.
    """
    if not isinstance(value, Mapping):
        msg = f"{name} must be a mapping (a JSON object), got {type(value).__name__}"
        raise VelerianArgumentError(msg)
    mapping = cast("Mapping[object, object]", value)
    for key in mapping:
        if not isinstance(key, str):
            msg = f"{name} keys must be str, got {key!r}"
            raise VelerianArgumentError(msg)
    return {cast("str", key): item for key, item in mapping.items()}


def text_list(name: str, value: object, *, allow_empty: bool = True) -> list[str]:
    """
    Check a list-of-strings argument (scopes, attachment ids).

    A bare string is refused: ``scopes="read"`` would otherwise become four scopes.

    Args:
        name: The argument's name.
        value: What the caller passed.
        allow_empty: Whether an empty list is acceptable.

    Returns:
        A new ``list``.

    Raises:
        VelerianArgumentError: Not a sequence of strings, a bare string, or empty when
            that is not allowed.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        msg = f"{name} must be a list of str, got {type(value).__name__}"
        raise VelerianArgumentError(msg)
    items = list(cast("Sequence[object]", value))
    bad = [item for item in items if not isinstance(item, str) or not item]
    if bad:
        msg = f"{name} must hold non-empty strings, got {bad[0]!r}"
        raise VelerianArgumentError(msg)
    if not items and not allow_empty:
        msg = f"{name} must not be empty"
        raise VelerianArgumentError(msg)
    return cast("list[str]", items)


def _parses_as_iso(text: str) -> bool:
    candidate = text.strip()
    if not candidate:
        return False
    if candidate[-1] in "Zz":
        candidate = candidate[:-1] + "+00:00"
    for parse in (dt.datetime.fromisoformat, dt.date.fromisoformat):
        try:
            parse(candidate)
        except ValueError:
            continue
        return True
    return False


def check_count(name: str, value: object, *, minimum: int) -> int:
    """
    Check a count argument (``limit``, ``offset``, ``page_size``, ``max_items``).

    Args:
        name: The argument's name, for the message.
        value: What the caller passed.
        minimum: The smallest allowed value.

    Returns:
        The value.

    Raises:
        VelerianArgumentError: It is not a whole number of at least ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        msg = f"{name} must be a whole number >= {minimum}, got {value!r}"
        raise VelerianArgumentError(msg)
    return value


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


_SDK_HEADERS = frozenset({"authorization", "idempotency-key", "content-type", "content-length"})
"""Headers the SDK sets from a call's own arguments: never taken from ``extra_headers``."""


def check_extra_headers(headers: object) -> dict[str, str]:
    """
    Check per-call ``extra_headers``: valid HTTP headers, none the SDK sets itself.

    Args:
        headers: What the caller passed.

    Returns:
        A plain copy.

    Raises:
        VelerianArgumentError: A header HTTP cannot carry, or ``Authorization``,
            ``Idempotency-Key``, ``Content-Type`` or ``Content-Length``, which come from
            the client's key and the call's own arguments.
    """
    checked = check_headers("extra_headers", headers)
    for name in checked:
        if name.lower() in _SDK_HEADERS:
            msg = (
                f"extra_headers cannot set {name!r}: the SDK sets it from the client's key "
                "or the call's own arguments (api_key=, idempotency_key=, the body)"
            )
            raise VelerianArgumentError(msg)
    return checked


def check_extra_query(query: object) -> dict[str, str | int | float | bool]:
    """
    Check per-call ``extra_query``: names to ``str``, ``int``, ``float`` or ``bool``.

    Args:
        query: What the caller passed.

    Returns:
        A plain copy.

    Raises:
        VelerianArgumentError: Not a mapping of names to such values.
    """
    if query is None:
        return {}
    if not isinstance(query, Mapping):
        shown = type(query).__name__
        msg = f"extra_query must be a mapping of parameter names to values, got {shown}"
        raise VelerianArgumentError(msg)
    checked: dict[str, str | int | float | bool] = {}
    for name, value in cast("Mapping[object, object]", query).items():
        if not isinstance(name, str) or not name:
            msg = f"extra_query has a parameter name that is not a non-empty str: {name!r}"
            raise VelerianArgumentError(msg)
        if not isinstance(value, (str, int, float, bool)):
            msg = (
                f"extra_query[{name!r}] must be a str, int, float or bool, "
                f"got {type(value).__name__}"
            )
            raise VelerianArgumentError(msg)
        checked[name] = value
    return checked


def with_extra_query(call: ApiCall, extra: Mapping[str, str | int | float | bool]) -> Params:
    """
    The query of ``call`` with ``extra`` added.

    Args:
        call: The call, whose own parameters stay as they are.
        extra: The parameters to add.

    Returns:
        The merged parameters.

    Raises:
        VelerianArgumentError: ``extra`` names a parameter the call sets itself.
    """
    own = call.params or {}
    for name in extra:
        if own.get(name) is not None:
            msg = (
                f"extra_query sets {name!r}, which {call.method} {call.path} sets from its "
                "own arguments: pass it as the method's argument instead"
            )
            raise VelerianArgumentError(msg)
    return {**own, **extra}
