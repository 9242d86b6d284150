r"""
The one place where the stub turns untrusted text into numbers and JSON values.

Every number the stub reads from a query string, a header or a link goes through
:func:`parse_digits`, and every JSON body through :func:`load_json`, so that no
malformed input can reach ``int()``, ``float()`` or ``json.loads`` unguarded and
become a 500:

- ``str.isdigit`` is true for ``"²"`` and other non-ASCII digits that ``int`` refuses;
  :func:`parse_digits` takes ASCII digits only, and a bounded number of them (``int``
  refuses more than 4,300 digits with a ``ValueError``).
- ``json.loads`` accepts ``NaN``, ``Infinity`` and ``1e400`` (a float that overflows to
  infinity), none of which JSON allows, and raises a bare ``ValueError`` for an integer
  of more than 4,300 digits. It also decodes ``"\ud800"`` to a lone surrogate, a
  ``str`` that cannot be encoded as UTF-8 (so neither hashed, stored nor sent back).
  :func:`load_json` raises :class:`json.JSONDecodeError` for all of them, which the
  routes answer with a 422 ``json_invalid``.
"""

from __future__ import annotations

import json
import math
import re
from typing import cast

__all__ = ["MAX_JSON_INTEGER_DIGITS", "load_json", "parse_digits"]

MAX_JSON_INTEGER_DIGITS = 4000
"""The most digits a JSON integer of a request body may have (Python's own limit is 4,300)."""

_ASCII_DIGITS = re.compile(r"[0-9]+")
# Where json.loads met the rejected number, for the 422's location; the scanner does
# not say, so the position is found again in the text.
_NON_FINITE = re.compile(r"-?(?:NaN|Infinity)")
# A \uD800..\uDFFF escape: only text holding one can decode to a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def parse_digits(text: str, *, max_digits: int) -> int | None:
    """
    Read a non-negative integer written in ASCII digits.

    Args:
        text: The text as received.
        max_digits: The most digits accepted; longer text is refused before any
            conversion, so the work is bounded.

    Returns:
        The integer, or ``None`` when the text is empty, too long, or holds anything
        but ``0``-``9`` (signs, spaces, ``_``, ``²``, Arabic-Indic digits...).
    """
    if len(text) > max_digits or not _ASCII_DIGITS.fullmatch(text):
        return None
    return int(text)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number: JSON numbers are finite")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is out of the range of a 64-bit float")
    return value


def _bounded_int(text: str) -> int:
    digits = len(text) - text.startswith("-")
    if digits > MAX_JSON_INTEGER_DIGITS:
        raise ValueError(
            f"an integer of {digits} digits is too large: at most {MAX_JSON_INTEGER_DIGITS}"
        )
    return int(text)


def _lone_surrogate_in(value: object) -> bool:
    pending: list[object] = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            pending.extend(cast("dict[object, object]", item).items())  # keys too
        elif isinstance(item, (list, tuple)):
            pending.extend(cast("list[object] | tuple[object, ...]", item))
    return False


def load_json(text: str) -> object:
    r"""
    Decode a JSON document as RFC 8259 defines it, with bounded numbers.

    Args:
        text: The document.

    Returns:
        The decoded value.

    Raises:
        json.JSONDecodeError: For text that is not JSON, and for ``NaN``,
            ``Infinity``, ``-Infinity``, a float that overflows (``1e400``), an
            integer of more than :data:`MAX_JSON_INTEGER_DIGITS` digits, and a string
            escape of an unpaired surrogate (``"\ud800"``).
    """
    try:
        value = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except json.JSONDecodeError:
        raise
    except ValueError as error:
        match = _NON_FINITE.search(text)
        position = match.start() if match is not None and "JSON number" in str(error) else 0
        raise json.JSONDecodeError(str(error), text, position) from error
    surrogate = _SURROGATE_ESCAPE.search(text)
    if surrogate is not None and _lone_surrogate_in(value):
        raise json.JSONDecodeError(
            "a \\u escape names an unpaired surrogate (D800-DFFF), which is not text",
            text,
            surrogate.start(),
        )
    return value
