"""``client.evidence``: evidence exports of invocations and ABPs."""

from ._async import AsyncEvidence
from ._sync import Evidence

__all__ = ["AsyncEvidence", "Evidence"]
