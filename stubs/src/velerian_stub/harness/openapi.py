"""
``python -m velerian_stub.openapi [--check] [PATH]``: write or check the API contract.

The contract (``docs/api/openapi.json``) is the stub app's OpenAPI 3.1 document with
sorted keys, two-space indent and a trailing newline. ``--check`` exits 1 and prints a
diff when the file differs from what the app generates.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from velerian_stub.http.app import create_app
from velerian_stub.service.config import StubConfig
from velerian_stub.service.context import context_of

__all__ = ["DEFAULT_PATH", "main", "render_openapi"]

DEFAULT_PATH = Path("docs/api/openapi.json")


def render_openapi() -> str:
    """
    Generate the contract text from a throwaway in-memory stub app.

    Returns:
        The OpenAPI JSON text, ending in a newline.
    """
    app = create_app(StubConfig(db_path=":memory:"))
    try:
        spec = app.openapi()
    finally:
        context_of(app).close()
    return json.dumps(spec, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the command.

    Args:
        argv: The arguments; ``sys.argv[1:]`` when ``None``.

    Returns:
        0, or 1 when ``--check`` finds a difference.
    """
    parser = argparse.ArgumentParser(
        prog="python -m velerian_stub.openapi",
        description="Write the stub app's OpenAPI contract, or check that it is current.",
    )
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument(
        "path", nargs="?", type=Path, default=DEFAULT_PATH, help="default %(default)s"
    )
    args = parser.parse_args(argv)
    path = Path(args.path)
    expected = render_openapi()
    if not args.check:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(expected, encoding="utf-8")
        return 0
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current == expected:
        return 0
    diff = difflib.unified_diff(
        current.splitlines(keepends=True),
        expected.splitlines(keepends=True),
        fromfile=str(path),
        tofile="generated",
    )
    sys.stdout.writelines(diff)
    sys.stdout.write(f"\n{path} is out of date: run python -m velerian_stub.openapi {path}\n")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
