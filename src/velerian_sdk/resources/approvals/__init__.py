"""``client.approvals``: invocations held for a human decision."""

from ._async import AsyncApprovals
from ._sync import Approvals

__all__ = ["Approvals", "AsyncApprovals"]
