"""The request of ``client.usage``, built and checked without I/O."""

from __future__ import annotations

from .calls import ApiCall, check_count

__all__ = ["usage_summary"]


def usage_summary(*, evidence_limit: int | None, evidence_offset: int | None) -> ApiCall:
    """Build ``GET /api/v2/usage/summary``; omitted page arguments use the server's."""
    if evidence_limit is not None:
        check_count("evidence_limit", evidence_limit, minimum=1)
    if evidence_offset is not None:
        check_count("evidence_offset", evidence_offset, minimum=0)
    return ApiCall(
        "GET",
        "usage/summary",
        params={"evidence_limit": evidence_limit, "evidence_offset": evidence_offset},
    )
