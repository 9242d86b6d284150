"""
Capture every log record of every logger at DEBUG, formatted, exceptions included.

Unlike ``caplog`` (which listens on the root logger at the level a test sets), this
lowers every logger that exists, ``httpx``, ``httpcore`` and the SDK's included, so a
secret printed by any library at any level is caught. Levels are restored afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from contextlib import contextmanager

__all__ = ["AllLogs", "capture_all_logs"]

FORMAT = "%(name)s %(levelname)s %(message)s"


class AllLogs(logging.Handler):
    """A handler that keeps every record, formatted with its traceback, and its logger."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter(FORMAT))
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.name, self.format(record)))

    def text(self) -> str:
        """Every line, one per record."""
        return "\n".join(line for _, line in self.lines)

    def loggers(self) -> set[str]:
        """The names of the loggers that emitted something."""
        return {name for name, _ in self.lines}


@contextmanager
def capture_all_logs(
    names: tuple[str, ...] = ("httpx", "httpcore", "velerian_sdk"),
) -> Generator[AllLogs, None, None]:
    """Route every logger to one handler at DEBUG for the duration of the block."""
    handler = AllLogs()
    root = logging.getLogger()
    known = [logging.getLogger(name) for name in logging.root.manager.loggerDict]
    touched = [root, *known, *(logging.getLogger(name) for name in names)]
    saved = [(logger, logger.level, logger.propagate, logger.disabled) for logger in touched]
    for logger in touched:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if logger is not root:
            logger.propagate = True
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for logger, level, propagate, disabled in saved:
            logger.setLevel(level)
            logger.propagate = propagate
            logger.disabled = disabled
