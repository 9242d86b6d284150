"""
One ``Idempotency-Key`` per call, reused by every retry of that call.

This link runs once per call, outside retry, so the key it sets is on the request
object that every attempt sends. The server stores the first response under the key
and replays it for a repeat, which is what makes a retried invoke bill once.
"""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

import httpx

from ._middleware import Middleware

__all__ = ["MUTATING_METHODS", "IdempotencyMiddleware"]

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class IdempotencyMiddleware(Middleware):
    """Give every POST, PUT, PATCH and DELETE a fresh uuid4 key unless it has one."""

    stage: ClassVar[Literal["call", "attempt"]] = "call"

    def on_request(self, request: httpx.Request) -> None:
        """
        Set ``Idempotency-Key`` on a mutating request that has none.

        Args:
            request: The outgoing request.
        """
        if request.method in MUTATING_METHODS and "idempotency-key" not in request.headers:
            request.headers["Idempotency-Key"] = str(uuid.uuid4())
