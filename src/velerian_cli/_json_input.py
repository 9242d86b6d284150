"""Read a JSON object given on the command line: inline, ``@file.json`` or ``@-``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import cast

from ._exit_status import ExitStatus
from ._scope import CommandError

__all__ = ["read_json_object"]


def read_json_object(text: str, option: str) -> dict[str, object]:
    """
    Parse an option's JSON object: the text itself, ``@PATH`` for a file, ``@-`` for stdin.

    Args:
        text: The option's value.
        option: Its name, for messages.

    Returns:
        The object.

    Raises:
        CommandError: An unreadable file, text that is not JSON, or JSON that is not an
            object; the message says which and how to fix it.
    """
    source = ""
    if text.startswith("@"):
        name = text[1:]
        source = "stdin" if name == "-" else name
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            msg = f"{option}: cannot read {source}: {reason or error}"
            raise CommandError(msg, ExitStatus.USAGE) from None
    try:
        value: object = json.loads(text)
    except (ValueError, RecursionError) as error:
        where = ""
        if isinstance(error, json.JSONDecodeError):
            where = f" at line {error.lineno} column {error.colno} ({error.msg})"
        msg = (
            f"{option}{': ' + source if source else ''} is not valid JSON{where}; "
            f"""pass an object such as '{{"prompt": "..."}}' or @file.json"""
        )
        raise CommandError(msg, ExitStatus.USAGE) from None
    if not isinstance(value, dict):
        msg = f"{option} must be a JSON object ({{...}}), got a {type(value).__name__}"
        raise CommandError(msg, ExitStatus.USAGE)
    return cast("dict[str, object]", value)
