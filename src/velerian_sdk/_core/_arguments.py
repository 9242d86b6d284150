"""
Checks on the arguments of the namespace methods, made before any request is built.

Each raises :class:`~velerian_sdk.VelerianArgumentError` (also a ``ValueError``) with a
message naming the argument, so a mistake surfaces where it was made rather than as a
422 from the server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import cast

from .errors import VelerianArgumentError

__all__ = [
    "check_count",
    "json_object",
    "optional_text",
    "page_params",
    "required_text",
    "text_list",
    "timestamp",
]


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
