"""
``velerian networks invoke`` and ``velerian runs wait``: network runs, watched live.

A run is queued and polled by the client; on a terminal a spinner shows its status
as it changes. Waiting that times out leaves the run going and prints the command
that resumes the wait.
"""

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from velerian_sdk import JSONValue, Run

from ._exit_status import ExitStatus
from ._json_input import read_json_object
from ._options import DebugOption, JsonOption, epilog
from ._output import ActivityLine
from ._scope import CommandError, CommandScope, command_scope, resume_details

__all__ = ["networks_app", "runs_app"]

networks_app = typer.Typer(
    help="Run AgenticX networks under governance.",
    epilog=epilog('velerian networks invoke claims-review --prompt "Review claim 7."'),
    no_args_is_help=True,
)
runs_app = typer.Typer(
    help="Wait for network runs.",
    epilog=epilog("velerian runs wait run_123"),
    no_args_is_help=True,
)

TimeoutOption = Annotated[
    float,
    typer.Option("--timeout", min=0.0, metavar="SECONDS", help="How long to wait for the run."),
]

_STYLES = {"succeeded": "bold green", "blocked": "bold red", "failed": "bold red"}


@networks_app.command(
    "invoke",
    epilog=epilog(
        'velerian networks invoke claims-review --prompt "Review claim 7."',
        'velerian networks invoke claims-review --prompt "Check" --attach a.csv',
    ),
)
def invoke_network(
    ctx: typer.Context,
    *,
    slug: Annotated[str, typer.Argument(metavar="SLUG", help="The network's slug.")],
    prompt: Annotated[str, typer.Option(metavar="TEXT", help="The question or scenario to run.")],
    attach: Annotated[
        list[Path] | None,
        typer.Option(metavar="FILE", help="A file to upload and run against (repeatable)."),
    ] = None,
    metadata: Annotated[
        str | None,
        typer.Option(metavar="JSON", help="Per-run metadata: a JSON object or @file.json."),
    ] = None,
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="Queue the run, print its id, and return.")
    ] = False,
    timeout: TimeoutOption = 900.0,
    idempotency_key: Annotated[
        str | None,
        typer.Option(metavar="KEY", help="Your key for this run: a rerun with it queues once."),
    ] = None,
    json_mode: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """
    Run a network and wait for its verdict, with live status on a terminal.

    Exit 0 when it succeeds, 13 when governance blocks it, 1 when it fails, 12 when
    waiting times out (the run goes on: resume with velerian runs wait RUN_ID).
    """
    with command_scope(ctx, json_mode=json_mode, debug=debug) as scope:
        extra = None if metadata is None else read_json_object(metadata, "--metadata")
        files = attach or []
        for path in files:
            if not path.is_file():
                msg = f"--attach: {path} is not a readable file"
                raise CommandError(msg, ExitStatus.USAGE)
        client = scope.client()
        attachment_ids: list[str] = []
        for path in files:
            with scope.output.transfer(f"upload {path.name}") as bar:
                attachment_ids.append(client.attachments.upload(path, progress=bar).id)
        with scope.output.activity(f"{slug}: queueing") as line:
            shower = _ShowStatus(line)
            try:
                run = client.networks.invoke(
                    slug,
                    prompt_text=prompt,
                    metadata=extra,
                    attachment_ids=attachment_ids or None,
                    wait=not no_wait,
                    timeout=timeout,
                    on_status=shower,
                    idempotency_key=idempotency_key,
                )
            except KeyboardInterrupt:
                if shower.run_id is None:
                    raise
                raise _interrupted(shower.run_id) from None
        _finish(scope, run, waited=not no_wait)


@runs_app.command(
    "wait",
    epilog=epilog("velerian runs wait run_123", "velerian runs wait run_123 --timeout 60"),
)
def wait_for_run(
    ctx: typer.Context,
    *,
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="The run's id.")],
    timeout: TimeoutOption = 900.0,
    json_mode: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """
    Wait for a run to finish, with live status on a terminal, and print its verdict.

    Exit 0 when it succeeds, 13 when governance blocks it, 1 when it fails, 12 when
    waiting times out (the run goes on).
    """
    with command_scope(ctx, json_mode=json_mode, debug=debug) as scope:
        with scope.output.activity(f"{run_id}: waiting") as line:
            try:
                run = scope.client().runs.wait(run_id, timeout=timeout, on_status=_ShowStatus(line))
            except KeyboardInterrupt:
                raise _interrupted(run_id) from None
        _finish(scope, run, waited=True)


class _ShowStatus:
    """The ``on_status`` callback: puts the run's status on the spinner line."""

    def __init__(self, line: ActivityLine) -> None:
        self._line = line
        self.run_id: str | None = None

    def __call__(self, run: Run) -> None:
        self.run_id = run.id
        self._line.show(f"{run.id}: {run.status}")


def _interrupted(run_id: str) -> CommandError:
    """Ctrl-C while waiting: only the waiting stops; say how to pick it up again."""
    msg = f"interrupted: stopped waiting for run {run_id}; it was not cancelled"
    return CommandError(msg, ExitStatus.RUN_PENDING, extra=resume_details(run_id))


def _finish(scope: CommandScope, run: Run, *, waited: bool) -> None:
    output = scope.output
    if output.json_mode:
        document: dict[str, JSONValue] = run.model_dump(mode="json")
        output.document(document)
    else:
        output.result(Text(f"run {run.id}: ") + Text(run.status, style=_STYLES.get(run.status, "")))
        if run.governance_reasons:
            for reason in run.governance_reasons:
                output.result(f"  {reason}")
        if run.output_text:
            output.result(f"output: {run.output_text}")
        if run.error:
            output.result(f"error: {run.error}")
        if not waited:
            output.result(f"  collect it: velerian runs wait {run.id}")
    if not waited or run.status == "succeeded":
        return
    if run.status == "blocked":
        raise typer.Exit(ExitStatus.NOT_RELEASED)
    if run.is_terminal:
        raise typer.Exit(ExitStatus.ERROR)
    # A run that is somehow not finished after waiting: say so, and how to resume.
    raise typer.Exit(ExitStatus.RUN_PENDING)
