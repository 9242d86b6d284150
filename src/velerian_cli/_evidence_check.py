"""
Verify an evidence file offline, and say in words which link breaks and why.

``velerian_sdk.verify_evidence`` checks the chain. A file that is not whole JSON (cut
short, or a line altered past parsing) is read line by line here, so the lines that
survive are still verified and the broken line is named.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from velerian_sdk import ChainBreak, JSONValue, VelerianArgumentError, verify_evidence

from ._exit_status import ExitStatus
from ._scope import CommandError

__all__ = ["FileCheck", "check_evidence_file", "parse_anchor", "parse_hash"]

_HASH = re.compile(r"[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class FileCheck:
    """
    The verdict on one evidence file.

    Attributes:
        path: The file.
        packs_checked: How many packs were read.
        scopes: The chain scopes seen.
        head_hashes: The last chain hash of each scope (for ``--anchor`` next time).
        problems: Every problem, in file order; empty when the file is intact.
    """

    path: Path
    packs_checked: int
    scopes: tuple[str, ...]
    head_hashes: Mapping[str, str]
    problems: tuple[str, ...]

    @property
    def intact(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def as_json(self) -> dict[str, JSONValue]:
        """The verdict as one JSON document."""
        return {
            "file": str(self.path),
            "intact": self.intact,
            "packs_checked": self.packs_checked,
            "scopes": list(self.scopes),
            "head_hashes": dict(self.head_hashes),
            "problems": list(self.problems),
        }


def parse_hash(text: str, option: str) -> str:
    """
    Check a chain hash given on the command line.

    Args:
        text: What was given.
        option: The option's name, for the message.

    Returns:
        The hash in lower case.

    Raises:
        CommandError: It is not 64 hex digits.
    """
    if not _HASH.fullmatch(text):
        msg = f"{option} must be a chain hash of 64 hex digits, got {text!r}"
        raise CommandError(msg, ExitStatus.USAGE)
    return text.lower()


def parse_anchor(values: Sequence[str]) -> str | dict[str, str] | None:
    """
    Read ``--anchor``: one hash, or ``SCOPE=HASH`` once per chain scope.

    Args:
        values: Each ``--anchor`` given.

    Returns:
        What ``verify_evidence(anchor=...)`` takes.

    Raises:
        CommandError: A malformed hash, or a bare hash mixed with scoped ones.
    """
    if not values:
        return None
    if len(values) == 1 and "=" not in values[0]:
        return parse_hash(values[0], "--anchor")
    anchors: dict[str, str] = {}
    for value in values:
        scope, sep, digest = value.rpartition("=")
        if not sep or not scope:
            msg = f"with several --anchor values, each must be SCOPE=HASH, got {value!r}"
            raise CommandError(msg, ExitStatus.USAGE)
        anchors[scope] = parse_hash(digest, "--anchor")
    return anchors


def check_evidence_file(
    path: Path, *, anchor: str | Mapping[str, str] | None, head: str | None
) -> FileCheck:
    """
    Verify one evidence file (``json`` or ``jsonl`` export), reading nothing but it.

    Args:
        path: The file.
        anchor: The hash the first pack must link to (or one per scope).
        head: The hash the last pack must carry.

    Returns:
        The verdict.

    Raises:
        CommandError: The file cannot be read at all (a usage error, not a verdict).
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        msg = f"cannot read {path}: {error.strerror or error}"
        raise CommandError(msg, ExitStatus.USAGE) from None
    packs, problems = _decode(data)
    try:
        result = verify_evidence(packs, anchor=anchor, head=head)
    except VelerianArgumentError as error:
        problems.append(f"not evidence: {error}")
        return FileCheck(path, 0, (), {}, tuple(problems))
    breaks: Sequence[ChainBreak] = result.breaks
    problems.extend(str(problem) for problem in breaks)
    if not packs and not problems:
        problems.append("the file holds no evidence packs")
    return FileCheck(path, result.packs_checked, result.scopes, result.head_hashes, tuple(problems))


def _decode(data: bytes) -> tuple[list[Mapping[str, object]], list[str]]:
    """The packs of an export file, and what could not be read as one."""
    if not data.strip():
        return [], []
    try:
        document: object = json.loads(data)
    except (ValueError, RecursionError) as whole_error:
        lines = data.splitlines()
        if len(lines) <= 1:
            return [], [_not_json("the file", whole_error, len(data), last=True)]
        return _decode_lines(lines, cut=not data.endswith(b"\n"))
    if isinstance(document, dict):
        body = cast("dict[str, object]", document)
        document = body.get("packs", [body])
    if not isinstance(document, list):
        return [], ['not evidence: expected a pack, a list of packs or {"packs": [...]}']
    packs: list[Mapping[str, object]] = []
    problems: list[str] = []
    for index, item in enumerate(cast("list[object]", document)):
        if isinstance(item, dict):
            packs.append(cast("dict[str, object]", item))
        else:
            problems.append(f"item #{index} is not a pack (a JSON object)")
    return packs, problems


def _decode_lines(lines: list[bytes], *, cut: bool) -> tuple[list[Mapping[str, object]], list[str]]:
    packs: list[Mapping[str, object]] = []
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item: object = json.loads(line)
        except (ValueError, RecursionError) as error:
            last = cut and number == len(lines)
            problems.append(_not_json(f"line {number}", error, len(line), last=last))
            continue
        if isinstance(item, dict):
            packs.append(cast("dict[str, object]", item))
        else:
            problems.append(f"line {number} is not a pack (a JSON object)")
    return packs, problems


def _not_json(where: str, error: Exception, size: int, *, last: bool) -> str:
    """Say why some text is not JSON: cut short (it ends mid-value) or altered."""
    ends_early = isinstance(error, json.JSONDecodeError) and (
        error.pos >= size - 1 or error.msg.startswith("Unterminated")
    )
    if last and ends_early:
        return f"{where} ends in the middle of a pack: the file was cut short"
    if isinstance(error, json.JSONDecodeError):
        return f"{where} is not valid JSON at byte {error.pos} ({error.msg}): it was altered"
    return f"{where} is not valid JSON ({type(error).__name__})"
