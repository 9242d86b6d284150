"""
``client.attachments`` on the asynchronous client: files for network runs.

This module is the source of the synchronous twin, which ``scripts/unasync.py``
generates.
"""

from __future__ import annotations

from ..._models.attachments import Attachment
from .._base import AsyncAPIResource
from . import _requests

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
        return await self._fetch(_requests.retrieve_attachment(attachment_id), Attachment)
