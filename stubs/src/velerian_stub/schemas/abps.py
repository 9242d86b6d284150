"""Models of agent blueprints (ABPs) and their governed invocations."""

from __future__ import annotations

from typing import Literal

from pydantic import JsonValue

from velerian_stub.schemas.common import ApiModel, Page, Timestamp

__all__ = [
    "Abp",
    "AbpPage",
    "AbpStatus",
    "AggregatedCondition",
    "InvokeOutput",
    "InvokeRequest",
    "InvokeResponse",
]

AbpStatus = Literal["draft", "deployed", "archived"]


class Abp(ApiModel):
    """An agent blueprint; only a ``deployed`` one can be invoked."""

    CONTRACT_REQUIRED = frozenset({"id", "name", "status"})

    id: str
    name: str
    description: str | None
    status: AbpStatus
    version: int
    created_at: Timestamp
    updated_at: Timestamp
    deployed_at: Timestamp | None


class AbpPage(Page[Abp]):
    """A page of ABPs."""


class InvokeRequest(ApiModel):
    """The body of an ABP invocation."""

    payload: dict[str, JsonValue]


class AggregatedCondition(ApiModel):
    """One governance constraint and how it evaluated."""

    CONTRACT_REQUIRED = frozenset[str]()

    constraint: str
    result: Literal["pass", "fail", "hold"]
    message: str


class InvokeOutput(ApiModel):
    """The model output released by an allowed invocation."""

    text: str


class InvokeResponse(ApiModel):
    """The governed result of one ABP invocation, with its evidence pack."""

    CONTRACT_REQUIRED = frozenset(
        {"invocation_id", "outcome", "is_allowed", "requires_human", "withheld"}
    )

    invocation_id: str
    outcome: Literal["allowed", "denied", "held"]
    is_allowed: bool
    requires_human: bool
    withheld: bool
    constraint_count: int
    aggregated_conditions: list[AggregatedCondition]
    output: InvokeOutput | None
    approval_id: str | None
    evidence_pack_id: str | None
    evidence_pack_s3_key: str | None
    evidence_pack_chain_hash: str | None
    model_error: str | None
