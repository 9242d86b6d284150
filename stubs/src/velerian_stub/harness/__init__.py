"""
Ways to run the stub: command line, subprocess, thread, pytest plugin, demo, OpenAPI.

The top layer: it may import every layer below (``http``, ``service``, ``schemas``,
``store``), and nothing inside the package imports it.
"""

from __future__ import annotations

__all__: list[str] = []
