"""
The statements on ``idempotency_records``: one row per (tenant, idempotency-key digest).

A record moves ``in_flight`` -> ``complete``, or ``in_flight`` -> ``executed`` ->
``complete``; a start after a crash drops ``in_flight`` rows and turns ``executed`` ones
``resumable``. Every function runs in the caller's transaction.
"""

from __future__ import annotations

from velerian_stub.store.database import Row, Session

__all__ = [
    "complete_in_flight_record",
    "delete_expired_records",
    "delete_in_flight_record",
    "find_record",
    "insert_in_flight_record",
    "mark_record_executed",
    "resume_record",
    "settle_executed_record",
    "settle_interrupted_records",
    "upsert_complete_record",
]


def find_record(session: Session, tenant_id: str, key_digest: str) -> Row | None:
    """
    Read one record.

    Args:
        session: The open transaction.
        tenant_id: The tenant that owns it.
        key_digest: The SHA-256 of its idempotency key.

    Returns:
        The whole row, or ``None``.
    """
    return session.one(
        "SELECT * FROM idempotency_records WHERE tenant_id = ? AND idempotency_key = ?",
        (tenant_id, key_digest),
    )


def delete_expired_records(session: Session, created_before: float) -> None:
    """
    Drop every record created before an instant.

    Args:
        session: The open transaction.
        created_before: The cut-off, in Unix seconds.
    """
    session.execute("DELETE FROM idempotency_records WHERE created_epoch < ?", (created_before,))


def insert_in_flight_record(
    session: Session,
    *,
    tenant_id: str,
    key_digest: str,
    fingerprint: str,
    created_epoch: float,
    origin_key_id: str,
) -> None:
    """
    Claim a key: a new record in state ``in_flight``.

    Args:
        session: The open transaction.
        tenant_id: The tenant that owns it.
        key_digest: The SHA-256 of the idempotency key.
        fingerprint: The digest of method, path, query and body.
        created_epoch: When it is claimed.
        origin_key_id: The API key that made it.
    """
    session.execute(
        "INSERT INTO idempotency_records (tenant_id, idempotency_key, fingerprint,"
        " state, created_epoch, origin_key_id) VALUES (?, ?, ?, 'in_flight', ?, ?)",
        (tenant_id, key_digest, fingerprint, created_epoch, origin_key_id),
    )


def resume_record(session: Session, tenant_id: str, key_digest: str) -> None:
    """
    Take over a ``resumable`` record: it becomes ``executed`` again.

    Args:
        session: The open transaction.
        tenant_id: The tenant that owns it.
        key_digest: The SHA-256 of its idempotency key.
    """
    session.execute(
        "UPDATE idempotency_records SET state = 'executed'"
        " WHERE tenant_id = ? AND idempotency_key = ?",
        (tenant_id, key_digest),
    )


def upsert_complete_record(
    session: Session,
    *,
    tenant_id: str,
    key_digest: str,
    fingerprint: str,
    status_code: int,
    content_type: str | None,
    sealed_body: bytes,
    created_epoch: float,
    resource_id: str | None,
    origin_key_id: str,
) -> None:
    """
    Store a record's answer and mark it ``complete``, creating the row if it is missing.

    Args:
        session: The open transaction (the one that did the work).
        tenant_id: The tenant that owns it.
        key_digest: The SHA-256 of the idempotency key.
        fingerprint: The digest of method, path, query and body.
        status_code: The answer's status.
        content_type: Its content type.
        sealed_body: Its body, already sealed.
        created_epoch: When the key was first claimed.
        resource_id: What an interrupted earlier attempt created, if any.
        origin_key_id: The API key that made the record.
    """
    session.execute(
        "INSERT INTO idempotency_records (tenant_id, idempotency_key, fingerprint, state,"
        " status_code, content_type, body, created_epoch, resource_id, origin_key_id)"
        " VALUES (?, ?, ?, 'complete', ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (tenant_id, idempotency_key) DO UPDATE SET state = 'complete',"
        " status_code = excluded.status_code, content_type = excluded.content_type,"
        " body = excluded.body",
        (
            tenant_id,
            key_digest,
            fingerprint,
            status_code,
            content_type,
            sealed_body,
            created_epoch,
            resource_id,
            origin_key_id,
        ),
    )


def mark_record_executed(
    session: Session, tenant_id: str, key_digest: str, resource_id: str
) -> None:
    """
    Mark a record ``executed``, naming what its work created.

    Args:
        session: The open transaction (the one that did the work).
        tenant_id: The tenant that owns it.
        key_digest: The SHA-256 of its idempotency key.
        resource_id: The id of what the work created.
    """
    session.execute(
        "UPDATE idempotency_records SET state = 'executed', resource_id = ?"
        " WHERE tenant_id = ? AND idempotency_key = ?",
        (resource_id, tenant_id, key_digest),
    )


def complete_in_flight_record(
    session: Session,
    tenant_id: str,
    key_digest: str,
    *,
    status_code: int,
    content_type: str | None,
    sealed_body: bytes,
) -> None:
    """
    Store the answer of a record still ``in_flight`` and mark it ``complete``.

    Args:
        session: The open transaction.
        tenant_id: The tenant that owns it.
        key_digest: The SHA-256 of its idempotency key.
        status_code: The answer's status.
        content_type: Its content type.
        sealed_body: Its body, already sealed.
    """
    session.execute(
        "UPDATE idempotency_records SET state = 'complete', status_code = ?,"
        " content_type = ?, body = ?"
        " WHERE tenant_id = ? AND idempotency_key = ? AND state = 'in_flight'",
        (status_code, content_type, sealed_body, tenant_id, key_digest),
    )


def delete_in_flight_record(session: Session, tenant_id: str, key_digest: str) -> None:
    """
    Drop a record that is still ``in_flight``.

    Args:
        session: The open transaction.
        tenant_id: The tenant that owns it.
        key_digest: The SHA-256 of its idempotency key.
    """
    session.execute(
        "DELETE FROM idempotency_records"
        " WHERE tenant_id = ? AND idempotency_key = ? AND state = 'in_flight'",
        (tenant_id, key_digest),
    )


def settle_executed_record(session: Session, tenant_id: str, key_digest: str) -> None:
    """
    Turn a record left ``executed`` (work committed, answer not) ``resumable``.

    Args:
        session: The open transaction.
        tenant_id: The tenant that owns it.
        key_digest: The SHA-256 of its idempotency key.
    """
    session.execute(
        "UPDATE idempotency_records SET state = 'resumable'"
        " WHERE tenant_id = ? AND idempotency_key = ? AND state = 'executed'",
        (tenant_id, key_digest),
    )


def settle_interrupted_records(session: Session) -> None:
    """
    At start, drop every ``in_flight`` record and turn every ``executed`` one ``resumable``.

    Args:
        session: The start-up transaction.
    """
    session.execute("DELETE FROM idempotency_records WHERE state = 'in_flight'")
    session.execute("UPDATE idempotency_records SET state = 'resumable' WHERE state = 'executed'")
