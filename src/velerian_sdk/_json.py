"""
Type aliases for JSON values, used wherever the API passes opaque JSON through.

They are the public spelling for "any JSON": a model field such as ``Run.metadata`` is a
:data:`JSONObject`, and the 0.1 compatibility methods return :data:`JSONObject` rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

__all__ = ["JSONObject", "JSONValue"]

if TYPE_CHECKING:
    JSONValue: TypeAlias = (
        dict[str, "JSONValue"] | list["JSONValue"] | str | int | float | bool | None
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
