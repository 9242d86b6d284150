"""
``python -m velerian_stub.openapi [--check] [PATH]``: write or check the API contract.

The command's public name; the code is :mod:`velerian_stub.harness.openapi`.
"""

from __future__ import annotations

from velerian_stub.harness.openapi import main, render_openapi

__all__ = ["main", "render_openapi"]

if __name__ == "__main__":
    raise SystemExit(main())
