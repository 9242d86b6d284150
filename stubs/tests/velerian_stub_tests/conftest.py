"""Fixtures of the stub server's own tests (defined in ``support``)."""

from __future__ import annotations

from .support import api, clock, clocked_api, shared_stub

__all__ = ["api", "clock", "clocked_api", "shared_stub"]
