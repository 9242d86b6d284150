"""
Idempotency claims as handlers see them: the stored answer commits with the work.

The idempotency layer claims a key (state ``in_flight``) before the handler runs and
puts the :class:`Claim` in the request's scope. A mutating handler then writes its
answer into the record with :func:`answer` **inside the transaction that
does the work**, so the work, its audit entry, its evidence pack and the completed
record commit together or not at all: a process killed at any instant leaves either
no work and a claim in flight (dropped at the next start; a retry runs the request
afresh), or the work and a complete record (a retry replays it).

A handler whose answer comes only after a second transaction (the synchronous network
invoke, which sleeps while the run runs) marks the claim ``executed`` with the id of
what it created, in the first transaction. A start after a crash turns such claims
``resumable``; the retry resumes the handler on that resource instead of running the
request again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from velerian_stub.store.database import Session
from velerian_stub.store.idempotency import (
    mark_record_executed,
    settle_interrupted_records,
    upsert_complete_record,
)
from velerian_stub.store.sealing import RecordSealer

__all__ = [
    "CLAIM_SCOPE_KEY",
    "Claim",
    "ClaimState",
    "answer",
    "claim_of",
    "release_interrupted_claims",
]

CLAIM_SCOPE_KEY = "velerian_stub.idempotency_claim"
"""Where the idempotency layer leaves the claim in the ASGI scope."""

ClaimState = Literal["in_flight", "executed", "resumable", "complete"]
"""A record's state: claimed, work committed (answer pending), interrupted, or answered."""


@dataclass
class Claim:
    """
    One request's hold on an idempotency key, for the handler to settle.

    Attributes:
        tenant_id: The caller's tenant, which owns the record.
        origin_key_id: The caller's API key, which made the record.
        key: The ``Idempotency-Key`` (never stored; it seals the answer).
        key_digest: Its SHA-256, which the record is found by.
        fingerprint: The digest of method, path, query and body.
        created_epoch: When the key was first claimed.
        sealer: Seals stored answers under the database's secret.
        resumed_resource_id: What an interrupted earlier attempt created, when this
            request resumes it; ``None`` for a first execution.
    """

    tenant_id: str
    origin_key_id: str
    key: str = field(repr=False)
    key_digest: str
    fingerprint: str
    created_epoch: float
    sealer: RecordSealer = field(repr=False)
    resumed_resource_id: str | None = None

    def store_answer(
        self, session: Session, status_code: int, content_type: str | None, body: bytes
    ) -> None:
        """
        Complete the record with its answer, in the caller's transaction.

        Args:
            session: The transaction that did the work.
            status_code: The answer's status.
            content_type: Its content type.
            body: Its body; sealed before it is stored.
        """
        upsert_complete_record(
            session,
            tenant_id=self.tenant_id,
            key_digest=self.key_digest,
            fingerprint=self.fingerprint,
            status_code=status_code,
            content_type=content_type,
            sealed_body=self.sealer.seal(self.tenant_id, self.key, body),
            created_epoch=self.created_epoch,
            resource_id=self.resumed_resource_id,
            origin_key_id=self.origin_key_id,
        )

    def mark_executed(self, session: Session, resource_id: str) -> None:
        """
        Record, in the transaction that created it, what this request's work created.

        Args:
            session: The transaction that did the work.
            resource_id: The id of what it created.
        """
        self.resumed_resource_id = resource_id
        mark_record_executed(session, self.tenant_id, self.key_digest, resource_id)


def claim_of(scope: Scope) -> Claim | None:
    """
    Find the claim the idempotency layer made for a request.

    Args:
        scope: The request's ASGI scope.

    Returns:
        The claim, or ``None`` when the request carries no usable ``Idempotency-Key``.
    """
    claim: object = scope.get(CLAIM_SCOPE_KEY)
    return claim if isinstance(claim, Claim) else None


def answer(
    session: Session, claim: Claim | None, result: BaseModel | None, *, status_code: int = 200
) -> Response:
    """
    Serialise a handler's result and, under a claim, store it with the work.

    Args:
        session: The transaction that did the work; the answer commits with it.
        claim: The request's claim, if it has one.
        result: The response model; ``None`` for an answer without a body (``204``).
        status_code: The answer's status.

    Returns:
        The response to send: the very bytes that a replay will send.
    """
    if result is None:
        response: Response = Response(status_code=status_code)
        content_type = None
    else:
        # As FastAPI renders a declared response_model: JSON mode, field aliases.
        response = JSONResponse(result.model_dump(mode="json", by_alias=True), status_code)
        content_type = response.media_type
    if claim is not None:
        claim.store_answer(session, status_code, content_type, bytes(response.body))
    return response


def release_interrupted_claims(session: Session) -> None:
    """
    At start, settle the claims of requests a crash interrupted.

    A claim still ``in_flight`` committed no work (the work commits with the answer, or
    with ``executed``), so it is dropped and a retry runs afresh; an ``executed`` one
    becomes ``resumable``, so a retry resumes it.

    Args:
        session: The start-up transaction.
    """
    settle_interrupted_records(session)
