"""``python -m velerian_stub``: the same as the ``velerian-stub`` command."""

from __future__ import annotations

from velerian_stub.harness.cli import main

raise SystemExit(main())
