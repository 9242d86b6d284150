"""
``python -m velerian_stub.demo SCRIPT [ARGS...]``: run a script against a fresh stub.

The command's public name; the code is :mod:`velerian_stub.harness.demo`.
"""

from __future__ import annotations

from velerian_stub.harness.demo import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
