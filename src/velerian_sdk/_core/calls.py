"""
:class:`ApiCall`: one request, fully described but not sent.

The topic modules' request builders return these; the senders send them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ._reprs import fields_repr

__all__ = ["ApiCall", "Params", "QueryValue"]

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
