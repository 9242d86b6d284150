"""
The 0.1.0 PyPI page's snippets, executed against the stub.

Each snippet is the page's text exactly; only its placeholders are filled in (the page
writes `...` where a value goes), by the substitutions listed with it. The snippets
reach the stub through the VELERIAN_* variables, as the page tells users to do.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import cast

import pytest

from velerian_sdk import VelerianClient
from velerian_stub.pytest_plugin import StubTenant

AUTHENTICATE = """
import os
from velerian_sdk import VelerianClient

client = VelerianClient(
    api_key=os.environ["VELERIAN_API_KEY"],   # vk_live_...
    base_url=os.environ.get("VELERIAN_BASE_URL", "https://api.velerian.ai"),
)
"""

QUICKSTART = """
import os
from velerian_sdk import VelerianClient, VelerianError

with VelerianClient(
    api_key=os.environ["VELERIAN_API_KEY"],
    base_url=os.environ.get("VELERIAN_BASE_URL", "https://api.velerian.ai"),
) as client:
    # 1. Run a governed invocation of a DEPLOYED ABP (needs runs:write).
    result = client.invoke_abp(
        os.environ["VELERIAN_ABP_ID"],
        payload={"prompt": "Summarize the attached filing."},
    )
    print("outcome:", result.outcome, "allowed:", result.is_allowed)
    if result.requires_human:
        print("held for human approval:", result.approval_id)

    # 2. Fetch a presigned evidence export for that invocation (needs evidence:read).
    if result.evidence_pack_id:
        export = client.invocation_evidence(
            os.environ["VELERIAN_ABP_ID"], result.invocation_id
        )
        print("evidence download URL (expires", export.expires_at, "):")
        print(export.download_url)
"""

PAGINATION = """
# One page:
page = client.list_audit_log(action="abp.invoke", limit=50)
print(len(page), "of", page.total or "?", "entries; next offset", page.offset + page.limit)

# Every entry, transparently across pages:
for entry in client.iter_audit_log(action="abp.invoke"):
    print(entry["created_at"], entry["action"])
"""

GENERIC_PAGINATOR = """
for row in client.iter_paginated("approvals", page_size=100):
    ...
# Prefixed limit/offset params (e.g. the usage summary's evidence list):
for pack in client.iter_paginated(
    "usage/summary",
    limit_param="evidence_limit", offset_param="evidence_offset",
    items_key="evidence_packs",
):
    ...
"""

ERRORS = """
from velerian_sdk import VelerianRateLimitError, VelerianForbiddenError

try:
    client.invoke_abp(abp_id, payload={...})
except VelerianForbiddenError as e:
    print("missing scope:", e.detail)
except VelerianRateLimitError as e:
    print("retry after", e.retry_after, "seconds")
"""

RETRIES = """
client = VelerianClient(api_key=..., base_url=..., max_retries=0)  # never retry
"""

ESCAPE_HATCH = """
plans = client.get("plans").json()
"""


def run(snippet: str, scope: dict[str, object], **fill: str) -> dict[str, object]:
    code = textwrap.dedent(snippet)
    for placeholder, value in fill.items():
        assert placeholder in code, placeholder
        code = code.replace(placeholder, value)
    exec(compile(code, "<0.1.0 page>", "exec"), scope)
    return scope


@pytest.fixture
def scope(velerian_env: StubTenant) -> Iterator[dict[str, object]]:
    namespace = run(AUTHENTICATE, {})
    opened = namespace["client"]
    yield namespace
    # The page's snippets never close the client; the test does, to leave no socket.
    for client in {id(c): c for c in (opened, namespace["client"])}.values():
        assert isinstance(client, VelerianClient)
        client.close()


def test_quickstart(
    scope: dict[str, object], capsys: pytest.CaptureFixture[str], sparse: bool
) -> None:
    run(QUICKSTART, dict(scope))
    out = capsys.readouterr().out
    assert "outcome: allowed allowed: True" in out
    # The page fetches evidence only `if result.evidence_pack_id`, an optional field.
    assert ("evidence download URL (expires" in out) is not sparse
    assert ("/_storage/exports/" in out) is not sparse


def test_pagination(
    scope: dict[str, object], capsys: pytest.CaptureFixture[str], sparse: bool
) -> None:
    run(QUICKSTART, dict(scope))  # its own `with` block: it closes its own client
    run(QUICKSTART, dict(scope))
    capsys.readouterr()
    run(PAGINATION, scope)
    lines = capsys.readouterr().out.splitlines()
    # The page prints `page.total or "?"`: `total` is optional.
    assert lines[0] == f"2 of {'?' if sparse else 2} entries; next offset 50"
    assert len(lines) == 3
    assert all(line.endswith(" abp.invoke") and "T" in line for line in lines[1:])


def test_generic_paginator(scope: dict[str, object], sparse: bool) -> None:
    run(QUICKSTART, dict(scope))
    run(GENERIC_PAGINATOR, scope)
    if sparse:
        # A summary without its optional `evidence_packs` list has no rows to walk.
        assert "pack" not in scope
        return
    assert isinstance(scope["pack"], dict)
    assert "chain_hash" in scope["pack"]


def test_errors(
    velerian_env: StubTenant, scope: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    fill = {"{...}": '{"prompt": "hello"}'}
    scope["abp_id"] = velerian_env.abp_id
    # The owner's key may invoke: the call succeeds and neither handler prints.
    run(ERRORS, dict(scope), **fill)
    assert capsys.readouterr().out == ""
    # A key without runs:write is refused, and the page's handler names the scope.
    owner = scope["client"]
    assert isinstance(owner, VelerianClient)
    minted = owner.api_keys.create(name="reader", scopes=["runs:read"])
    with VelerianClient(
        api_key=minted.secret.get_secret_value(), base_url=velerian_env.base_url
    ) as reader:
        run(ERRORS, {**scope, "client": reader}, **fill)
    assert capsys.readouterr().out == (
        "missing scope: API key lacks the required scope 'runs:write'\n"
    )


def test_retries(velerian_env: StubTenant, scope: dict[str, object]) -> None:
    run(
        RETRIES,
        scope,
        **{
            "api_key=...": f"api_key={velerian_env.api_key!r}",
            "base_url=...": f"base_url={velerian_env.base_url!r}",
        },
    )
    client = scope["client"]
    assert isinstance(client, VelerianClient)
    assert client.max_retries == 0


def test_escape_hatch(scope: dict[str, object]) -> None:
    run(ESCAPE_HATCH, scope)
    plans = scope["plans"]
    assert isinstance(plans, dict)
    items = cast("dict[str, object]", plans)["items"]
    assert isinstance(items, list)
    assert items
