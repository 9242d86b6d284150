"""``client.usage``: the tenant's usage summary."""

from ._async import AsyncUsage
from ._sync import Usage

__all__ = ["AsyncUsage", "Usage"]
