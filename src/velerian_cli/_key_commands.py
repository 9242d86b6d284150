"""
``velerian keys create|list|revoke``: API keys, minted and revoked.

A minted key's secret is printed once, to stdout only: never to stderr, a log or a
traceback.
"""

from typing import Annotated

import typer

from velerian_sdk import ApiKey, JSONValue

from ._options import DebugOption, JsonOption, epilog
from ._scope import command_scope

__all__ = ["app"]

app = typer.Typer(
    help="Mint, list and revoke API keys.",
    epilog=epilog("velerian keys list"),
    no_args_is_help=True,
)

_TABLE = "{:<28} {:<16} {:<15} {:<7} {}"


@app.command(
    epilog=epilog(
        "velerian keys create --name audit --scope evidence:read --scope audit:read",
        "velerian keys create --name ci --scope runs:write --expires-at 2027-01-01",
    )
)
def create(
    ctx: typer.Context,
    *,
    name: Annotated[str, typer.Option(metavar="NAME", help="A name to recognise the key by.")],
    scope: Annotated[
        list[str],
        typer.Option(
            metavar="SCOPE", help="What it may do (repeatable): runs:read, evidence:read, ..."
        ),
    ],
    expires_at: Annotated[
        str | None,
        typer.Option(metavar="ISO", help="When it stops working (ISO-8601) [default: never]."),
    ] = None,
    idempotency_key: Annotated[
        str | None, typer.Option(metavar="KEY", help="Your key for this call: a rerun mints once.")
    ] = None,
    json_mode: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Mint a key. Its secret is shown this once, on stdout: store it at once."""
    with command_scope(ctx, json_mode=json_mode, debug=debug) as command:
        created = command.client().api_keys.create(
            name=name, scopes=scope, expires_at=expires_at, idempotency_key=idempotency_key
        )
        secret = created.secret.get_secret_value()
        if json_mode:
            document: dict[str, JSONValue] = _key_json(created)
            document["secret"] = secret
            command.output.document(document)
            return
        command.output.result(f"created key {created.id} ({', '.join(created.scopes)})")
        command.output.result(f"secret (shown once, store it now): {secret}")


@app.command("list", epilog=epilog("velerian keys list", "velerian keys list --json"))
def list_keys(
    ctx: typer.Context,
    *,
    json_mode: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """List the tenant's keys, revoked ones included, never with secrets (--json: lines)."""
    with command_scope(ctx, json_mode=json_mode, debug=debug) as command:
        output = command.output
        page = command.client().api_keys.list(limit=100)
        if not json_mode:
            output.write_line(_TABLE.format("ID", "NAME", "KEY", "STATE", "SCOPES"))
        for key in page.iter_all():
            if json_mode:
                output.document(_key_json(key))
                continue
            shown = f"{key.prefix or ''}...{key.last_four or ''}"
            state = "revoked" if key.revoked_at is not None else "active"
            output.write_line(
                _TABLE.format(key.id, key.name or "-", shown, state, " ".join(key.scopes))
            )


@app.command(epilog=epilog("velerian keys revoke key_123"))
def revoke(
    ctx: typer.Context,
    *,
    key_id: Annotated[str, typer.Argument(metavar="KEY_ID", help="The key's id (not its secret).")],
    json_mode: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Revoke a key: every request with it gets 401 from now on."""
    with command_scope(ctx, json_mode=json_mode, debug=debug) as command:
        command.client().api_keys.revoke(key_id)
        if json_mode:
            command.output.document({"revoked": key_id})
        else:
            command.output.result(f"revoked key {key_id}")


def _key_json(key: ApiKey) -> dict[str, JSONValue]:
    document: dict[str, JSONValue] = key.model_dump(mode="json", exclude={"secret"})
    return document
