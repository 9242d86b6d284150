"""
``client.attachments`` on the asynchronous client: files for network runs.

This module is the source of the synchronous twin, which ``scripts/unasync.py``
generates.
"""

from __future__ import annotations

from .._core.calls import ApiCall, path_segment
from .._core.progress import ProgressCallback
from .._core.uploads import Source
from .._models.attachments import Attachment
from ._upload import upload_attachment
from .namespace import AsyncAPIResource

__all__ = ["AsyncAttachments"]


class AsyncAttachments(AsyncAPIResource):
    """
    Run attachments: ``client.attachments``.

    .. versionadded:: 0.2.0
    """

    async def retrieve(self, attachment_id: str) -> Attachment:
        """
        Read one attachment (``GET /api/v2/run-attachments/{attachment_id}``).

        Args:
            attachment_id: The attachment's id.

        Returns:
            The attachment; it can be used in ``attachment_ids`` once ``ready``.

        Raises:
            VelerianArgumentError: A bad id.
            VelerianNotFoundError: No such attachment in your tenant.
        """
        return await self._sender.fetch(retrieve_attachment(attachment_id), Attachment)

    async def upload(
        self,
        file: Source,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> Attachment:
        """
        Upload a file for a network run: register, send the bytes, finalize.

        The size and SHA-256 are computed first (the API registers them), then the
        bytes stream in chunks to the presigned upload link **without** the API key,
        and the upload is finalized. Pass the returned id in
        ``client.networks.invoke(..., attachment_ids=[attachment.id])``.

        Args:
            file: A path, bytes, or a binary file object (a file that cannot seek is
                first copied to a temporary file).
            filename: The registered name; by default the file's own name (required
                for bytes).
            content_type: The media type; guessed from the name by default.
            progress: Called with ``(bytes sent, bytes total)`` as chunks go out.

        Returns:
            The attachment, ``status == "ready"``.

        Raises:
            VelerianArgumentError: An unreadable path, a text-mode file, bytes
                without a ``filename``, or an upload link over plain http to a
                remote host (the storage host gets no key and none of the client's
                default headers either way).
            VelerianAPIError: Registering, uploading or finalizing failed.

        Example:
            ```python
            attachment = client.attachments.upload("claims.csv")
            run = client.networks.invoke(
                slug, prompt_text="Review these claims.", attachment_ids=[attachment.id]
            )
            ```
        """
        return await upload_attachment(
            self._sender, file, filename=filename, content_type=content_type, progress=progress
        )


def retrieve_attachment(attachment_id: object) -> ApiCall:
    """Build ``GET /api/v2/run-attachments/{attachment_id}``."""
    return ApiCall("GET", f"run-attachments/{path_segment('attachment_id', attachment_id)}")
