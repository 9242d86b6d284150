"""
Evidence exports: rendering packs to a file, storing it, and the links that fetch it.

An export is a snapshot file in the blob store plus a row. ``presigned`` delivery links
to the storage path with an HMAC signature (no API key); ``stream`` delivery links to
``/api/v2/exports/{export_id}/content`` (API key with ``evidence:read``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Literal

from velerian_stub.schemas.evidence import ExportDelivery, ExportFormat, ExportResponse
from velerian_stub.service.clock import format_epoch
from velerian_stub.service.context import StubContext
from velerian_stub.service.ids import new_id
from velerian_stub.store.database import Row
from velerian_stub.store.files import find_export_row, insert_export

__all__ = [
    "EVIDENCE_FORMAT",
    "EXPORT_MEDIA_TYPE",
    "ArtifactKind",
    "create_export",
    "export_response",
    "find_export",
    "presigned_url",
    "render_packs",
    "synthetic_content",
]

EVIDENCE_FORMAT = "velerian.evidence.v1"
ArtifactKind = Literal["invocation_evidence", "evidence_package"]
# Every export file is served as bytes, whatever its format: one operation has one
# decoding, and a generated client told "JSON" would parse a jsonl file (see
# docs/api/decisions.md, "Export files are bytes"). The format is the export's
# `format` and the extension of the file name in Content-Disposition.
EXPORT_MEDIA_TYPE = "application/octet-stream"


def render_packs(packs: Iterable[dict[str, object]], fmt: ExportFormat) -> Iterator[bytes]:
    """
    Render packs as an export file.

    Args:
        packs: Packs in chain order.
        fmt: ``json`` for ``{"format": "velerian.evidence.v1", "packs": [...]}``,
            ``jsonl`` for one pack per line.

    Yields:
        The file's bytes, in chunks.
    """
    if fmt == "json":
        document = {"format": EVIDENCE_FORMAT, "packs": list(packs)}
        yield json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        return
    for pack in packs:
        yield json.dumps(pack, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"


def synthetic_content(size_bytes: int) -> Iterator[bytes]:
    """
    Produce deterministic filler bytes: SHA-256 digests of a counter, truncated.

    The content never repeats within any practical size, so a download that resumes
    at the wrong offset cannot match the expected digest by accident.

    Args:
        size_bytes: How many bytes in all.

    Yields:
        Chunks of at most 1 MiB.
    """
    counter = 0
    remaining = size_bytes
    while remaining > 0:
        block = bytearray()
        while len(block) < min(remaining, 1 << 20):
            block += hashlib.sha256(counter.to_bytes(8, "big")).digest()
            counter += 1
        chunk = bytes(block[:remaining])
        remaining -= len(chunk)
        yield chunk


def create_export(
    ctx: StubContext,
    *,
    tenant_id: str,
    artifact_kind: ArtifactKind,
    fmt: ExportFormat,
    delivery: ExportDelivery,
    content: Iterable[bytes],
    now: float,
) -> Row:
    """
    Store an export file and its row.

    Args:
        ctx: The stub's context (blob store, database, link lifetime).
        tenant_id: The export's tenant.
        artifact_kind: What the file holds.
        fmt: Its format.
        delivery: How its link is served.
        content: The file's bytes.
        now: The current time in Unix seconds.

    Returns:
        The export's row.
    """
    export_id = new_id("exp_")
    stored = ctx.blobs.write("exports", export_id, content)
    with ctx.db.session() as session:
        insert_export(
            session,
            export_id=export_id,
            tenant_id=tenant_id,
            artifact_kind=artifact_kind,
            fmt=fmt,
            delivery=delivery,
            s3_key=f"exports/{tenant_id}/{export_id}.{fmt}",
            content_type=EXPORT_MEDIA_TYPE,
            size_bytes=stored.size_bytes,
            sha256=stored.sha256,
            created_at=format_epoch(now),
            expires_epoch=int(now) + ctx.config.presign_ttl_s,
        )
        row = find_export_row(session, export_id)
    assert row is not None
    return row


def find_export(ctx: StubContext, export_id: str, tenant_id: str | None = None) -> Row | None:
    """
    Look an export up, optionally only within one tenant.

    Args:
        ctx: The stub's context.
        export_id: The export.
        tenant_id: The caller's tenant; ``None`` for the storage path, where the
            signature alone grants access.

    Returns:
        The row, or ``None``.
    """
    with ctx.db.session() as session:
        row = find_export_row(session, export_id)
    if row is None or (tenant_id is not None and row.text("tenant_id") != tenant_id):
        return None
    return row


def presigned_url(ctx: StubContext, base_url: str, export_id: str, expires: int) -> str:
    """
    Build a presigned storage link to an export file.

    Args:
        ctx: The stub's context (signing key).
        base_url: The stub's origin, for example ``http://127.0.0.1:8787``.
        export_id: The export.
        expires: The link's expiry in Unix seconds.

    Returns:
        The absolute link.
    """
    return f"{base_url}/_storage/exports/{export_id}?{ctx.signer.query(export_id, expires)}"


def export_response(ctx: StubContext, row: Row, base_url: str) -> ExportResponse:
    """
    Describe a stored export and link to it according to its delivery.

    Args:
        ctx: The stub's context.
        row: The export's row.
        base_url: The stub's origin.

    Returns:
        The API's view of the export.
    """
    export_id = row.text("id")
    expires = row.integer("expires_epoch")
    delivery: ExportDelivery = "stream" if row.text("delivery") == "stream" else "presigned"
    if delivery == "stream":
        url = f"{base_url}/api/v2/exports/{export_id}/content"
    else:
        url = presigned_url(ctx, base_url, export_id, expires)
    kind: ArtifactKind = (
        "invocation_evidence"
        if row.text("artifact_kind") == "invocation_evidence"
        else "evidence_package"
    )
    fmt: ExportFormat = "jsonl" if row.text("format") == "jsonl" else "json"
    return ExportResponse(
        export_id=export_id,
        artifact_kind=kind,
        format=fmt,
        s3_key=row.text("s3_key"),
        download_url=url,
        expires_at=format_epoch(expires),
        delivery=delivery,
        size_bytes=row.integer("size_bytes"),
        sha256=row.text("sha256"),
    )
