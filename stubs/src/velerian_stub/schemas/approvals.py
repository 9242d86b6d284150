"""Models of approvals: invocations held for a human decision."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from velerian_stub.schemas.common import ApiModel, Page, Timestamp

__all__ = ["Approval", "ApprovalDecision", "ApprovalPage", "ApprovalStatus"]

ApprovalStatus = Literal["pending", "approved", "rejected"]


class Approval(ApiModel):
    """A held invocation awaiting (or past) a human decision."""

    CONTRACT_REQUIRED = frozenset({"id"})

    id: str
    abp_id: str
    invocation_id: str
    status: ApprovalStatus
    reason: str
    created_at: Timestamp
    decided_at: Timestamp | None
    decided_by_user_id: str | None
    note: str | None


class ApprovalPage(Page[Approval]):
    """A page of approvals."""


class ApprovalDecision(ApiModel):
    """The optional body of an approve or reject."""

    note: str | None = Field(default=None, max_length=2000)
