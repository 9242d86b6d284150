"""Models of evidence exports: where to download an invocation's or an ABP's evidence."""

from __future__ import annotations

from typing import Literal, TypeAlias

from .base import Timestamp, VelerianModel

__all__ = ["ArtifactKind", "EvidenceExport", "ExportDelivery", "ExportFormat"]

ExportFormat: TypeAlias = Literal["json", "jsonl"] | str
"""
The file format of an evidence export; an unknown new value still parses.

.. versionadded:: 0.2.0
"""

ExportDelivery: TypeAlias = Literal["presigned", "stream"] | str
"""
How an export is fetched; an unknown new value still parses.

``presigned``: ``download_url`` is a time-limited storage link, fetched **without**
the API key. ``stream``: it is the API path ``/api/v2/exports/{export_id}/content``,
fetched **with** the key.

.. versionadded:: 0.2.0
"""

ArtifactKind: TypeAlias = Literal["invocation_evidence", "evidence_package"] | str
"""
What an export contains; an unknown new value still parses.

.. versionadded:: 0.2.0
"""


class EvidenceExport(VelerianModel):
    """
    An evidence export (``ExportResponse`` in the API).

    ``download_url`` is valid until ``expires_at``: download it promptly. The repr
    hides its query string, where a presigned signature lives.

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       A pydantic model; ``expires_at`` is an aware :class:`~datetime.datetime`;
       ``size_bytes`` and ``sha256`` added.
    """

    export_id: str
    """The export's id (``exp_...``)."""
    artifact_kind: ArtifactKind
    """``invocation_evidence`` or ``evidence_package``."""
    format: ExportFormat
    """``json`` or ``jsonl``."""
    s3_key: str
    """Where the file is stored."""
    download_url: str
    """Where to fetch it (see ``delivery``)."""
    expires_at: Timestamp
    """When ``download_url`` stops working."""
    delivery: ExportDelivery = "presigned"
    """``presigned`` or ``stream`` (see :data:`ExportDelivery`)."""
    size_bytes: int | None = None
    """The file's size, when the server states it."""
    sha256: str | None = None
    """The file's SHA-256 hex digest, when the server states it."""
