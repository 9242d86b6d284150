"""``velerian invoke``: one governed invocation of an ABP, and its verdict in words."""

from typing import Annotated

import typer
from rich.text import Text

from velerian_sdk import InvokeResult, JSONValue

from ._exit_status import ExitStatus
from ._json_input import read_json_object
from ._options import DebugOption, JsonOption
from ._scope import CommandScope, command_scope

__all__ = ["invoke"]


def invoke(
    ctx: typer.Context,
    *,
    abp_id: Annotated[str, typer.Argument(metavar="ABP_ID", help="A deployed ABP.")],
    payload: Annotated[
        str,
        typer.Option(metavar="JSON", help="The input: a JSON object, @file.json, or @- for stdin."),
    ],
    idempotency_key: Annotated[
        str | None,
        typer.Option(
            metavar="KEY", help="Your key for this invocation: a rerun with it is billed once."
        ),
    ] = None,
    json_mode: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """
    Invoke an ABP under governance and print the verdict.

    Exit 0 when the output is released; 13 when it is denied or held for approval.
    """
    with command_scope(ctx, json_mode=json_mode, debug=debug) as scope:
        body = read_json_object(payload, "--payload")
        result = scope.client().abps.invoke(abp_id, payload=body, idempotency_key=idempotency_key)
        _show(scope, abp_id, result)
        if not result.is_allowed or result.withheld:
            raise typer.Exit(ExitStatus.NOT_RELEASED)


def _show(scope: CommandScope, abp_id: str, result: InvokeResult) -> None:
    output = scope.output
    if output.json_mode:
        document: dict[str, JSONValue] = result.model_dump(mode="json")
        output.document(document)
        return
    if result.requires_human or result.outcome == "held":
        verdict = Text("HELD", style="bold yellow") + Text(
            f" for human approval (approval {result.approval_id}): the output is withheld"
        )
    elif not result.is_allowed or result.withheld:
        verdict = Text("DENIED", style="bold red") + Text(": the output is withheld")
    else:
        verdict = Text("ALLOWED", style="bold green") + Text(": the output is released")
    output.result(verdict)
    output.result(f"invocation {result.invocation_id}")
    for condition in result.aggregated_conditions:
        output.result(
            f"  {condition.result or '?':<5} {condition.constraint or '?'}"
            + (f": {condition.message}" if condition.message else "")
        )
    if result.output is not None:
        text = result.output.get("text")
        output.result(f"output: {text}" if isinstance(text, str) else f"output: {result.output}")
    if result.model_error:
        output.result(f"model error: {result.model_error}")
    if result.evidence_pack_chain_hash:
        output.result(f"evidence chain hash: {result.evidence_pack_chain_hash}")
        output.result(f"  fetch it: velerian evidence download {abp_id} {result.invocation_id}")
