"""``client.attachments``: files for network runs."""

from ._async import AsyncAttachments
from ._sync import Attachments

__all__ = ["AsyncAttachments", "Attachments"]
