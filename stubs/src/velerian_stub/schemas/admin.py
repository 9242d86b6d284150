"""Models of the stub-only ``/_stub`` admin routes (not part of the API contract)."""

from __future__ import annotations

from pydantic import Field

from velerian_stub.schemas.api_keys import Role, Scope
from velerian_stub.schemas.common import ApiModel, Page, Timestamp
from velerian_stub.schemas.evidence import ExportDelivery, ExportFormat

__all__ = [
    "CreateTenantRequest",
    "CreateUserRequest",
    "CreatedTenant",
    "CreatedUser",
    "Execution",
    "ExecutionPage",
    "StubUser",
    "SyntheticExportRequest",
    "UpdateUserRequest",
]

_SLUG = r"^[a-z0-9][a-z0-9-]*$"


def _read_write() -> list[Scope]:
    return ["read", "write"]


class CreateTenantRequest(ApiModel):
    """Another tenant to create, with its owner, key, deployed ABP and network."""

    name: str = Field(default="Second tenant", min_length=1, max_length=100)
    network_slug: str = Field(default="claims-review", pattern=_SLUG, max_length=63)


class CreatedTenant(ApiModel):
    """The ids and owner key of a created tenant."""

    tenant_id: str
    owner_user_id: str
    api_key_id: str
    api_key: str
    abp_id: str
    draft_abp_id: str
    network_slug: str


class CreateUserRequest(ApiModel):
    """A user to add to the caller's tenant, with one key of the given scopes."""

    role: Role
    scopes: list[Scope] = Field(default_factory=_read_write, min_length=1)
    email: str | None = None


class CreatedUser(ApiModel):
    """A created user and their key's secret."""

    user_id: str
    role: Role
    api_key_id: str
    api_key: str


class UpdateUserRequest(ApiModel):
    """A role change."""

    role: Role


class StubUser(ApiModel):
    """A user and their current role."""

    user_id: str
    role: Role


class Execution(ApiModel):
    """One real execution of a mutating operation (replays are not executions)."""

    seq: int
    created_at: Timestamp
    method: str
    route: str
    resource_id: str
    idempotency_key: str | None
    request_id: str
    api_key_id: str


class ExecutionPage(Page[Execution]):
    """A page of executions, oldest first."""


class SyntheticExportRequest(ApiModel):
    """A synthetic export of deterministic filler bytes, for download tests."""

    size_bytes: int = Field(ge=0, le=4 * 1024**3)
    delivery: ExportDelivery = "presigned"
    format: ExportFormat = "jsonl"
