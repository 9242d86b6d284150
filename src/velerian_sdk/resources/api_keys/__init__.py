"""``client.api_keys``: mint, list and revoke API keys."""

from ._async import AsyncApiKeys
from ._sync import ApiKeys

__all__ = ["ApiKeys", "AsyncApiKeys"]
