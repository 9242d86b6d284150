"""
``client.evidence`` on the asynchronous client: evidence exports of invocations and ABPs.

This module is the source of the synchronous twin, which ``scripts/unasync.py``
generates.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence

from .._core.calls import ApiCall, optional_text, path_segment, timestamp
from .._core.errors import VelerianArgumentError
from .._core.evidence_chain import EvidenceVerification, verify_evidence
from .._core.progress import ProgressCallback
from .._core.transfers import Destination, DownloadedFile
from .._models.evidence import EvidenceExport, ExportDelivery, ExportFormat
from ._download import download_export
from .namespace import AsyncAPIResource

__all__ = ["AsyncEvidence"]


class AsyncEvidence(AsyncAPIResource):
    """
    Evidence exports: ``client.evidence``. Needs the ``evidence:read`` scope.

    .. versionadded:: 0.2.0
    """

    async def for_invocation(
        self,
        abp_id: str,
        invocation_id: str,
        *,
        format: ExportFormat | None = None,
        delivery: ExportDelivery | None = None,
    ) -> EvidenceExport:
        """
        Export the evidence of one invocation.

        ``GET /api/v2/abps/{abp_id}/invocations/{invocation_id}/evidence``.

        Args:
            abp_id: The ABP that was invoked.
            invocation_id: The invocation (``InvokeResult.invocation_id``).
            format: ``json`` or ``jsonl``; the server's default when omitted.
            delivery: ``presigned`` or ``stream``; the server's default when omitted.

        Returns:
            Where and until when to download the export.

        Raises:
            VelerianArgumentError: A bad id.
            VelerianNotFoundError: No such invocation in your tenant.
        """
        call = invocation_evidence(abp_id, invocation_id, format=format, delivery=delivery)
        return await self._sender.fetch(call, EvidenceExport)

    async def package(
        self,
        abp_id: str,
        *,
        since: dt.datetime | str,
        format: ExportFormat | None = None,
        delivery: ExportDelivery | None = None,
    ) -> EvidenceExport:
        """
        Export all of an ABP's evidence at or after ``since``.

        ``GET /api/v2/abps/{abp_id}/evidence-package``.

        Args:
            abp_id: The ABP.
            since: The earliest evidence to include: an aware ``datetime`` or an
                ISO-8601 string such as ``"2025-03-01T00:00:00Z"``.
            format: ``json`` or ``jsonl``; the server's default when omitted.
            delivery: ``presigned`` or ``stream``; the server's default when omitted.

        Returns:
            Where and until when to download the export.

        Raises:
            VelerianArgumentError: A bad id, a naive ``datetime`` or a string that is
                not ISO-8601.
            VelerianNotFoundError: No such ABP in your tenant.
        """
        call = evidence_package(abp_id, since=since, format=format, delivery=delivery)
        return await self._sender.fetch(call, EvidenceExport)

    async def download(
        self,
        export: EvidenceExport,
        to: Destination,
        *,
        progress: ProgressCallback | None = None,
    ) -> DownloadedFile:
        """
        Stream an export to a file in constant memory, checked and written atomically.

        The delivery rule is followed: a ``presigned`` link goes to storage **without**
        the API key, a ``stream`` link to the API **with** it. The bytes are written to
        a temporary file beside the target and renamed over it only once the size and
        SHA-256 the server stated check out, so a failed, interrupted or tampered
        download leaves nothing behind. A connection lost halfway restarts the download
        (up to ``max_retries`` times).

        Args:
            export: From :meth:`for_invocation` or :meth:`package`.
            to: A file path, a folder (the file is named ``<export_id>.<format>``), or
                a binary file object (written only after the checks pass).
            progress: Called with ``(bytes done, bytes total)`` as chunks arrive; see
                ``TqdmProgress`` for a progress bar.

        Returns:
            The path written (``None`` for a file object), the size and the SHA-256.

        Raises:
            VelerianExportExpiredError: The link has expired; ask for a fresh export.
            VelerianIntegrityError: The bytes do not match the stated size or hash;
                the download stops as soon as it passes the stated size.
            VelerianArgumentError: The destination cannot be written, the server's
                name for the file is not a plain file name (when ``to`` is a folder),
                or the link is plain http to a remote host.
            VelerianResponseTooLargeError: The server compressed a download that
                states no size, past the client's ``max_response_bytes``.
            VelerianResponseEncodingError: The server compressed the download other
                than with gzip or deflate, or the compressed stream is corrupt.
            VelerianConnectionError: The connection failed, retries included.

        Example:
            ```python
            export = client.evidence.for_invocation(abp_id, result.invocation_id)
            saved = client.evidence.download(export, "evidence.json")
            print(saved.sha256)
            ```
        """
        return await download_export(self._sender, export, to, progress=progress)

    def verify(
        self,
        source: str | os.PathLike[str] | bytes | DownloadedFile | Sequence[Mapping[str, object]],
        *,
        anchor: str | Mapping[str, str] | None = None,
        head: str | None = None,
    ) -> EvidenceVerification:
        """
        Verify downloaded evidence against its chain hashes, locally.

        The same check as ``velerian_sdk.verify_evidence``: every pack must hash to
        its ``chain_hash`` and link to the pack before it. Reads a local file; no
        request is sent.

        Args:
            source: What :meth:`download` returned, an export file (``json`` or
                ``jsonl``), its bytes, or decoded packs.
            anchor: The ``chain_hash`` the first pack must link to (or a mapping of
                scope to hash), for a package that starts mid-chain.
            head: The ``chain_hash`` the last pack must carry, e.g. the invoke's
                ``evidence_pack_chain_hash``.

        Returns:
            The verification; ``.ok`` is True when nothing is broken, ``.breaks``
            names each broken pack.

        Raises:
            VelerianArgumentError: The source is not evidence at all.
        """
        return verify_evidence(source, anchor=anchor, head=head)


def invocation_evidence(
    abp_id: object, invocation_id: object, *, format: object, delivery: object
) -> ApiCall:
    """Build ``GET /api/v2/abps/{abp_id}/invocations/{invocation_id}/evidence``."""
    path = (
        f"abps/{path_segment('abp_id', abp_id)}"
        f"/invocations/{path_segment('invocation_id', invocation_id)}/evidence"
    )
    return ApiCall("GET", path, params=_export_params(format, delivery))


def evidence_package(abp_id: object, *, since: object, format: object, delivery: object) -> ApiCall:
    """Build ``GET /api/v2/abps/{abp_id}/evidence-package``; ``since`` is required."""
    since_text = timestamp("since", since)
    if since_text is None:
        msg = "since is required: the package holds the ABP's evidence at or after it"
        raise VelerianArgumentError(msg)
    return ApiCall(
        "GET",
        f"abps/{path_segment('abp_id', abp_id)}/evidence-package",
        params={"since": since_text, **_export_params(format, delivery)},
    )


def _export_params(format: object, delivery: object) -> dict[str, str | None]:
    return {
        "format": optional_text("format", format),
        "delivery": optional_text("delivery", delivery),
    }
