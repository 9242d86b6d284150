"""
Where a command's output goes: text for people, JSON for scripts, and the live displays.

Results go to stdout, messages and progress to stderr. Colour and live displays appear
only on a terminal (and never with ``--json``); piped output is plain text.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Generator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from velerian_sdk import JSONValue

__all__ = ["Output", "TransferBar"]


def _console(*, stderr: bool) -> Console:
    # soft_wrap: a hash or a secret is never broken over two lines; highlight off: ids
    # and numbers print as they are, not recoloured by guesswork.
    return Console(stderr=stderr, soft_wrap=True, highlight=False, emoji=False)


@dataclass
class Output:
    """
    A command's two streams and its mode.

    Attributes:
        json_mode: ``--json`` was given: results are JSON, nothing is decorated.
        stdout: Results.
        stderr: Messages, warnings and progress.
    """

    json_mode: bool
    stdout: Console = field(default_factory=lambda: _console(stderr=False))
    stderr: Console = field(default_factory=lambda: _console(stderr=True))

    @property
    def live(self) -> bool:
        """Whether progress bars and live status may be drawn: a terminal, no ``--json``."""
        return not self.json_mode and self.stderr.is_terminal

    def result(self, text: str | Text) -> None:
        """Print one line of a human-readable result to stdout."""
        self.stdout.print(text, markup=False)

    def document(self, value: Mapping[str, JSONValue]) -> None:
        """Print one JSON document (or one JSON line of a stream) to stdout."""
        self.write_line(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def write_line(self, line: str) -> None:
        """Write a line to stdout as it is, flushed: rows of a stream appear as they come."""
        stream = self.stdout.file
        stream.write(line + "\n")
        stream.flush()

    def error(self, label: str, status: int, message: str, extra: Mapping[str, str]) -> None:
        """Report the failure a command ends with, on stderr: one line, or one JSON line."""
        if self.json_mode:
            body: dict[str, JSONValue] = {"error": label, "exit_status": status}
            body["message"] = message
            body.update(extra)
            sys.stderr.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n")
            sys.stderr.flush()
            return
        self.stderr.print(Text("error: ", style="bold red") + Text(message), markup=False)
        for name, value in extra.items():
            self.stderr.print(f"  {name}: {value}", markup=False)

    @contextmanager
    def transfer(
        self, description: str, total: int | None = None
    ) -> Generator[TransferBar, None, None]:
        """
        Show a byte-counting progress bar while the block runs, on a terminal only.

        Args:
            description: What moves, e.g. a file name.
            total: The bytes expected, when known before the first chunk.

        Yields:
            A progress callback for the SDK's ``progress=``.
        """
        if not self.live:
            yield TransferBar(None, None)
            return
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
        )
        with Progress(*columns, console=self.stderr, transient=True) as progress:
            yield TransferBar(progress, progress.add_task(description, total=total))

    @contextmanager
    def activity(self, description: str) -> Generator[ActivityLine, None, None]:
        """
        Show a spinner with the time elapsed and a status that can change, on a terminal.

        Args:
            description: What is going on, e.g. ``run run_1: queued``.

        Yields:
            A handle that updates the status text.
        """
        if not self.live:
            yield ActivityLine(None, None)
            return
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        with Progress(*columns, console=self.stderr, transient=True) as progress:
            yield ActivityLine(progress, progress.add_task(description, total=None))


@dataclass(frozen=True)
class TransferBar:
    """The SDK's ``progress=`` callback drawn as a bar; does nothing off a terminal."""

    progress: Progress | None
    task: TaskID | None

    def __call__(self, done: int, total: int | None, /) -> None:
        """Move the bar to ``done`` of ``total`` bytes."""
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, completed=done, total=total)


@dataclass(frozen=True)
class ActivityLine:
    """A spinner's status text; does nothing off a terminal."""

    progress: Progress | None
    task: TaskID | None

    def show(self, description: str) -> None:
        """Replace the status text."""
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, description=description)
