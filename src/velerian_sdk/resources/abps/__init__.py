"""``client.abps``: agent blueprints, listed, read and invoked."""

from ._async import AsyncAbps
from ._sync import Abps

__all__ = ["Abps", "AsyncAbps"]
