"""
The stub as an ASGI application: the app, its middleware, routes and request dependencies.

Routes turn requests into calls of ``service`` and answers into ``schemas`` models; no
SQL is written here.
"""

from __future__ import annotations

__all__: list[str] = []
