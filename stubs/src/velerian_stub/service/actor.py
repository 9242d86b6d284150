"""The caller of a mutating request, carrying what the audit and execution logs record."""

from __future__ import annotations

from dataclasses import dataclass

from velerian_stub.service.auth import Principal
from velerian_stub.service.claims import Claim

__all__ = ["Actor"]


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
    """

    principal: Principal
    request_id: str
    idempotency_key: str | None
    method: str
    route: str
    claim: Claim | None = None

    @property
    def tenant_id(self) -> str:
        """The tenant the caller acts in."""
        return self.principal.tenant_id
