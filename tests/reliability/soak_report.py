"""
A soak's figures: printed as a small table, kept for the terminal summary, saved as JSON.

Set ``VELERIAN_SOAK_REPORT`` to a file path and every report of the run is written
there (rewritten after each soak, so a run cut short still leaves what it measured).
"""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["REPORT_ENV", "SoakReport", "published_reports"]

REPORT_ENV = "VELERIAN_SOAK_REPORT"

Figure = int | float | str

_PUBLISHED: list[SoakReport] = []


@dataclass
class SoakReport:
    """
    The named figures of one soak, in the order they were added.

    Attributes:
        name: The soak's name, e.g. ``sync-fault-soak``.
        figures: Figure name to value.
    """

    name: str
    figures: dict[str, Figure] = field(default_factory=dict[str, Figure])

    def table(self) -> str:
        """The figures as a two-column text table."""
        width = max((len(name) for name in self.figures), default=0)
        rows = [f"  {name.ljust(width)}  {_shown(value)}" for name, value in self.figures.items()]
        return "\n".join([f"{self.name}:", *rows])

    def publish(self) -> None:
        """Print the table to stdout, keep it for the summary, write the JSON file if asked."""
        print(self.table())
        _PUBLISHED.append(self)
        target = os.environ.get(REPORT_ENV)
        if target:
            document = {
                "machine": machine(),
                "reports": {report.name: report.figures for report in _PUBLISHED},
            }
            path = Path(target)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def published_reports() -> list[SoakReport]:
    """Every report published in this process, in order."""
    return list(_PUBLISHED)


def machine() -> dict[str, Figure]:
    """What the figures were measured on."""
    return {
        "cpus": os.cpu_count() or 0,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
    }


def _shown(value: Figure) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)
