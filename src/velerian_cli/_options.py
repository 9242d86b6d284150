"""The options every command takes, and the help text every command ends with."""

from typing import Annotated

import typer

from ._exit_status import EXIT_STATUS_HELP

__all__ = ["DebugOption", "JsonOption", "epilog"]

JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print JSON for scripts (JSON lines for streams)."),
]
DebugOption = Annotated[
    bool,
    typer.Option("--debug", help="On failure, also print the traceback (keys redacted)."),
]


def epilog(*examples: str) -> str:
    r"""
    Give a command's help footer: its examples, then the exit statuses.

    Args:
        examples: Command lines, shown one per line.

    Returns:
        The footer text (click keeps its paragraphs; ``\b`` stops rewrapping).
    """
    lines = "\n".join(f"  $ {example}" for example in examples)
    return f"\b\nExample:\n{lines}\n\n{EXIT_STATUS_HELP} (docs/cli.md)."
