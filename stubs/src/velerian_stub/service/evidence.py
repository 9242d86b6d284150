"""
Evidence packs: building each pack, linking it into its scope's chain, reading runs of packs.

The hashing itself lives in :mod:`velerian_stub.service.chain`; this module decides what goes
into a pack and keeps the chain's order in the database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import cast

from velerian_stub.schemas.evidence import EvidencePackRow
from velerian_stub.service.chain import GENESIS_HASH, compute_chain_hash
from velerian_stub.service.clock import format_epoch
from velerian_stub.service.governance import Verdict
from velerian_stub.service.ids import new_id
from velerian_stub.store.database import Row, Session, dump_json
from velerian_stub.store.ledgers import (
    find_chain_tail,
    insert_evidence_pack,
    list_pack_bodies_by_ids,
    list_pack_bodies_since,
    page_evidence_packs,
)

__all__ = [
    "MODEL_ID",
    "StoredPack",
    "append_pack",
    "list_pack_rows",
    "pack_s3_key",
    "packs_by_ids",
    "packs_since",
    "sha256_text",
]

MODEL_ID = "velerian-stub-model-1"

EvidencePackJson = dict[str, object]


@dataclass(frozen=True)
class StoredPack:
    """
    A pack just written, with the facts callers need without digging in its JSON.

    Attributes:
        body: The complete pack, ``chain_hash`` included.
        id: The pack's id.
        sequence: Its position in its scope.
        chain_hash: Its chain hash.
        s3_key: Its object name in the evidence bucket.
    """

    body: EvidencePackJson
    id: str
    sequence: int
    chain_hash: str
    s3_key: str


def sha256_text(text: str) -> str:
    """
    Hash text the way packs record their input and output.

    Args:
        text: The text.

    Returns:
        The SHA-256 of its UTF-8 bytes in lower-case hex.
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pack_s3_key(tenant_id: str, chain_scope: str, sequence: int, pack_id: str) -> str:
    """
    Name a pack's object in the (notional) evidence bucket.

    Args:
        tenant_id: The pack's tenant.
        chain_scope: ``abp:<id>`` or ``network:<slug>``.
        sequence: The pack's position in its scope.
        pack_id: The pack's id.

    Returns:
        For example ``evidence/ten_…/abp/abp_…/00000001-evp_….json``.
    """
    kind, _, name = chain_scope.partition(":")
    return f"evidence/{tenant_id}/{kind}/{name}/{sequence:08d}-{pack_id}.json"


def append_pack(
    session: Session,
    *,
    tenant_id: str,
    chain_scope: str,
    verdict: Verdict,
    input_text: str,
    output_text: str | None,
    now: float,
    abp_id: str | None = None,
    invocation_id: str | None = None,
    run_id: str | None = None,
) -> StoredPack:
    """
    Write the next pack of a scope's chain.

    Args:
        session: The open transaction; the chain's tail is read and extended inside it,
            so two packs can never take the same sequence.
        tenant_id: The pack's tenant.
        chain_scope: ``abp:<abp_id>`` or ``network:<slug>``.
        verdict: The governance verdict.
        input_text: The governed input (payload JSON text or prompt).
        output_text: The released output; ignored when the verdict withholds it.
        now: The current time in Unix seconds.
        abp_id: The ABP, for invocations.
        invocation_id: The invocation, for ABP packs.
        run_id: The run, for network packs.

    Returns:
        The stored pack.
    """
    tail = find_chain_tail(session, tenant_id, chain_scope)
    sequence = 1 if tail is None else tail.integer("sequence") + 1
    prev_hash = GENESIS_HASH if tail is None else tail.text("chain_hash")
    pack_id = new_id("evp_")
    created_at = format_epoch(now)
    released = None if verdict.withheld or output_text is None else output_text
    pack: EvidencePackJson = {
        "id": pack_id,
        "chain_scope": chain_scope,
        "sequence": sequence,
        "prev_chain_hash": prev_hash,
        "tenant_id": tenant_id,
        "abp_id": abp_id,
        "invocation_id": invocation_id,
        "run_id": run_id,
        "created_at": created_at,
        "verdict": verdict.as_json(),
        "input_sha256": sha256_text(input_text),
        "output_sha256": None if released is None else sha256_text(released),
        "conditions": [condition.as_json() for condition in verdict.conditions],
        "model_id": MODEL_ID,
    }
    chain_hash = compute_chain_hash(prev_hash, pack)
    pack["chain_hash"] = chain_hash
    insert_evidence_pack(
        session,
        pack_id=pack_id,
        tenant_id=tenant_id,
        chain_scope=chain_scope,
        sequence=sequence,
        chain_hash=chain_hash,
        abp_id=abp_id,
        invocation_id=invocation_id,
        run_id=run_id,
        created_at=created_at,
        body_json=dump_json(pack),
    )
    return StoredPack(
        body=pack,
        id=pack_id,
        sequence=sequence,
        chain_hash=chain_hash,
        s3_key=pack_s3_key(tenant_id, chain_scope, sequence, pack_id),
    )


def _pack_of(row: Row) -> EvidencePackJson:
    return cast("EvidencePackJson", json.loads(row.text("body")))


def packs_since(
    session: Session, tenant_id: str, chain_scope: str, since: str
) -> list[EvidencePackJson]:
    """
    Read a scope's packs created at or after ``since``, in chain order.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        chain_scope: The scope.
        since: A timestamp in the API's format.

    Returns:
        The packs.
    """
    rows = list_pack_bodies_since(session, tenant_id, chain_scope, since)
    return [_pack_of(row) for row in rows]


def packs_by_ids(session: Session, tenant_id: str, pack_ids: list[str]) -> list[EvidencePackJson]:
    """
    Read specific packs of a tenant, in chain order.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        pack_ids: The packs wanted.

    Returns:
        The packs found.
    """
    rows = list_pack_bodies_by_ids(session, tenant_id, pack_ids)
    return [_pack_of(row) for row in rows]


def list_pack_rows(
    session: Session, tenant_id: str, limit: int, offset: int
) -> tuple[list[EvidencePackRow], int]:
    """
    List a tenant's packs for the usage summary, oldest first.

    Args:
        session: The open transaction.
        tenant_id: The tenant.
        limit: The page size.
        offset: How many packs to skip.

    Returns:
        The page of rows and the total number of packs.
    """
    rows, total = page_evidence_packs(session, tenant_id, limit=limit, offset=offset)
    items = [
        EvidencePackRow(
            id=row.text("id"),
            chain_scope=row.text("chain_scope"),
            sequence=row.integer("sequence"),
            abp_id=row.opt_text("abp_id"),
            invocation_id=row.opt_text("invocation_id"),
            run_id=row.opt_text("run_id"),
            created_at=row.text("created_at"),
            chain_hash=row.text("chain_hash"),
        )
        for row in rows
    ]
    return items, total
