"""The caller of a mutating request, carrying what the audit and execution logs record."""

from __future__ import annotations

import re
from dataclasses import dataclass

from velerian_stub.service.auth import Principal
from velerian_stub.service.claims import Claim

__all__ = ["Actor", "well_formed_traceparent"]


@dataclass(frozen=True)
class Actor:
    """
    An authenticated caller of a mutating request.

    Attributes:
        principal: The authenticated key and its user.
        request_id: This request's ``x-request-id``.
        idempotency_key: The ``Idempotency-Key`` header, if sent.
        method: The HTTP method.
        route: The route template, for example ``/api/v2/abps/{abp_id}/invoke``.
        claim: The request's hold on its idempotency key, if it has one; the handler
            stores its answer under it in the transaction that does the work.
        traceparent: The request's W3C ``traceparent``, when it sent a well-formed one:
            the audit entry keeps it, so a trace id leads to the entry.
    """

    principal: Principal
    request_id: str
    idempotency_key: str | None
    method: str
    route: str
    claim: Claim | None = None
    traceparent: str | None = None

    @property
    def tenant_id(self) -> str:
        """The tenant the caller acts in."""
        return self.principal.tenant_id


_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")


def well_formed_traceparent(value: str | None) -> str | None:
    """
    Return a W3C ``traceparent`` header worth recording, or ``None``.

    Trace context never fails a request: a header that is absent, malformed, of the
    invalid version ``ff``, or with an all-zero trace or parent id is not recorded.

    Args:
        value: The header as received.

    Returns:
        The header, or ``None``.
    """
    if value is None:
        return None
    match = _TRACEPARENT.fullmatch(value.strip())
    if match is None:
        return None
    version, trace_id, parent_id, _flags = match.groups()
    if version == "ff" or trace_id == "0" * 32 or parent_id == "0" * 16:
        return None
    return match.group(0)
