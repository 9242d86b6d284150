"""
Path parameters: checked before any request is built, then percent-encoded.

An id is interpolated into a URL path, so a value such as ``../api-keys`` or ``a/b``
could otherwise reach another route. Ids the API mints are short printable ASCII;
anything else is refused with a message that says what was wrong.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from .errors import VelerianArgumentError

__all__ = ["path_segment"]

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
