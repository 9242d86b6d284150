"""Models of API keys: as listed, and as minted (with the secret, shown once)."""

from __future__ import annotations

from typing import Literal, TypeAlias, cast

from pydantic import Field, FieldSerializationInfo, SecretStr, field_serializer

from .base import Timestamp, VelerianModel

__all__ = ["ApiKey", "ApiKeyScope", "CreatedApiKey"]

ApiKeyScope: TypeAlias = (
    Literal["runs:read", "runs:write", "evidence:read", "audit:read", "read", "write"] | str
)
"""
A key's scope. ``read`` grants every ``*:read`` scope, ``write`` every ``*:write``
one; ``write`` does not imply ``read``. An unknown new scope still parses.

.. versionadded:: 0.2.0
"""


class ApiKey(VelerianModel):
    """
    An API key as listed: never its secret.

    Only ``id`` is always present; every other field is ``None`` (or an empty
    collection) when the API leaves it out.

    .. versionadded:: 0.2.0
    """

    id: str
    """The key's id (``key_...``), for :meth:`api_keys.revoke`."""
    name: str | None = None
    """Its name."""
    prefix: str | None = None
    """The start of the secret (``vk_live_``)."""
    last_four: str | None = None
    """The last four characters of the secret."""
    scopes: list[ApiKeyScope] = Field(default_factory=list)
    """What it may do."""
    created_at: Timestamp | None = None
    """When it was minted."""
    last_used_at: Timestamp | None = None
    """When it was last used, or ``None``."""
    expires_at: Timestamp | None = None
    """When it expires, or ``None`` for never."""
    revoked_at: Timestamp | None = None
    """When it was revoked, or ``None``."""


class CreatedApiKey(ApiKey):
    """
    A key just minted, with its secret: the only time the secret is ever shown.

    ``secret`` is a :class:`pydantic.SecretStr`: it prints as ``**********`` in
    reprs, ``str()``, logs, :meth:`to_dict`, :meth:`to_json` and :attr:`raw`. Read
    it with ``key.secret.get_secret_value()`` and store it somewhere safe at once;
    ``to_json(reveal_secrets=True)`` includes it when you mean to.

    Only ``id`` and ``secret`` are always present; every other field is ``None`` (or an
    empty collection) when the API leaves it out.

    .. versionadded:: 0.2.0
    """

    secret: SecretStr
    """The full key (``vk_live_...``)."""

    @field_serializer("secret")
    def _serialize_secret(self, secret: SecretStr, info: FieldSerializationInfo) -> str:
        context = cast("object", info.context)
        if isinstance(context, dict) and cast("dict[str, object]", context).get("reveal_secrets"):
            return secret.get_secret_value()
        return str(secret)
