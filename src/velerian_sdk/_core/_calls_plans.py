"""The request of ``client.plans``, built and checked without I/O."""

from __future__ import annotations

from .calls import ApiCall, page_params

__all__ = ["list_plans"]


def list_plans(*, limit: int, offset: int) -> ApiCall:
    """Build ``GET /api/v2/plans``."""
    return ApiCall("GET", "plans", params=page_params(limit, offset))
