"""
Every method on both clients reads bodies that hold only what the real API is known to send.

The bodies come from the published 0.1.2 client, written against production: a run row
"names the model `model_id` and carries no `slug`/`run_url`/`prompt_id`", a usage summary
is read for `tenant_id`, `as_of`, a `governed_runs` block and `evidence_packs`, audit rows
are printed by `created_at` and `action`. A method that rejected one of them would break a
call that worked in 0.1.2 (docs/api/decisions.md, "Tolerant reader").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

import httpx
import pytest

from tests.conftest import Harness
from tests.unit import api_samples as s
from velerian_sdk import (
    Abp,
    ApiKey,
    Approval,
    AsyncPage,
    AsyncVelerianClient,
    Attachment,
    AuditLogEntry,
    CreatedApiKey,
    EvidenceExport,
    InvokeResult,
    JSONObject,
    Page,
    Plan,
    QueuedRun,
    Run,
    RunShare,
    UsageSummary,
    VelerianClient,
    VelerianError,
)

Client = VelerianClient | AsyncVelerianClient
T0 = "2025-03-01T12:00:00Z"

# 0.1.2 client.py: the row it polls and returns, field for field.
RUN_ROW: JSONObject = {
    "id": "run_1",
    "status": "succeeded",
    "output_text": "Approved.",
    "governance_pass": True,
    "governance_reasons": ["within policy"],
    "model_id": "model-a",
    "evidence_download_url": None,
}
# 0.1.2 reads `run_id` and `.get("run_url")` off the queued answer.
QUEUED: JSONObject = {"run_id": "run_1", "status": "queued"}
# 0.1.2 models.py: InvokeResult.from_dict indexes these five.
INVOKE: JSONObject = {
    "invocation_id": "inv_1",
    "outcome": "allowed",
    "is_allowed": True,
    "requires_human": False,
    "withheld": False,
}
# 0.1.2 models.py: EvidenceExport.from_dict indexes these six.
EXPORT: JSONObject = {
    "export_id": "exp_1",
    "artifact_kind": "invocation_evidence",
    "format": "json",
    "s3_key": "tenants/ten_1/exp_1.json",
    "download_url": "https://storage.test/exp_1.json?sig=s",
    "expires_at": "2025-03-01T12:15:00Z",
}
# 0.1.2 models.py: UsageSummary requires tenant_id and as_of and keeps the blocks as dicts.
USAGE: JSONObject = {
    "tenant_id": "ten_1",
    "as_of": T0,
    "governed_runs": {"total": 2},
    "evidence_packs": [{"id": "evp_1"}],
}
# The 0.1.0 page prints entry["created_at"] and entry["action"].
AUDIT_ROW: JSONObject = {"id": "aud_1", "created_at": T0, "action": "abp.invoke"}
ABP_ROW: JSONObject = {"id": "abp_1", "name": "Claims triage", "status": "deployed"}
SHARE: JSONObject = {"share_url": "https://app.test/shared/run_1?token=t"}


def page(*rows: JSONObject) -> JSONObject:
    """A page with nothing but its rows: no limit, offset or total."""
    return {"items": list(rows)}


@dataclass
class Sparse:
    """One call, the sparse answers it gets in turn, and the type it must return."""

    call: Callable[[Client], object]
    answers: Sequence[JSONObject | tuple[int, JSONObject]]
    returns: type

    def handler(self) -> s.Handler:
        # Fresh responses per test: a response read by one flavour cannot serve the other.
        return s.replies(
            *(httpx.Response(a[0], json=a[1]) if isinstance(a, tuple) else a for a in self.answers)
        )


CASES: dict[str, Sparse] = {
    "abps.list": Sparse(lambda c: c.abps.list(), [page(ABP_ROW)], Abp),
    "abps.retrieve": Sparse(lambda c: c.abps.retrieve("abp_1"), [ABP_ROW], Abp),
    "abps.invoke": Sparse(lambda c: c.abps.invoke("abp_1", payload={}), [INVOKE], InvokeResult),
    "evidence.for_invocation": Sparse(
        lambda c: c.evidence.for_invocation("abp_1", "inv_1"), [EXPORT], EvidenceExport
    ),
    "evidence.package": Sparse(
        lambda c: c.evidence.package("abp_1", since=T0), [EXPORT], EvidenceExport
    ),
    "audit.list": Sparse(lambda c: c.audit.list(), [page(AUDIT_ROW)], AuditLogEntry),
    "api_keys.create": Sparse(
        lambda c: c.api_keys.create(name="ci", scopes=["read"]),
        [(201, {"id": "key_1", "secret": s.SECRET})],
        CreatedApiKey,
    ),
    "api_keys.list": Sparse(lambda c: c.api_keys.list(), [page({"id": "key_1"})], ApiKey),
    "usage.summary": Sparse(lambda c: c.usage.summary(), [USAGE], UsageSummary),
    "approvals.list": Sparse(lambda c: c.approvals.list(), [page({"id": "apr_1"})], Approval),
    "approvals.retrieve": Sparse(
        lambda c: c.approvals.retrieve("apr_1"), [{"id": "apr_1"}], Approval
    ),
    "approvals.approve": Sparse(
        lambda c: c.approvals.approve("apr_1"), [{"id": "apr_1"}], Approval
    ),
    "approvals.reject": Sparse(lambda c: c.approvals.reject("apr_1"), [{"id": "apr_1"}], Approval),
    "plans.list": Sparse(lambda c: c.plans.list(), [page({"id": "plan_team"})], Plan),
    "attachments.retrieve": Sparse(
        lambda c: c.attachments.retrieve("att_1"), [{"id": "att_1"}], Attachment
    ),
    "attachments.upload": Sparse(
        lambda c: c.attachments.upload(b"a,b\n", filename="claims.csv"),
        [{"id": "att_1", "upload_url": "https://storage.test/u/att_1?sig=s"}, {}, {"id": "att_1"}],
        Attachment,
    ),
    "runs.list": Sparse(lambda c: c.runs.list(), [page(RUN_ROW)], Run),
    "runs.retrieve": Sparse(lambda c: c.runs.retrieve("run_1"), [RUN_ROW], Run),
    "runs.wait": Sparse(
        lambda c: c.runs.wait("run_1", poll_interval=0.01),
        [{"id": "run_1", "status": "running"}, RUN_ROW],
        Run,
    ),
    "runs.revise": Sparse(
        lambda c: c.runs.revise("run_1", instructions="Shorter."),
        [(202, QUEUED), RUN_ROW],
        Run,
    ),
    "runs.share": Sparse(lambda c: c.runs.share("run_1"), [SHARE], RunShare),
    "networks.submit": Sparse(
        lambda c: c.networks.submit("claims-review", prompt_text="p"),
        [(202, QUEUED)],
        QueuedRun,
    ),
    "networks.invoke": Sparse(
        lambda c: c.networks.invoke("claims-review", prompt_text="p", poll_interval=0.01),
        [(202, QUEUED), {"id": "run_1", "status": "queued"}, RUN_ROW],
        Run,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_every_typed_method_reads_a_sparse_body(harness: Harness, name: str) -> None:
    case = CASES[name]
    client = harness.client(case.handler())
    result = harness.run(case.call(client))
    rows: object = getattr(result, "items", None)
    if isinstance(rows, list):
        assert [type(row) for row in cast("list[object]", rows)] == [case.returns]
    else:
        assert isinstance(result, case.returns)
    assert len(harness.requests) == len(case.answers)


def test_absent_fields_read_as_none_or_empty(harness: Harness) -> None:
    client = harness.client(s.replies(RUN_ROW, USAGE, page(AUDIT_ROW), ABP_ROW))
    run = harness.run(client.runs.retrieve("run_1"))
    assert (run.network_slug, run.prompt_text, run.created_at) == (None,) * 3
    assert (run.metadata, run.attachment_ids) == ({}, [])
    assert run.is_terminal
    assert run.raw == RUN_ROW  # nothing the server did not send
    summary = harness.run(client.usage.summary())
    assert summary.governed_runs is not None
    assert (summary.governed_runs.total, summary.governed_runs.allowed) == (2, None)
    assert (summary.period_start, summary.evidence_total, summary.adoption) == (None,) * 3
    assert [(p.id, p.chain_hash) for p in summary.evidence_packs] == [("evp_1", None)]
    entries = harness.run(client.audit.list())
    assert (entries.items[0].resource_kind, entries.items[0].metadata) == (None, {})
    assert (entries.limit, entries.offset, entries.total) == (50, 0, None)
    abp = harness.run(client.abps.retrieve("abp_1"))
    assert (abp.version, abp.created_at, abp.description) == (None, None, None)


def test_audit_iter_walks_sparse_pages(harness: Harness) -> None:
    rows = [{**AUDIT_ROW, "id": f"aud_{n}"} for n in range(3)]
    client = harness.client(s.replies(page(*rows[:2]), page(rows[2])))
    entries = s.collect(harness, client.audit.iter(page_size=2))
    assert [entry.id for entry in entries] == ["aud_0", "aud_1", "aud_2"]
    assert [r.url.params["offset"] for r in harness.requests] == ["0", "2"]


def test_a_registration_without_an_upload_link_is_a_typed_error(harness: Harness) -> None:
    client = harness.client(s.replies({"id": "att_1"}))
    with pytest.raises(VelerianError, match="upload_url"):
        harness.run(client.attachments.upload(b"x", filename="x.csv"))


# -- the 0.1 methods: the 0.1 shapes, from the same sparse bodies ----------------------


def test_compat_invoke_network_returns_what_0_1_2_returned(harness: Harness) -> None:
    client = harness.client(s.replies(httpx.Response(202, json=QUEUED), RUN_ROW))
    result = harness.run(client.invoke_network("claims-review", prompt_text="p"))
    # 0.1.2 client.py: {**run, slug, run_id, prompt_id, run_url: accepted.get(...),
    # model_id_used: run.get("model_id")}.
    assert result == {
        **RUN_ROW,
        "slug": "claims-review",
        "run_id": "run_1",
        "prompt_id": "run_1",
        "run_url": None,
        "model_id_used": "model-a",
    }


def test_compat_queued_and_awaited_runs(harness: Harness) -> None:
    client = harness.client(
        s.replies(httpx.Response(202, json=QUEUED), {"id": "run_1", "status": "running"}, RUN_ROW)
    )
    queued = harness.run(client.invoke_network("claims-review", prompt_text="p", wait=False))
    assert queued == QUEUED
    row = harness.run(client.await_run("run_1", poll_interval=0.01))
    assert row == RUN_ROW


def test_compat_typed_results(harness: Harness) -> None:
    client = harness.client(s.replies(INVOKE, EXPORT, EXPORT, USAGE))
    result = harness.run(client.invoke_abp("abp_1", payload={}))
    assert (result.invocation_id, result.constraint_count, result.output) == ("inv_1", 0, None)
    export = harness.run(client.invocation_evidence("abp_1", "inv_1"))
    assert export.delivery == "presigned"  # 0.1.2's default when absent
    package = harness.run(client.evidence_package("abp_1", since=T0))
    assert package.export_id == "exp_1"
    summary = harness.run(client.usage_summary())
    assert summary.raw == USAGE


def test_compat_audit_rows_and_generic_paginator(harness: Harness) -> None:
    rows = [{**AUDIT_ROW, "id": f"aud_{n}"} for n in range(3)]
    client = harness.client(s.replies(page(*rows), page(*rows[:2]), page(rows[2]), USAGE))
    listed = harness.run(client.list_audit_log())
    assert isinstance(listed, (Page, AsyncPage))  # narrows for pyright, which loses the flavour
    assert listed.items == rows  # plain dicts, as the server sent them
    walked = s.collect(harness, client.iter_audit_log(page_size=2))
    assert walked == rows
    packs = s.collect(
        harness,
        client.iter_paginated(
            "usage/summary",
            limit_param="evidence_limit",
            offset_param="evidence_offset",
            items_key="evidence_packs",
        ),
    )
    assert packs == [{"id": "evp_1"}]
