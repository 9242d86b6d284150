"""
Reprs that work on any object of the SDK, finished or half-built.

A repr runs wherever a traceback is rendered with its locals (``pytest --showlocals``,
``rich``, Sentry, ``traceback.TracebackException(..., capture_locals=True)``), and the
object it is given may be one whose constructor raised halfway. There a missing
attribute must print as ``<unset>`` instead of raising a second error that hides the
first; :func:`attribute` and :func:`fields_repr` make sure of it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Final, cast

from .redaction import mask_secret

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["UNSET", "attribute", "fields_repr", "masked_key", "shown_link"]


class _Unset:
    """The value shown for an attribute a half-built object does not have yet."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unset>"


UNSET: Final = _Unset()


def attribute(obj: object, name: str) -> object:
    """
    Read an attribute for a repr, or :data:`UNSET` when the object lacks it.

    Args:
        obj: Any object, perhaps half-built.
        name: The attribute.

    Returns:
        Its value, or :data:`UNSET`.
    """
    return getattr(obj, name, UNSET)


def masked_key(value: object) -> object:
    """
    Show an API key as its prefix and last four characters; anything else as it is.

    Args:
        value: A key, or :data:`UNSET`.

    Returns:
        The masked key, or ``value`` unchanged when it is not a ``str``.
    """
    return mask_secret(value) if isinstance(value, str) else value


def shown_link(value: object) -> object:
    """
    Drop the query of a link (presigned signatures live there); anything else as it is.

    Args:
        value: Any value.

    Returns:
        ``https://host/path?REDACTED`` for a link with a query, else ``value``.
    """
    if isinstance(value, str) and value.startswith(("https://", "http://")) and "?" in value:
        return value.split("?", 1)[0] + "?REDACTED"
    return value


def fields_repr(self: object) -> str:
    """
    The repr of a dataclass, as the generated one but safe on a half-built object.

    Fields declared with ``repr=False`` are left out, as by the generated repr; links
    print without their query.

    Args:
        self: A dataclass instance.

    Returns:
        ``Name(field=value, ...)``, with ``<unset>`` for fields not set yet.
    """
    shown = ", ".join(
        f"{field.name}={shown_link(attribute(self, field.name))!r}"
        for field in dataclasses.fields(cast("DataclassInstance", self))
        if field.repr
    )
    return f"{type(self).__qualname__}({shown})"
