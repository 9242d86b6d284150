"""Tables as Markdown: printed by the harness and pasted into ``docs/performance.md``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Table", "verdict"]


@dataclass(slots=True)
class Table:
    """One result table, with the notes that explain it."""

    title: str
    header: Sequence[str]
    rows: list[list[str]] = field(default_factory=list[list[str]])
    notes: list[str] = field(default_factory=list[str])

    def add(self, *cells: str) -> None:
        """Append a row."""
        self.rows.append(list(cells))

    def to_markdown(self) -> str:
        """Render the table, its title as a heading and its notes below."""
        lines = [f"### {self.title}", ""]
        lines.append("| " + " | ".join(self.header) + " |")
        lines.append("|" + "|".join("---" for _ in self.header) + "|")
        lines.extend("| " + " | ".join(row) + " |" for row in self.rows)
        if self.notes:
            lines.append("")
            lines.extend(f"- {note}" for note in self.notes)
        return "\n".join(lines) + "\n"


def verdict(measured: float, target: float) -> str:
    """Return ``met`` or ``missed`` for a ratio that must stay at or below ``target``."""
    return "met" if measured <= target else "**missed**"
