"""Models of the audit log."""

from __future__ import annotations

from typing import Literal, TypeAlias

from pydantic import Field

from .._core.calls import JSONObject
from .base import Timestamp, VelerianModel

__all__ = ["AuditAction", "AuditLogEntry"]

AuditAction: TypeAlias = (
    Literal[
        "abp.invoke",
        "network.invoke",
        "api_key.create",
        "api_key.revoke",
        "approval.approve",
        "approval.reject",
        "attachment.finalize",
        "run.revise",
        "run.share",
    ]
    | str
)
"""
What an audit entry records; an action added by a newer server still parses.

.. versionadded:: 0.2.0
"""


class AuditLogEntry(VelerianModel):
    """
    One recorded action.

    Only ``id``, ``created_at`` and ``action`` are always present; every other field is
    ``None`` (or an empty collection) when the API leaves it out.

    .. versionadded:: 0.2.0
    """

    id: str
    """The entry's id (``aud_...``)."""
    created_at: Timestamp
    """When the action happened."""
    action: AuditAction
    """What happened, e.g. ``abp.invoke`` (see :data:`AuditAction`)."""
    actor_user_id: str | None = None
    """The user who acted, if any."""
    actor_api_key_id: str | None = None
    """The key used, if recorded."""
    resource_kind: str | None = None
    """The kind of resource acted on, e.g. ``abp``."""
    resource_id: str | None = None
    """Its id."""
    metadata: JSONObject = Field(default_factory=dict)
    """Details of the action."""
    request_id: str | None = None
    """The request's ``x-request-id``, if recorded."""
    traceparent: str | None = None
    """
    The W3C ``traceparent`` the request carried, if the API recorded one.

    .. versionadded:: 0.3.0
    """

    @property
    def trace_id(self) -> str | None:
        """
        The trace id of :attr:`traceparent` (32 hex digits), to find the caller's trace.

        .. versionadded:: 0.3.0
        """
        if self.traceparent is None:
            return None
        parts = self.traceparent.split("-")
        return parts[1] if len(parts) >= 4 and len(parts[1]) == 32 else None
