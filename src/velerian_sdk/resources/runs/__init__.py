"""``client.runs``: network runs, listed, read, waited for, revised and shared."""

from ._async import AsyncRuns
from ._sync import Runs

__all__ = ["AsyncRuns", "Runs"]
