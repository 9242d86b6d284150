"""
Local models of the benchmarked responses, shaped like the SDK's own.

Until the SDK's typed namespaces exist, the SDK contenders validate with these models
through ``client._parse``, which is the very step a typed call performs. They mirror
the SDK's model configuration: unknown fields kept, frozen, aware timestamps.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, TypeAlias

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue

__all__ = ["Abp", "AuditLogEntry", "AuditPage", "InvokeResponse"]


def _assume_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


Timestamp: TypeAlias = Annotated[dt.datetime, AfterValidator(_assume_utc)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, protected_namespaces=())


class Abp(_Model):
    """``GET /api/v2/abps/{abp_id}``."""

    id: str
    name: str
    description: str | None = None
    status: Literal["draft", "deployed", "archived"] | str
    version: int
    created_at: Timestamp
    updated_at: Timestamp
    deployed_at: Timestamp | None = None


class Condition(_Model):
    """One governance condition of an invoke."""

    constraint: str
    result: Literal["pass", "fail", "hold"] | str
    message: str


class InvokeOutput(_Model):
    """The model's answer to an allowed invoke."""

    text: str


class InvokeResponse(_Model):
    """``POST /api/v2/abps/{abp_id}/invoke``."""

    invocation_id: str
    outcome: Literal["allowed", "denied", "held"] | str
    is_allowed: bool
    requires_human: bool
    withheld: bool
    constraint_count: int
    aggregated_conditions: list[Condition]
    output: InvokeOutput | None = None
    approval_id: str | None = None
    evidence_pack_id: str | None = None
    evidence_pack_s3_key: str | None = None
    evidence_pack_chain_hash: str | None = None
    model_error: str | None = None


class AuditLogEntry(_Model):
    """One audit-log entry."""

    id: str
    created_at: Timestamp
    action: str
    actor_user_id: str | None = None
    actor_api_key_id: str | None = None
    resource_kind: str
    resource_id: str
    metadata: dict[str, JsonValue] = Field(default_factory=dict)
    request_id: str | None = None


class AuditPage(_Model):
    """``GET /api/v2/audit-log``: one page."""

    items: list[AuditLogEntry]
    limit: int | None = None
    offset: int | None = None
    total: int | None = None
