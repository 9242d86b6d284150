"""
``Idempotency-Key`` handling for mutating ``/api/`` requests, as decisions.md specifies.

Records are keyed by (tenant id, idempotency key), so a repeat from any key of the
tenant (a batch rerun on another machine) finds the first answer, and fingerprinted by
method, path, query and body. A replay to another key than the one that made the record
needs every power that key had (403 otherwise), so no key obtains by replay what it
could not do itself. A repeat of a finished request replays its status, body and
content type with ``idempotent-replayed: true``; a repeat with another fingerprint is a
422; a repeat while the first still runs is a 409. Responses that record no work
(5xx, 401, 403, 422, 429) are not kept, so a retry runs normally. Records live 24 h.
A request that no route takes (unknown path 404, undeclared method 405) passes through
untouched: it is not an operation, so it neither claims nor checks a key.

The layer sits inside the fault injector: a request that fails after the work still has
its real response stored here first, so the retry replays it; a replay answered here
meets the request's fault gate, as a routed request meets it after authentication.
Mutating handlers store their answer in the transaction that does the work
(:mod:`velerian_stub.service.claims`), so a crash can never keep the work and lose the record;
this layer completes only the records of answers that did no work (a 404, a 409).
Stored answers are sealed (:mod:`velerian_stub.store.sealing`).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import anyio
import anyio.to_thread
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from velerian_stub.http.faults import fault_gate_of
from velerian_stub.http.routing import RouteTable
from velerian_stub.service.auth import hash_secret, stored_key_powers
from velerian_stub.service.claims import CLAIM_SCOPE_KEY, Claim
from velerian_stub.service.clock import format_epoch
from velerian_stub.service.errors import ApiError
from velerian_stub.store.database import Database, Session
from velerian_stub.store.idempotency import (
    complete_in_flight_record,
    delete_expired_records,
    delete_in_flight_record,
    find_record,
    insert_in_flight_record,
    resume_record,
    settle_executed_record,
)
from velerian_stub.store.keys import find_key_powers, find_live_key_by_hash
from velerian_stub.store.sealing import RecordSealer

__all__ = [
    "IDEMPOTENCY_KEY_PATTERN",
    "RECORD_TTL_S",
    "REPLAYED_HEADER",
    "Begin",
    "IdempotencyMiddleware",
    "IdempotencyStore",
    "KeyOwner",
]

IDEMPOTENCY_KEY_PATTERN = r"^[\x20-\x7e]{1,255}$"
RECORD_TTL_S = 24 * 3600
REPLAYED_HEADER = "idempotent-replayed"
_MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_UNRECORDED = frozenset({401, 403, 422, 429})
_KEY_RE = re.compile(IDEMPOTENCY_KEY_PATTERN)


@dataclass(frozen=True)
class Begin:
    """
    What to do with a request that carries an idempotency key.

    Attributes:
        action: ``execute`` (first time, or resuming an interrupted attempt),
            ``replay``, ``mismatch``, ``in_flight``, ``sealed`` (executed, but its
            answer was sealed under another secret and cannot be replayed) or
            ``forbidden`` (recorded for another key with powers this one lacks).
        claim: The claim, for ``execute``.
        status_code: The stored status, for ``replay``.
        content_type: The stored content type, for ``replay``.
        body: The stored body, for ``replay``.
    """

    action: Literal["execute", "replay", "mismatch", "in_flight", "sealed", "forbidden"]
    claim: Claim | None = None
    status_code: int = 0
    content_type: str | None = None
    body: bytes = b""


@dataclass(frozen=True)
class KeyOwner:
    """
    The live API key a request's bearer secret names.

    Attributes:
        api_key_id: The key's id.
        tenant_id: Its tenant: the owner of its idempotency records.
        powers: What the key may do now (its scopes within its user's role).
    """

    api_key_id: str
    tenant_id: str
    powers: frozenset[str]


class IdempotencyStore:
    """
    The idempotency records in the database (blocking calls; run them off the loop).

    Args:
        db: The stub's database.
        clock: The stub's clock.
        sealer: Seals stored answers under the database's secret.
    """

    def __init__(self, db: Database, clock: Callable[[], float], sealer: RecordSealer) -> None:
        self._db = db
        self._clock = clock
        self._sealer = sealer

    def key_owner_for(self, secret: str) -> KeyOwner | None:
        """
        Find the live API key a bearer secret names.

        Args:
            secret: The bearer token.

        Returns:
            The key, or ``None`` for an unknown, revoked or expired key: such a
            request reaches authentication (401) and never a stored replay.
        """
        with self._db.session() as session:
            row = find_live_key_by_hash(session, hash_secret(secret), format_epoch(self._clock()))
        if row is None:
            return None
        powers = stored_key_powers(row.string_list("scopes"), row.text("role"))
        return KeyOwner(row.text("id"), row.text("tenant_id"), frozenset(powers))

    def _powers_of(self, session: Session, api_key_id: str) -> frozenset[str]:
        row = find_key_powers(session, api_key_id)
        if row is None:
            return frozenset()
        return frozenset(stored_key_powers(row.string_list("scopes"), row.text("role")))

    def begin(self, caller: KeyOwner, key: str, fingerprint: str) -> Begin:
        """
        Claim a key for a request, or report what was recorded under it.

        Args:
            caller: The caller's API key.
            key: The idempotency key.
            fingerprint: The digest of method, path, query and body.

        Returns:
            The decision.
        """
        now = self._clock()
        digest = _digest(key)
        tenant_id = caller.tenant_id
        with self._db.session() as session:
            delete_expired_records(session, now - RECORD_TTL_S)
            row = find_record(session, tenant_id, digest)
            if row is None:
                insert_in_flight_record(
                    session,
                    tenant_id=tenant_id,
                    key_digest=digest,
                    fingerprint=fingerprint,
                    created_epoch=now,
                    origin_key_id=caller.api_key_id,
                )
                return Begin("execute", claim=self._claim(caller, key, fingerprint, now))
            if row.text("fingerprint") == fingerprint and row.text("state") == "resumable":
                # A crash interrupted an earlier attempt after its work committed: this
                # request takes the claim over and resumes that work.
                resume_record(session, tenant_id, digest)
                claim = self._claim(caller, key, fingerprint, row.real("created_epoch"))
                claim.resumed_resource_id = row.opt_text("resource_id")
                return Begin("execute", claim=claim)
            origin = row.opt_text("origin_key_id")
            lacking = (
                origin is not None
                and origin != caller.api_key_id
                and not self._powers_of(session, origin) <= caller.powers
            )
        if lacking:
            return Begin("forbidden")
        if row.text("fingerprint") != fingerprint:
            return Begin("mismatch")
        if row.text("state") != "complete":
            return Begin("in_flight")
        body = self._sealer.open(tenant_id, key, row.blob("body"))
        if body is None:
            return Begin("sealed")
        return Begin(
            "replay",
            status_code=row.integer("status_code"),
            content_type=row.opt_text("content_type"),
            body=body,
        )

    def _claim(self, caller: KeyOwner, key: str, fingerprint: str, created_epoch: float) -> Claim:
        return Claim(
            tenant_id=caller.tenant_id,
            origin_key_id=caller.api_key_id,
            key=key,
            key_digest=_digest(key),
            fingerprint=fingerprint,
            created_epoch=created_epoch,
            sealer=self._sealer,
        )

    def finish(
        self,
        claim: Claim,
        status_code: int,
        content_type: str | None,
        body: bytes,
        *,
        record: bool,
    ) -> None:
        """
        Settle a claim once its handler has answered.

        A handler that did work has already stored its answer with the work; what is
        left is an answer without work. Recorded answers (a 404, a 409) complete the
        claim; others (5xx, 401, 403, 422, 429) release it, so a retry runs afresh. A
        claim whose work committed but whose answer did not (``executed``) becomes
        ``resumable``, so a retry resumes it rather than running it again.

        Args:
            claim: The request's claim.
            status_code: The response status.
            content_type: The response's content type.
            body: The response body.
            record: Whether this answer is kept for replay.
        """
        with self._db.session() as session:
            if record:
                complete_in_flight_record(
                    session,
                    claim.tenant_id,
                    claim.key_digest,
                    status_code=status_code,
                    content_type=content_type,
                    sealed_body=self._sealer.seal(claim.tenant_id, claim.key, body),
                )
            else:
                delete_in_flight_record(session, claim.tenant_id, claim.key_digest)
            settle_executed_record(session, claim.tenant_id, claim.key_digest)


def _digest(key: str) -> str:
    # Records are found by the key's SHA-256, never by the key itself, which (with the
    # database's secret) seals the stored answer: see velerian_stub.store.sealing.
    return hashlib.sha256(key.encode()).hexdigest()


def _bearer(headers: Headers) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class IdempotencyMiddleware:
    """
    Replay, refuse or record mutating ``/api/`` requests that carry ``Idempotency-Key``.

    Args:
        app: The wrapped application.
        store: The records.
        route_table: The app's routes, to pass by requests that no route takes.
    """

    def __init__(self, app: ASGIApp, store: IdempotencyStore, route_table: RouteTable) -> None:
        self.app = app
        self.store = store
        self.route_table = route_table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        if (
            scope["type"] != "http"
            or scope["method"] not in _MUTATING
            or not str(scope["path"]).startswith("/api/")
            # A request no route takes (404, 405) is no operation: its key is not claimed.
            or not self.route_table.answers(scope)
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key")
        secret = _bearer(headers)
        # An invalid key is left to the route's header validation (422); an unknown API
        # key to authentication (401). Neither records anything.
        if key is None or not _KEY_RE.match(key) or secret is None:
            await self.app(scope, receive, send)
            return
        caller = await anyio.to_thread.run_sync(self.store.key_owner_for, secret)
        if caller is None:
            await self.app(scope, receive, send)
            return
        body, replay_receive = await _buffer_body(receive)
        digest = hashlib.sha256()
        for part in (
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
        ):
            digest.update(str(part).encode() + b"\n")
        digest.update(body)
        begin = await anyio.to_thread.run_sync(self.store.begin, caller, key, digest.hexdigest())
        if begin.claim is None:
            # A replay runs no route, so it meets the injected faults here. A refusal (409,
            # 422) does not: a fail-after on it would claim work that never ran.
            gate = fault_gate_of(scope) if begin.action == "replay" else None
            fault = None if gate is None else gate.refusal(caller.api_key_id)
            response = _refusal_or_replay(begin) if fault is None else _error_response(fault)
            await response(scope, receive, send)
            return
        await self._execute(
            {**scope, CLAIM_SCOPE_KEY: begin.claim}, replay_receive, send, begin.claim
        )

    async def _execute(self, scope: Scope, receive: Receive, send: Send, claim: Claim) -> None:
        messages: list[Message] = []

        async def hold(message: Message) -> None:
            # Held back until the record is settled: a client that retries the moment
            # it has the answer must find the record complete, not in flight.
            messages.append(message)

        try:
            await self.app(scope, receive, hold)
        except BaseException:
            # Shielded: even a cancelled request must release its claim on the key.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(
                    functools.partial(self.store.finish, claim, 500, None, b"", record=False)
                )
            raise
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        status_code = int(start["status"]) if start is not None else 500
        record = not (status_code >= 500 or status_code in _UNRECORDED or start is None)
        body = b"".join(
            bytes(m.get("body", b"")) for m in messages if m["type"] == "http.response.body"
        )
        content_type = None
        if start is not None:
            content_type = Headers(raw=list(start.get("headers", []))).get("content-type")
        await anyio.to_thread.run_sync(
            functools.partial(
                self.store.finish, claim, status_code, content_type, body, record=record
            )
        )
        for message in messages:
            await send(message)


async def _buffer_body(receive: Receive) -> tuple[bytes, Receive]:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(bytes(message.get("body", b"")))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _error_response(error: ApiError) -> Response:
    return JSONResponse({"detail": error.detail}, error.status_code, headers=error.headers)


def _refusal_or_replay(begin: Begin) -> Response:
    if begin.action == "mismatch":
        return JSONResponse(
            {
                "detail": [
                    {
                        "loc": ["header", "Idempotency-Key"],
                        "msg": "this Idempotency-Key was already used with a different request",
                        "type": "idempotency_key_reused",
                    }
                ]
            },
            status_code=422,
        )
    if begin.action == "in_flight":
        return JSONResponse(
            {"detail": "a request with this Idempotency-Key is still being processed"},
            status_code=409,
        )
    if begin.action == "forbidden":
        return JSONResponse(
            {
                "detail": "this Idempotency-Key was used by another API key of your tenant"
                " that may do more than yours: repeat the request with that key, or use"
                " another Idempotency-Key"
            },
            status_code=403,
        )
    if begin.action == "sealed":
        return JSONResponse(
            {
                "detail": "a request with this Idempotency-Key was already executed, but its"
                " stored answer was sealed under another secret (the database was moved"
                " without its .seal-key file) and cannot be replayed; it will not run again"
            },
            status_code=409,
        )
    headers = {REPLAYED_HEADER: "true"}
    if begin.content_type is not None:
        headers["content-type"] = begin.content_type
    return Response(begin.body, status_code=begin.status_code, headers=headers)
