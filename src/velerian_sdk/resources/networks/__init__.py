"""``client.networks``: governed runs of AgenticX networks."""

from ._async import AsyncNetworks
from ._sync import Networks

__all__ = ["AsyncNetworks", "Networks"]
