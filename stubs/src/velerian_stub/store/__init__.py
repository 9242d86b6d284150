"""
Storage: the SQLite database, its DDL, blobs, sealing, and every SQL statement.

Statements are functions taking the caller's open
:class:`~velerian_stub.store.database.Session`, so transactions stay with the caller.
The bottom layer: it imports nothing else of the stub, and only it imports ``sqlite3``.
"""

from __future__ import annotations

__all__: list[str] = []
