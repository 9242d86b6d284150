"""
``velerian audit list|export``: every matching audit entry, streamed page after page.

Rows are written as each page arrives, so memory stays flat for any date range. The
table is fixed-width for the same reason: no column is sized by reading ahead.
"""

import csv
import json
import os
import tempfile
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated, Literal

import typer

from velerian_sdk import AuditLogEntry

from ._exit_status import ExitStatus
from ._options import DebugOption, JsonOption, epilog
from ._output import ActivityLine
from ._scope import CommandError, CommandScope, command_scope

__all__ = ["app"]

app = typer.Typer(
    help="Read the tenant's audit log.",
    epilog=epilog("velerian audit list --since 2026-12-01T00:00:00Z"),
    no_args_is_help=True,
)

RowFormat = Literal["table", "jsonl", "csv"]

SinceOption = Annotated[
    str | None, typer.Option(metavar="ISO", help="Entries at or after this instant (ISO-8601, …Z).")
]
UntilOption = Annotated[
    str | None, typer.Option(metavar="ISO", help="Entries before this instant.")
]
ActionOption = Annotated[
    str | None, typer.Option(metavar="ACTION", help="Only this action, e.g. abp.invoke.")
]
KindOption = Annotated[
    str | None, typer.Option(metavar="KIND", help="Only resources of this kind, e.g. abp.")
]
ResourceOption = Annotated[str | None, typer.Option(metavar="ID", help="Only this resource id.")]
MaxOption = Annotated[
    int | None, typer.Option("--max", min=1, metavar="N", help="Stop after N entries.")
]
PageSizeOption = Annotated[
    int, typer.Option(min=1, max=500, metavar="N", help="Entries per request (1-500).")
]

CSV_COLUMNS = (
    "id",
    "created_at",
    "action",
    "actor_user_id",
    "actor_api_key_id",
    "resource_kind",
    "resource_id",
    "request_id",
    "metadata",
)
# Fixed widths (rows stream; nothing is read ahead to size a column), about 100 wide:
# the entry's own id is in jsonl and csv, where scripts look for it.
_TABLE = "{:<20} {:<14} {:<28} {}"


@app.command(
    "list",
    epilog=epilog(
        "velerian audit list --since 2026-12-01T00:00:00Z --action abp.invoke",
        "velerian audit list --format csv > audit.csv",
    ),
)
def list_entries(
    ctx: typer.Context,
    *,
    since: SinceOption = None,
    until: UntilOption = None,
    action: ActionOption = None,
    resource_kind: KindOption = None,
    resource_id: ResourceOption = None,
    row_format: Annotated[
        RowFormat, typer.Option("--format", help="table, jsonl or csv.")
    ] = "table",
    max_items: MaxOption = None,
    page_size: PageSizeOption = 100,
    json_mode: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """List audit entries, oldest first, walking every page (--json: JSON lines)."""
    with command_scope(ctx, json_mode=json_mode, debug=debug) as scope:
        entries = _entries(
            scope,
            since=since,
            until=until,
            action=action,
            resource_kind=resource_kind,
            resource_id=resource_id,
            max_items=max_items,
            page_size=page_size,
        )
        stream = scope.output.stdout.file
        _write_rows(entries, stream, "jsonl" if json_mode else row_format)


@app.command(
    "export",
    epilog=epilog(
        "velerian audit export --since 2026-11-01T00:00:00Z -o since-nov.jsonl",
        "velerian audit export --format csv -o audit.csv",
    ),
)
def export_entries(
    ctx: typer.Context,
    *,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="PATH",
            help="The file to write, atomically [default: stdout].",
        ),
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    action: ActionOption = None,
    resource_kind: KindOption = None,
    resource_id: ResourceOption = None,
    row_format: Annotated[
        Literal["jsonl", "csv"], typer.Option("--format", help="jsonl or csv.")
    ] = "jsonl",
    max_items: MaxOption = None,
    page_size: PageSizeOption = 100,
    json_mode: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """
    Export audit entries to a file (or stdout), streamed page after page.

    The file appears only once every page is written. --json prints a summary.
    """
    with command_scope(ctx, json_mode=json_mode, debug=debug) as scope:
        entries = _entries(
            scope,
            since=since,
            until=until,
            action=action,
            resource_kind=resource_kind,
            resource_id=resource_id,
            max_items=max_items,
            page_size=page_size,
        )
        if output is None:
            _write_rows(entries, scope.output.stdout.file, row_format)
            return
        with scope.output.activity(f"exporting to {output}") as line, _atomic(output) as file:
            tally = _Tally(line, f"exporting to {output}")
            _write_rows(tally.through(entries), file, row_format)
        count = tally.count
        if json_mode:
            scope.output.document({"path": str(output), "entries": count, "format": row_format})
        else:
            scope.output.result(f"wrote {count} entries to {output}")


def _entries(
    scope: CommandScope,
    *,
    since: str | None,
    until: str | None,
    action: str | None,
    resource_kind: str | None,
    resource_id: str | None,
    max_items: int | None,
    page_size: int,
) -> Iterator[AuditLogEntry]:
    return scope.client().audit.iter(
        since=since,
        until=until,
        action=action,
        resource_kind=resource_kind,
        resource_id=resource_id,
        page_size=page_size,
        max_items=max_items,
    )


class _Tally:
    """Counts the entries going by, and shows the count on the spinner line."""

    def __init__(self, line: ActivityLine, label: str) -> None:
        self.count = 0
        self._line = line
        self._label = label

    def through(self, entries: Iterator[AuditLogEntry]) -> Iterator[AuditLogEntry]:
        for entry in entries:
            self.count += 1
            if self.count % 100 == 0:
                self._line.show(f"{self._label}: {self.count} entries")
            yield entry


def _write_rows(entries: Iterator[AuditLogEntry], stream: IO[str], row_format: str) -> None:
    """Write each entry as it comes, flushed, in the chosen format."""
    if row_format == "jsonl":
        for entry in entries:
            stream.write(
                json.dumps(entry.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))
                + "\n"
            )
            stream.flush()
        return
    if row_format == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for entry in entries:
            row = entry.model_dump(mode="json")
            writer.writerow(
                json.dumps(row.get(name), ensure_ascii=False, sort_keys=True)
                if name == "metadata"
                else row.get(name) or ""
                for name in CSV_COLUMNS
            )
            stream.flush()
        return
    stream.write(_TABLE.format("CREATED", "ACTION", "ACTOR", "RESOURCE") + "\n")
    for entry in entries:
        # An id names its kind by its prefix (inv_, run_, key_); the kind alone otherwise.
        resource = entry.resource_id or entry.resource_kind
        actor = entry.actor_api_key_id or entry.actor_user_id or "-"
        created = entry.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        stream.write(_TABLE.format(created, entry.action, actor, resource or "-") + "\n")
        stream.flush()


@contextmanager
def _atomic(path: Path) -> Generator[IO[str], None, None]:
    """A temporary file beside ``path``, renamed over it only if the block succeeds."""
    folder = path.parent
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as error:
        msg = f"cannot write to {folder}: {error.strerror or error}"
        raise CommandError(msg, ExitStatus.USAGE) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            yield file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
