"""The plain-row readers of both flavours, importable under one name each."""

from ._rows_async import AsyncRows
from ._rows_sync import Rows

__all__ = ["AsyncRows", "Rows"]
