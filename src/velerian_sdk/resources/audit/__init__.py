"""``client.audit``: the tenant's audit log."""

from ._async import AsyncAudit
from ._sync import Audit

__all__ = ["AsyncAudit", "Audit"]
