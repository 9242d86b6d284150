"""Models of API keys: minted, listed and revoked."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from velerian_stub.schemas.common import ApiModel, Instant, Page, Timestamp

__all__ = ["ApiKey", "ApiKeyPage", "CreateApiKeyRequest", "CreatedApiKey", "Role", "Scope"]

Scope = Literal["runs:read", "runs:write", "evidence:read", "audit:read", "read", "write"]
"""What a key may do; ``read`` and ``write`` stand for every ``*:read`` and ``*:write``."""

Role = Literal["owner", "admin", "member", "viewer"]
"""A user's role in a tenant, which bounds the scopes of every key they hold."""


class ApiKey(ApiModel):
    """An API key without its secret."""

    CONTRACT_REQUIRED = frozenset({"id"})

    id: str
    name: str
    prefix: str
    last_four: str
    scopes: list[Scope]
    created_at: Timestamp
    last_used_at: Timestamp | None
    expires_at: Timestamp | None
    revoked_at: Timestamp | None


class CreatedApiKey(ApiKey):
    """A key just minted: ``secret`` is shown this once and never again."""

    CONTRACT_REQUIRED = frozenset({"id", "secret"})

    secret: str


class ApiKeyPage(Page[ApiKey]):
    """A page of keys, revoked ones included."""


class CreateApiKeyRequest(ApiModel):
    """The body of a mint; the scopes may not exceed the minting key's."""

    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(min_length=1)
    expires_at: Instant | None = None
