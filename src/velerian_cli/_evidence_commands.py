"""
``velerian evidence``: verify an evidence file offline; download exports, checked.

``verify`` needs no key and sends nothing. ``download`` and ``package`` stream an
export to a file through ``client.evidence.download`` (size and SHA-256 checked, written
atomically), then verify its chain like ``verify``.
"""

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.text import Text

from velerian_sdk import EvidenceExport, JSONValue

from ._evidence_check import FileCheck, check_evidence_file, parse_anchor, parse_hash
from ._exit_status import ExitStatus
from ._options import DebugOption, JsonOption, epilog
from ._scope import CommandError, CommandScope, command_scope

__all__ = ["app"]

app = typer.Typer(
    help="Verify evidence files offline; download evidence exports.",
    epilog=epilog("velerian evidence verify evidence.jsonl"),
    no_args_is_help=True,
)

FormatOption = Annotated[
    Literal["json", "jsonl"] | None,
    typer.Option("--format", metavar="json|jsonl", help="[default: the server's]."),
]
OutputOption = Annotated[
    Path,
    typer.Option(
        "-o",
        "--output",
        metavar="PATH",
        help="A file, or a folder for <export id>.<format> [default: .].",
    ),
]


@app.command(
    epilog=epilog(
        "velerian evidence verify evidence.jsonl",
        "velerian evidence verify evidence.jsonl --head 3f9a...e1 --json",
    )
)
def verify(
    ctx: typer.Context,
    *,
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="An evidence export (json or jsonl).")
    ],
    head: Annotated[
        str | None,
        typer.Option(
            metavar="HASH", help="The chain hash the last pack must carry (e.g. from the invoke)."
        ),
    ] = None,
    anchor: Annotated[
        list[str] | None,
        typer.Option(
            metavar="HASH", help="HASH (or SCOPE=HASH, repeated) the first pack must link to."
        ),
    ] = None,
    json_mode: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """
    Check an evidence file against its chain hashes, offline (no key needed).

    Says intact, or which pack breaks the chain and why. Exit status 0 only when intact.
    """
    with command_scope(ctx, json_mode=json_mode, debug=debug) as scope:
        check = check_evidence_file(
            file,
            anchor=parse_anchor(anchor or []),
            head=None if head is None else parse_hash(head, "--head"),
        )
        _show_check(scope, check)
        if not check.intact:
            raise typer.Exit(ExitStatus.INTEGRITY)


@app.command(
    epilog=epilog(
        "velerian evidence download abp_123 inv_456",
        "velerian evidence download abp_123 inv_456 -o ev.jsonl --format jsonl",
    )
)
def download(
    ctx: typer.Context,
    *,
    abp_id: Annotated[str, typer.Argument(metavar="ABP_ID", help="The ABP that was invoked.")],
    invocation_id: Annotated[str, typer.Argument(metavar="INVOCATION_ID", help="The invocation.")],
    output: OutputOption = Path(),
    export_format: FormatOption = None,
    json_mode: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """
    Download one invocation's evidence, checked and written atomically, then verify it.

    The size and SHA-256 the server states are checked before the file appears; a
    progress bar shows on a terminal.
    """
    with command_scope(ctx, json_mode=json_mode, debug=debug) as scope:
        client = scope.client()
        export = client.evidence.for_invocation(abp_id, invocation_id, format=export_format)
        _download_and_check(scope, export, output)


@app.command(
    epilog=epilog(
        "velerian evidence package abp_123 --since 2026-11-01T00:00:00Z",
        "velerian evidence package abp_123 --since 2026-11-01T00:00:00Z -o nov.json",
    )
)
def package(
    ctx: typer.Context,
    *,
    abp_id: Annotated[str, typer.Argument(metavar="ABP_ID", help="The ABP.")],
    since: Annotated[
        str, typer.Option(metavar="ISO", help="The earliest evidence, ISO-8601 with a zone (…Z).")
    ],
    output: OutputOption = Path(),
    export_format: FormatOption = None,
    json_mode: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """
    Download all of an ABP's evidence since a moment, checked and atomic, then verify it.

    A package starts mid-chain: keep its head hashes to --anchor the next one.
    """
    with command_scope(ctx, json_mode=json_mode, debug=debug) as scope:
        client = scope.client()
        export = client.evidence.package(abp_id, since=since, format=export_format)
        _download_and_check(scope, export, output)


def _download_and_check(scope: CommandScope, export: EvidenceExport, to: Path) -> None:
    client = scope.client()
    with scope.output.transfer(export.export_id, export.size_bytes) as bar:
        saved = client.evidence.download(export, to, progress=bar)
    assert saved.path is not None  # a path was given, not a file object
    check = check_evidence_file(saved.path, anchor=None, head=None)
    if scope.output.json_mode:
        body: dict[str, JSONValue] = {
            "export_id": export.export_id,
            "path": str(saved.path),
            "size_bytes": saved.size_bytes,
            "sha256": saved.sha256,
            "verification": check.as_json(),
        }
        scope.output.document(body)
    else:
        scope.output.result(f"saved {saved.path}: {saved.size_bytes} bytes")
        scope.output.result(f"  sha256 {saved.sha256}")
        _show_check(scope, check)
    if not check.intact:
        msg = f"{saved.path} was saved as the server sent it, but its chain does not verify"
        raise CommandError(msg, ExitStatus.INTEGRITY)


def _show_check(scope: CommandScope, check: FileCheck) -> None:
    output = scope.output
    if output.json_mode:
        output.document(check.as_json())
        return
    if check.intact:
        output.result(
            Text(f"{check.path}: ")
            + Text("intact", style="bold green")
            + Text(f", {check.packs_checked} pack(s) in {len(check.scopes)} chain(s)")
        )
        for scope_name, digest in check.head_hashes.items():
            output.result(f"  chain {scope_name}")
            output.result(f"    head {digest}")
        return
    count = len(check.problems)
    output.result(
        Text(f"{check.path}: ")
        + Text("NOT INTACT", style="bold red")
        + Text(f", {count} problem(s) in {check.packs_checked} pack(s)")
    )
    for problem in check.problems:
        output.result(f"  {problem}")
