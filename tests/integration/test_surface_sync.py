"""Every route through the sync client, against the stub (one fresh tenant per test)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from velerian_sdk import (
    VelerianAuthError,
    VelerianClient,
    VelerianConflictError,
    VelerianForbiddenError,
    VelerianNotFoundError,
    VelerianValidationError,
)
from velerian_stub.pytest_plugin import StubTenant


def test_abps(velerian_client: VelerianClient, velerian_tenant: StubTenant, sparse: bool) -> None:
    page = velerian_client.abps.list()
    ids = {abp.id for abp in page}
    assert velerian_tenant.abp_id in ids
    assert page.total == (None if sparse else len(page))
    deployed = velerian_client.abps.list(status="deployed")
    assert all(abp.status == "deployed" for abp in deployed)
    abp = velerian_client.abps.retrieve(velerian_tenant.abp_id)
    assert abp.status == "deployed"
    if sparse:
        assert abp.created_at is None
    else:
        assert abp.created_at is not None
        assert abp.created_at.tzinfo is not None


def test_invoke_verdicts(
    velerian_client: VelerianClient, velerian_tenant: StubTenant, sparse: bool
) -> None:
    abp = velerian_tenant.abp_id
    allowed = velerian_client.abps.invoke(abp, payload={"prompt": "fine"})
    assert (allowed.outcome, allowed.is_allowed, allowed.withheld) == ("allowed", True, False)
    assert (allowed.output is None) is sparse
    assert (allowed.evidence_pack_chain_hash is None) is sparse
    denied = velerian_client.abps.invoke(abp, payload={"prompt": "DENY"})
    assert (denied.outcome, denied.is_allowed, denied.output) == ("denied", False, None)
    held = velerian_client.abps.invoke(abp, payload={"prompt": "REQUIRE_APPROVAL"})
    assert held.requires_human
    assert (held.approval_id is None) is sparse
    # Without `approval_id` in the answer, the pending approvals list finds it.
    pending = [a.id for a in velerian_client.approvals.list(status="pending")]
    assert len(pending) == 1
    approval = velerian_client.approvals.retrieve(held.approval_id or pending[0])
    assert approval.status == (None if sparse else "pending")
    assert pending == [approval.id]
    decided = velerian_client.approvals.approve(approval.id, note="looks fine")
    assert decided.status == (None if sparse else "approved")
    with pytest.raises(VelerianConflictError):
        velerian_client.approvals.reject(approval.id)


def test_draft_abp_is_a_conflict(
    velerian_client: VelerianClient, velerian_tenant: StubTenant
) -> None:
    with pytest.raises(VelerianConflictError) as caught:
        velerian_client.abps.invoke(velerian_tenant.draft_abp_id, payload={})
    assert caught.value.request_id is not None


def test_validation_and_not_found(velerian_client: VelerianClient) -> None:
    with pytest.raises(VelerianNotFoundError):
        velerian_client.abps.retrieve("abp_doesnotexist")
    with pytest.raises(VelerianValidationError) as caught:
        velerian_client.post("abps/x/invoke", json={"not_payload": 1})
    assert "payload" in (caught.value.detail or "")


def test_idempotent_invoke_replays(
    velerian_client: VelerianClient, velerian_tenant: StubTenant
) -> None:
    abp = velerian_tenant.abp_id
    first = velerian_client.abps.invoke(abp, payload={"n": 1}, idempotency_key="same-key")
    again = velerian_client.abps.invoke(abp, payload={"n": 1}, idempotency_key="same-key")
    assert first.invocation_id == again.invocation_id
    entries = list(velerian_client.audit.iter(action="abp.invoke"))
    assert len(entries) == 1
    with pytest.raises(VelerianValidationError):
        velerian_client.abps.invoke(abp, payload={"n": 2}, idempotency_key="same-key")


def test_evidence_both_deliveries_and_package(
    velerian_client: VelerianClient, velerian_tenant: StubTenant, tmp_path: Path, sparse: bool
) -> None:
    abp = velerian_tenant.abp_id
    result = velerian_client.abps.invoke(abp, payload={"prompt": "fine"})
    for delivery in ("presigned", "stream"):
        export = velerian_client.evidence.for_invocation(
            abp, result.invocation_id, delivery=delivery
        )
        assert export.delivery == delivery
        saved = velerian_client.evidence.download(export, tmp_path / f"{delivery}.json")
        assert hashlib.sha256((tmp_path / f"{delivery}.json").read_bytes()).hexdigest() == (
            saved.sha256
        )
        assert export.sha256 == (None if sparse else saved.sha256)
        assert velerian_client.evidence.verify(saved, head=result.evidence_pack_chain_hash).ok
    for n in range(3):
        velerian_client.abps.invoke(abp, payload={"n": n})
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    package = velerian_client.evidence.package(abp, since=since, format="jsonl")
    saved = velerian_client.evidence.download(package, tmp_path)
    check = velerian_client.evidence.verify(saved)
    assert check.ok
    assert check.packs_checked == 4


def test_audit_pages(
    velerian_client: VelerianClient, velerian_tenant: StubTenant, sparse: bool
) -> None:
    for n in range(5):
        velerian_client.abps.invoke(velerian_tenant.abp_id, payload={"n": n})
    page = velerian_client.audit.list(action="abp.invoke", limit=2)
    assert len(page) == 2
    assert page.total == (None if sparse else 5)
    assert page.has_next_page()
    walked = list(page.iter_all())
    assert len(walked) == 5
    assert len({entry.id for entry in walked}) == 5
    capped = list(velerian_client.audit.iter(action="abp.invoke", page_size=2, max_items=3))
    assert len(capped) == 3
    resumed = list(velerian_client.audit.iter(action="abp.invoke", offset=3))
    assert [e.id for e in resumed] == [e.id for e in walked[3:]]


def test_usage_summary_and_plans(
    velerian_client: VelerianClient, velerian_tenant: StubTenant, sparse: bool
) -> None:
    velerian_client.abps.invoke(velerian_tenant.abp_id, payload={})
    summary = velerian_client.usage.summary(evidence_limit=10)
    assert summary.tenant_id == velerian_tenant.tenant_id
    assert len(summary.evidence_packs) == (0 if sparse else 1)
    plans = velerian_client.plans.list()
    assert len(plans) >= 1
    assert sum(1 for plan in plans if plan.current) == (0 if sparse else 1)


def test_api_keys_scopes_and_revocation(velerian_client: VelerianClient) -> None:
    minted = velerian_client.api_keys.create(name="reader", scopes=["read"])
    secret = minted.secret.get_secret_value()
    assert secret.startswith("vk_live_")
    assert secret not in repr(minted)
    assert minted.id in {key.id for key in velerian_client.api_keys.list()}
    with velerian_client.with_options(api_key=secret) as reader:
        assert len(reader.abps.list()) >= 1
        with pytest.raises(VelerianForbiddenError):
            reader.abps.invoke("abp_x", payload={})
    velerian_client.api_keys.revoke(minted.id)
    with velerian_client.with_options(api_key=secret) as revoked, pytest.raises(VelerianAuthError):
        revoked.abps.list()


def test_tenants_are_isolated(velerian_client: VelerianClient, velerian_stub: object) -> None:
    from velerian_stub import StubProcess
    from velerian_stub.pytest_plugin import create_tenant

    assert isinstance(velerian_stub, StubProcess)
    other = create_tenant(velerian_stub, "other")
    with pytest.raises(VelerianNotFoundError):
        velerian_client.abps.retrieve(other.abp_id)


def test_network_run_with_attachment(
    velerian_client: VelerianClient, velerian_tenant: StubTenant, sparse: bool
) -> None:
    attachment = velerian_client.attachments.upload(b"a,b\n1,2\n", filename="rows.csv")
    assert attachment.status == (None if sparse else "ready")
    assert velerian_client.attachments.retrieve(attachment.id).sha256 == attachment.sha256
    seen: list[str] = []
    run = velerian_client.networks.invoke(
        velerian_tenant.network_slug,
        prompt_text="Review",
        attachment_ids=[attachment.id],
        poll_interval=0.2,
        on_status=lambda r: seen.append(str(r.status)),
    )
    assert run.status == "succeeded"
    assert seen[-1] == "succeeded"
    assert (run.output_text is None) is sparse
    blocked = velerian_client.networks.invoke(
        velerian_tenant.network_slug, prompt_text="DENY this", poll_interval=0.2
    )
    assert blocked.status == "blocked"
    assert blocked.governance_pass is (None if sparse else False)
    failed = velerian_client.networks.invoke(
        velerian_tenant.network_slug, prompt_text="FAIL please", poll_interval=0.2
    )
    assert failed.status == "failed"
    assert velerian_client.runs.retrieve(run.id).status == "succeeded"
    assert {r.id for r in velerian_client.runs.list()} >= {run.id, blocked.id, failed.id}
    share = velerian_client.runs.share(run.id)
    assert share.share_url
    assert share.run_id == (None if sparse else run.id)
    revised = velerian_client.runs.revise(run.id, instructions="Shorter.")
    assert revised.id != run.id
    assert revised.revision_of == (None if sparse else run.id)


def test_run_resumes_from_its_id_in_a_new_client(
    velerian_client: VelerianClient, velerian_tenant: StubTenant
) -> None:
    from velerian_sdk import VelerianRunTimeoutError

    with pytest.raises(VelerianRunTimeoutError) as caught:
        velerian_client.networks.invoke(
            velerian_tenant.network_slug,
            prompt_text="slow",
            metadata={"stub_duration_ms": 1500},
            poll_interval=0.1,
            timeout=0.3,
        )
    run_id = caught.value.run_id
    assert caught.value.status in {"queued", "running"}
    with VelerianClient(api_key=velerian_tenant.api_key, base_url=velerian_tenant.base_url) as c:
        assert c.runs.wait(run_id, poll_interval=0.2, timeout=30).status == "succeeded"
