"""Models of approvals: invocations held for a human decision."""

from __future__ import annotations

from typing import Literal, TypeAlias

from .base import Timestamp, VelerianModel

__all__ = ["Approval", "ApprovalStatus"]

ApprovalStatus: TypeAlias = Literal["pending", "approved", "rejected"] | str
"""
An approval's state; an unknown new value still parses.

.. versionadded:: 0.2.0
"""


class Approval(VelerianModel):
    """
    A held invocation awaiting, or past, a human decision.

    Only ``id`` is always present; every other field is ``None`` (or an empty
    collection) when the API leaves it out.

    .. versionadded:: 0.2.0
    """

    id: str
    """The approval's id (``apr_...``)."""
    abp_id: str | None = None
    """The ABP that was invoked."""
    invocation_id: str | None = None
    """The held invocation."""
    status: ApprovalStatus | None = None
    """``pending``, ``approved`` or ``rejected``."""
    reason: str | None = None
    """Why the invocation was held."""
    created_at: Timestamp | None = None
    """When it was held."""
    decided_at: Timestamp | None = None
    """When it was decided, or ``None``."""
    decided_by_user_id: str | None = None
    """Who decided, or ``None``."""
    note: str | None = None
    """The decider's note, or ``None``."""
