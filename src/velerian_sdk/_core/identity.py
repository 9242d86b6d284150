"""
The headers that tell the API which client sent a request, and which attempt it is.

Every request to the API's origin carries:

- ``User-Agent: velerian-python-sdk/<version>``, short and stable, unless the user set
  ``user_agent``;
- ``X-Velerian-Client``, one structured-field dictionary (RFC 8941) naming the SDK
  version, the Python implementation and version, the operating system and the
  machine architecture, e.g. ``sdk="0.2.0", python="3.11.9", impl="cpython",
  os="linux", arch="x86_64"``. It is sent even when ``user_agent`` is replaced, so the
  API always knows the SDK that built the call;
- ``X-Velerian-Attempt``: ``1`` on the first attempt of a call, ``2`` on its first
  retry, and so on, so the API's logs tell a retry from a new call.

None of them reaches another origin (a presigned storage link): the auth link cuts a
request for another origin down to its call's own headers. The values are computed
once per process, when the first client is built, never per call.
"""

from __future__ import annotations

import os
import sys
from typing import Final

from .._version import __version__

__all__ = [
    "ATTEMPT_HEADER",
    "CLIENT_HEADER",
    "FIRST_ATTEMPT",
    "USER_AGENT",
    "attempt_value",
    "client_identity",
]

USER_AGENT: Final = f"velerian-python-sdk/{__version__}"
"""The SDK's own ``User-Agent``; the ``user_agent`` setting replaces it."""

CLIENT_HEADER: Final = "X-Velerian-Client"
"""The header that names the SDK, Python, the OS and the architecture."""

ATTEMPT_HEADER: Final = "X-Velerian-Attempt"
"""The header that numbers the attempts of one call, from 1."""

FIRST_ATTEMPT: Final = "1"
"""``X-Velerian-Attempt`` on a call's first attempt."""

_ATTEMPTS: Final = tuple(str(number) for number in range(1, 33))
"""The values of the usual attempt numbers, formatted once."""

_identity: str | None = None


def client_identity() -> str:
    """
    Return the value of ``X-Velerian-Client`` for this process, computing it once.

    Returns:
        A structured-field dictionary, e.g. ``sdk="0.2.0", python="3.11.9",
        impl="cpython", os="linux", arch="x86_64"``.
    """
    global _identity  # noqa: PLW0603 - computed once per process
    if _identity is None:
        version = sys.version_info
        fields = {
            "sdk": __version__,
            "python": f"{version.major}.{version.minor}.{version.micro}",
            "impl": sys.implementation.name,
            "os": _os_name(),
            "arch": _architecture(),
        }
        _identity = ", ".join(f'{name}="{_sf_string(value)}"' for name, value in fields.items())
    return _identity


def attempt_value(number: int) -> str:
    """
    Return ``X-Velerian-Attempt`` for attempt ``number`` (1 for the first).

    Args:
        number: The attempt, 1-based.

    Returns:
        The number as header text.
    """
    return _ATTEMPTS[number - 1] if 0 < number <= len(_ATTEMPTS) else str(number)


def _os_name() -> str:
    # sys.platform names the OS the interpreter was built for ("linux", "darwin",
    # "win32", "freebsd14"...); the trailing release digits say nothing useful here.
    name = sys.platform.rstrip("0123456789")
    return {"win": "windows", "darwin": "macos"}.get(name, name)


def _architecture() -> str:
    if hasattr(os, "uname"):
        return os.uname().machine.lower() or "unknown"
    # Windows has no uname; `platform` reads the same variable, at a higher import cost.
    return os.environ.get("PROCESSOR_ARCHITECTURE", "unknown").lower()


def _sf_string(value: str) -> str:
    # A structured-field string is printable ASCII with `"` and `\` escaped; anything
    # else a strange platform reports is replaced rather than refused.
    kept = "".join(char if " " <= char <= "~" else "?" for char in value)
    return kept.replace("\\", "\\\\").replace('"', '\\"')
