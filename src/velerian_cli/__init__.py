"""
``velerian``: the Velerian API from the command line, for operators and auditors.

Installed with the extra ``pip install 'velerian-sdk[cli]'``, which brings typer and
rich. Every command is a thin layer over :class:`velerian_sdk.VelerianClient`; this
package imports the SDK only through its public root. ``docs/cli.md`` documents the
commands and their exit statuses.
"""

import sys

__all__ = ["main"]

_EXTRA_MODULES = frozenset({"typer", "rich", "click", "shellingham"})


def main() -> None:
    """Run ``velerian``; without the ``cli`` extra, say how to install it and exit 1."""
    try:
        from ._app import run
    except ModuleNotFoundError as missing:
        package = (missing.name or "").partition(".")[0]
        if package not in _EXTRA_MODULES:
            raise
        sys.stderr.write(
            f"velerian: {package} is not installed; the command line needs its extra: "
            "pip install 'velerian-sdk[cli]'\n"
        )
        sys.exit(1)
    run()
