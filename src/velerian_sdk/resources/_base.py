"""
The namespace base classes of both flavours, importable under one name each.

A topic's async module imports ``AsyncAPIResource`` from here; its generated sync twin
then imports ``APIResource`` from the same place.
"""

from ._resource_async import AsyncAPIResource
from ._resource_sync import APIResource

__all__ = ["APIResource", "AsyncAPIResource"]
