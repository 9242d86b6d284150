"""
The stub's ``VELERIAN_*`` variables as POSIX shell lines: formatted and parsed.

The command prints ``export NAME=value`` lines (values quoted for the shell when they
need it), so a person can paste them into a shell or source a file of them (see
:mod:`velerian_stub.harness.env_file`), and the variables reach the programs that shell starts.
:class:`~velerian_stub.harness.process.StubProcess` reads the same lines back.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path

__all__ = ["format_env_lines", "parse_env_line", "source_command"]


def format_env_lines(env: Mapping[str, str]) -> str:
    """
    Turn variables into ``export NAME=value`` lines, one per variable.

    Args:
        env: The variables, in the order to print them.

    Returns:
        The lines, each ending in a newline.
    """
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in env.items())


def parse_env_line(line: str) -> tuple[str, str] | None:
    """
    Read one ``export NAME=value`` line (a bare ``NAME=value`` is accepted too).

    Args:
        line: A line of the stub's output.

    Returns:
        The name and the unquoted value, or ``None`` for any other line.
    """
    try:
        words = shlex.split(line)
    except ValueError:  # an unbalanced quote: not one of ours
        return None
    if len(words) == 2 and words[0] == "export":
        words = words[1:]
    if len(words) != 1:
        return None
    name, sep, value = words[0].partition("=")
    return (name, value) if sep and name else None


def source_command(path: Path) -> str:
    """
    The shell command that loads an env file, for example ``. ./velerian.env``.

    Args:
        path: The file, as the user gave it.

    Returns:
        The command, with the path quoted for the shell.
    """
    text = str(path)
    # `. name` looks the name up on PATH in a POSIX shell (dash, sh); `./name` is this file.
    if "/" not in text and os.sep not in text:
        text = f"./{text}"
    return f". {shlex.quote(text)}"
