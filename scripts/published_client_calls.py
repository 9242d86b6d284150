"""
Call every public method of a 0.1 ``VelerianClient`` against a running stub.

    python scripts/published_client_calls.py --shape {full,sparse} --flavour {published,ours}
                                             --out SHAPES.json

``nox -s published`` runs it twice per stub shape (see ``scripts/check_published_client.py``,
which starts the stubs and passes their ``VELERIAN_*`` variables): once with the
interpreter of an environment holding the published ``velerian-sdk==0.1.2`` (flavour
``published``), whose returns it checks against what 0.1.2's source and README promise,
and once with this repository's package (flavour ``ours``), whose 0.1 methods must return
the same shapes. Either way it writes the shape of every result (key sets and value
types, see :func:`shape_of`) to ``--out`` for the comparison.

The 0.1.2 client's public methods are ``await_run``, ``close``, ``delete``,
``evidence_package``, ``get``, ``invocation_evidence``, ``invoke_abp``,
``invoke_network``, ``iter_audit_log``, ``iter_paginated``, ``list_audit_log``, ``post``,
``request`` and ``usage_summary``; :func:`main` records which ones the calls used directly
and fails if the published class has one that no call used.

Both packages are imported as ``velerian_sdk``, so the type checkers would see this
repository's package; the calls are typed against the protocols in
``published_client_protocols.py`` instead, and every value is checked at run time. The
errors and the escape hatch are in ``published_client_errors.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import sys
from pathlib import Path
from typing import cast

import httpx
from published_client_errors import errors, escape_hatch, lifecycle
from published_client_protocols import Client01, RunTimeoutShape, protocol_mismatches
from published_client_run import Run
from published_client_shapes import FIELDS, public_methods, record_calls

__all__ = ["main"]


def invokes(run: Run, client: Client01, abp_id: str) -> str:
    """Allowed, denied and held invokes; returns the allowed invocation's id."""
    ex = run.expect
    allowed = client.invoke_abp(abp_id, payload={"prompt": "Summarize the filing."})
    run.log.record("invoke_abp.allowed", allowed)
    ex.text(allowed.invocation_id, "invocation_id")
    ex.equal(allowed.outcome, "allowed", "outcome")
    ex.equal((allowed.is_allowed, allowed.requires_human, allowed.withheld), (True, False, False))
    ex.instance(allowed.raw, dict, "raw")
    if run.full:
        ex.instance(allowed.output, dict, "output")
        ex.text(allowed.evidence_pack_id, "evidence_pack_id")
        ex.text(allowed.evidence_pack_chain_hash, "evidence_pack_chain_hash")
        ex.equal(allowed.constraint_count, len(allowed.aggregated_conditions), "constraints")
    if run.published:
        # 0.1.2 reads these two with a default: 0 and [] when the answer has none.
        ex.instance(allowed.constraint_count, int, "constraint_count")
        ex.instance(allowed.aggregated_conditions, list, "aggregated_conditions")
    denied = client.invoke_abp(abp_id, payload={"prompt": "DENY this"})
    run.log.record("invoke_abp.denied", denied)
    ex.equal((denied.outcome, denied.is_allowed, denied.withheld), ("denied", False, True))
    ex.equal(denied.output, None, "denied output")
    held = client.invoke_abp(abp_id, payload={"prompt": "REQUIRE_APPROVAL please"})
    run.log.record("invoke_abp.held", held)
    ex.equal((held.outcome, held.requires_human), ("held", True), "held verdict")
    if run.full:
        ex.text(held.approval_id, "approval_id")
    return allowed.invocation_id


def evidence(run: Run, client: Client01, abp_id: str, invocation_id: str) -> None:
    """One invocation's evidence in both formats, and an ABP's evidence package."""
    ex = run.expect
    for fmt in (None, "jsonl"):
        export = client.invocation_evidence(abp_id, invocation_id, format=fmt)
        run.log.record(f"invocation_evidence.{fmt or 'default'}", export)
        for name in ("export_id", "artifact_kind", "format", "s3_key", "download_url"):
            ex.text(getattr(export, name), name)
        ex.equal(export.artifact_kind, "invocation_evidence", "artifact_kind")
        ex.equal(export.format, fmt or "json", "format")
        if run.published:
            ex.text(export.expires_at, "expires_at")
            # 0.1.2 defaults `delivery` to "presigned" when the answer has none.
            ex.equal(export.delivery, "presigned", "delivery")
    # 0.1.2: a "stream" export's link is the API path that returns the file to the same key.
    streamed = client.get(
        f"abps/{abp_id}/invocations/{invocation_id}/evidence", params={"delivery": "stream"}
    ).json()
    link = ex.text(streamed["download_url"], "stream download_url")
    ex.equal(link.endswith(f"/api/v2/exports/{streamed['export_id']}/content"), True, link)
    ex.equal(client.get(link).json()["format"], "velerian.evidence.v1", "streamed file")
    package = client.evidence_package(abp_id, since="2000-01-01T00:00:00Z")
    run.log.record("evidence_package", package)
    ex.equal(package.artifact_kind, "evidence_package", "artifact_kind")


def usage(run: Run, client: Client01) -> None:
    """The usage summary, and its evidence packs through the prefixed paginator."""
    ex = run.expect
    summary = client.usage_summary()
    run.log.record("usage_summary", summary)
    ex.text(summary.tenant_id, "tenant_id")
    if run.published:
        ex.text(summary.as_of, "as_of")
        ex.instance(summary.governed_runs, dict, "governed_runs")
    packs = list(
        client.iter_paginated(
            "usage/summary",
            page_size=2,
            limit_param="evidence_limit",
            offset_param="evidence_offset",
            items_key="evidence_packs",
        )
    )
    run.log.record("iter_paginated.usage_evidence", packs)
    if run.full:
        ex.instance(summary.evidence_packs, list, "evidence_packs (a list; decisions.md)")
        ex.equal(len(packs), summary.raw["evidence_total"], "packs walked, 2 per page")
        ex.equal(len({ex.text(p["id"], "pack id") for p in packs}), len(packs), "unique ids")
    else:
        # The sparse stub leaves the optional list out: 0.1.2 reads `{}` / walks nothing.
        ex.equal(packs, [], "sparse evidence packs")


def audit(run: Run, client: Client01, abp_id: str, invocation_id: str) -> None:
    """Audit pages, the audit iterator and the generic paginator on plain routes."""
    ex = run.expect
    page = client.list_audit_log(limit=2)
    run.log.record("list_audit_log", page)
    ex.equal(len(page.items), 2, "audit page of 2")
    ex.equal(len(page), 2, "len(page)")
    for row in page.items:
        for name in ("id", "created_at", "action"):
            ex.text(row[name], f"audit {name}")
    if run.published:
        ex.equal((page.limit, page.offset), (2, 0) if run.full else (0, 0), "limit, offset")
    if run.full:
        ex.instance(page.total, int, "total")
    invokes = list(client.iter_audit_log(action="abp.invoke", page_size=2))
    run.log.record("iter_audit_log", invokes)
    ex.equal(len(invokes), 3, "three abp.invoke entries, over two pages")
    # Every filter 0.1.2 forwards, under the query names it sends.
    mine = client.list_audit_log(
        action="abp.invoke",
        resource_kind="invocation",
        resource_id=invocation_id,
        actor_user_id=None,
        since="2000-01-01T00:00:00Z",
        until="2100-01-01T00:00:00Z",
    )
    ex.equal([row["id"] for row in mine.items], [invokes[0]["id"]], "filtered to one invocation")
    nobody = client.list_audit_log(actor_user_id="usr_" + "0" * 24, until="2000-01-01T00:00:00Z")
    ex.equal(nobody.items, [], "no entries of an unknown user")
    second = client.list_audit_log(action="abp.invoke", limit=2, offset=2)
    ex.equal([r["id"] for r in second.items], [invokes[2]["id"]], "offset 2 of 3")
    rows = list(client.iter_paginated("audit-log", params={"action": "abp.invoke"}, page_size=2))
    run.log.record("iter_paginated.audit", rows)
    ex.equal([r["id"] for r in rows], [r["id"] for r in invokes], "same rows as iter_audit_log")
    pending = list(client.iter_paginated("approvals", params={"status": "pending"}, page_size=1))
    run.log.record("iter_paginated.approvals", pending)
    ex.equal(len(pending), 1, "the held invoke's approval")
    abps = list(client.iter_paginated("/api/v2/abps", page_size=1))
    run.log.record("iter_paginated.abps", abps)
    ex.equal(abp_id in {row["id"] for row in abps}, True, "the deployed ABP is listed")
    ex.equal(len(abps), 3, "three seeded ABPs, one per page")
    # 0.1.2's README: `client.get("pack-runs").json()` for routes without a typed method.
    ex.instance(client.get("pack-runs").json()["items"], list, "pack-runs items")


def network(run: Run, client: Client01, slug: str) -> None:
    """Queued and waited network runs, every terminal status, and the run timeout."""
    ex = run.expect
    queued = client.invoke_network(slug, prompt_text="Review the claim.", wait=False)
    run.log.record("invoke_network.queued", queued)
    run_id = ex.text(queued["run_id"], "run_id")
    if run.full:
        ex.equal(queued["status"], "queued", "status")
        ex.equal(ex.text(queued["run_url"], "run_url").endswith(f"/app/runs/{run_id}"), True)
    row = client.await_run(run_id, poll_interval=0.05, run_timeout=20)
    run.log.record("await_run", row)
    ex.equal((row["id"], row["status"]), (run_id, "succeeded"), "waited row")
    # 0.1.2: the row "names the model `model_id` and carries no slug/run_url/prompt_id".
    ex.equal(sorted({"slug", "run_url", "prompt_id"} & set(row)), [], "row without 0.1 keys")
    for prompt, status in (("Review it.", "succeeded"), ("DENY", "blocked"), ("FAIL", "failed")):
        result = client.invoke_network(
            slug, prompt_text=prompt, metadata={"case": status}, poll_interval=0.05, run_timeout=20
        )
        run.log.record(f"invoke_network.{status}", result)
        ex.equal(result["status"], status, "terminal status")
        ex.equal((result["slug"], result["prompt_id"]), (slug, result["run_id"]), "0.1 keys")
        ex.equal("run_url" in result and "model_id_used" in result, True, "0.1 keys")
        if run.full:
            ex.text(result["run_url"], "run_url")
            ex.equal(result["model_id_used"], result["model_id"], "model_id_used")
            ex.equal(result["governance_pass"], status != "blocked", "governance_pass")
            ex.instance(result["governance_reasons"], list, "governance_reasons")
            ex.text(result["evidence_download_url"], "evidence_download_url")
        if run.full and status == "succeeded":
            ex.text(result["output_text"], "output_text")
    if run.full:  # the sparse registration has no `upload_url`: nothing to upload to
        attachment_id = attach(run, client)
        attached = client.invoke_network(
            slug,
            prompt_text="Review the attached claims.",
            attachment_ids=[attachment_id],
            poll_interval=0.05,
            run_timeout=20,
        )
        run.log.record("invoke_network.attachments", attached)
        ex.equal(attached["attachment_ids"], [attachment_id], "the run's attachments")
    slow = run.raises(
        "invoke_network.timeout",
        "VelerianRunTimeoutError",
        lambda: client.invoke_network(
            slug,
            prompt_text="slow",
            metadata={"stub_duration_ms": 5000},
            poll_interval=0.05,
            run_timeout=0.3,
        ),
    )
    timeout = cast("RunTimeoutShape", slow)
    ex.text(timeout.run_id, "run_id on the timeout")
    ex.equal(timeout.status in {"queued", "running"}, True, "last status seen")


def attach(run: Run, client: Client01) -> str:
    """Register, upload and finalize a file, as 0.1.2's ``attachment_ids`` docs say."""
    data = b"claim_id,amount\n1,100\n"
    registered = client.post(
        "run-attachments",
        json={
            "filename": "claims.csv",
            "content_type": "text/csv",
            "size_bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        },
    ).json()
    attachment_id = run.expect.text(registered["id"], "attachment id")
    # A presigned link takes no API key (the storage path refuses one), so not `client`.
    upload = httpx.put(run.expect.text(registered["upload_url"], "upload_url"), content=data)
    run.expect.equal(upload.status_code, 200, "upload")
    ready = client.post(f"run-attachments/{attachment_id}/finalize").json()
    run.expect.equal(ready["status"], "ready", "finalized")
    return attachment_id


def main(argv: list[str] | None = None) -> int:
    """Run every call; write the shapes; fail on a broken promise or an unused method."""
    parser = argparse.ArgumentParser(description="Call every public method of a 0.1 client.")
    parser.add_argument("--shape", choices=("full", "sparse"), required=True)
    parser.add_argument("--flavour", choices=("published", "ours"), required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    sdk = importlib.import_module("velerian_sdk")
    run = Run(sdk, flavour=args.flavour, shape=args.shape)
    client_class = cast("type", sdk.VelerianClient)
    methods = public_methods(client_class)
    if run.published:
        mismatches = protocol_mismatches(Client01, client_class)
        run.expect.equal(mismatches, [], "Client01 against 0.1.2's signatures")
    used = record_calls(client_class, methods)
    client = run.client()
    abp_id, slug = run.env["VELERIAN_ABP_ID"], run.env["VELERIAN_NETWORK_SLUG"]
    invocation_id = invokes(run, client, abp_id)
    evidence(run, client, abp_id, invocation_id)
    usage(run, client)
    audit(run, client, abp_id, invocation_id)
    network(run, client, slug)
    escape_hatch(run, client)
    errors(run, client, run.env["VELERIAN_DRAFT_ABP_ID"])
    lifecycle(run)
    client.close()
    if run.published:
        run.expect.equal(FIELDS, run.log.dataclass_fields, "0.1.2's model fields")
        unused = sorted(set(methods) - used)
        run.expect.equal(unused, [], "public methods of 0.1.2 that no call used")
    args.out.write_text(json.dumps(run.log.document(methods), indent=1, sort_keys=True))
    print(f"{args.flavour} 0.1 client, {args.shape} stub: {len(run.log.shapes)} results")
    if run.published:
        called = ", ".join(sorted(used))
        print(f"  all {len(methods)} public methods of 0.1.2 called directly: {called}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
