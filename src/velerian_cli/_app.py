"""
The ``velerian`` command tree: the root options and the command groups under them.

Each group lives in its own module; this one only assembles them.
"""

from typing import Annotated

import typer

from velerian_sdk import __version__

from . import _audit_commands, _evidence_commands, _key_commands, _run_commands
from ._invoke_command import invoke
from ._options import epilog
from ._scope import Settings

__all__ = ["app", "run"]

app = typer.Typer(
    name="velerian",
    help="Governed runs and evidence from the command line.\n\n"
    "Reads VELERIAN_API_KEY and VELERIAN_BASE_URL like the Python client; "
    "evidence verify needs neither.",
    epilog=epilog(
        "velerian evidence verify evidence.jsonl --head 3f9a...",
        'velerian invoke abp_123 --payload \'{"prompt": "Summarize."}\'',
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"velerian {__version__}")
        raise typer.Exit


@app.callback()
def root(
    ctx: typer.Context,
    base_url: Annotated[
        str | None,
        typer.Option(
            metavar="URL", help="The API's origin [default: $VELERIAN_BASE_URL, else the service]."
        ),
    ] = None,
    max_retries: Annotated[
        int | None, typer.Option(min=0, metavar="N", help="Retries per request [default: 3].")
    ] = None,
    request_timeout: Annotated[
        float | None,
        typer.Option(min=0.1, metavar="SECONDS", help="Seconds per request [default: 60]."),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Keep the root options for the command that follows."""
    del version  # handled by its callback
    ctx.obj = Settings(base_url=base_url, max_retries=max_retries, timeout=request_timeout)


app.add_typer(_evidence_commands.app, name="evidence")
app.command(
    epilog=epilog(
        'velerian invoke abp_123 --payload \'{"prompt": "Summarize Q3."}\'',
        "velerian invoke abp_123 --payload @payload.json --idempotency-key batch-7",
    )
)(invoke)
app.add_typer(_run_commands.networks_app, name="networks")
app.add_typer(_run_commands.runs_app, name="runs")
app.add_typer(_audit_commands.app, name="audit")
app.add_typer(_key_commands.app, name="keys")


def run() -> None:
    """Run the command line on ``sys.argv``; exits with the command's status."""
    app(prog_name="velerian")
