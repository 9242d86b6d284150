"""
schemathesis hooks of the contract fuzz run; ``scripts/fuzz_contract.py`` loads them.

One hook: every request gets an ``Idempotency-Key`` of its own, as a real client sends.
schemathesis draws the header from its pattern, so unrelated requests share keys like
``"0"``, and the stub rightly answers the second one 422 (``idempotency_key_reused``).
A key that breaks the pattern is left alone, so the 422 for a malformed key is still
tested.
"""

from __future__ import annotations

import importlib
import itertools
import re
from collections.abc import MutableMapping
from typing import Protocol

__all__ = ["give_each_request_its_own_idempotency_key"]

# The stub's pattern (velerian_stub.http.idempotency); repeated so this file imports nothing
# beyond schemathesis.
_VALID_KEY = re.compile(r"^[\x20-\x7e]{1,255}$")
_serial = itertools.count(1)


class _Case(Protocol):
    """The part of a schemathesis ``Case`` the hook touches."""

    headers: MutableMapping[str, object] | None


def give_each_request_its_own_idempotency_key(
    context: object, case: _Case, kwargs: dict[str, object]
) -> None:
    """
    Replace a well-formed ``Idempotency-Key`` with a fresh one before the request is sent.

    Args:
        context: schemathesis's hook context (unused).
        case: The request about to be sent; changed in place.
        kwargs: The transport's arguments (unused).
    """
    del context, kwargs
    headers = case.headers or {}
    for name in list(headers):
        value = headers[name]
        if name.lower() == "idempotency-key" and isinstance(value, str) and _VALID_KEY.match(value):
            # A counter, not a random value: the same seed sends the same requests.
            headers[name] = f"fuzz-{next(_serial)}"


# Imported by name: schemathesis lives only in the `fuzz` session's environment, not in
# the development one that type-checks scripts/.
importlib.import_module("schemathesis").hook("before_call")(
    give_each_request_its_own_idempotency_key
)
