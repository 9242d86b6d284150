"""
A whole session against the faulty stub with every logger at DEBUG: no key appears anywhere.

The owner mints a key; the minted key invokes (retried through injected faults),
downloads evidence both ways, lists pages, and makes failing calls (409, 404, 403, and
401 with a revoked key); the async client does the same in brief. Every log line of
every logger, every ``repr``/``str`` of the clients, their internals, models, pages,
files and errors (tracebacks included), and everything written to stdout/stderr is
then searched for the owner key and the minted secrets.
"""

from __future__ import annotations

import asyncio
import traceback
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.reliability.attempt_log import AttemptLog
from tests.reliability.log_capture import capture_all_logs
from tests.reliability.soak_report import SoakReport
from tests.reliability.soak_settings import PATIENT_POLICY
from velerian_sdk import (
    AsyncVelerianClient,
    InvokeResult,
    Page,
    VelerianAuthError,
    VelerianClient,
    VelerianConflictError,
    VelerianError,
    VelerianForbiddenError,
    VelerianNotFoundError,
)
from velerian_stub import StubProcess
from velerian_stub.pytest_plugin import StubTenant, create_tenant

ALL_SCOPES = ["read", "write", "runs:read", "runs:write", "evidence:read", "audit:read"]


class Shown:
    """Everything a user could see printed: reprs, strs and tracebacks."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def add(self, *values: object) -> None:
        for value in values:
            self.texts.append(repr(value))
            self.texts.append(str(value))
            if isinstance(value, BaseException):
                self.texts.append("".join(traceback.format_exception(value)))
                if isinstance(value, VelerianError):
                    self.add(*(getattr(value, name, None) for name in ("detail", "body")))
                response = getattr(value, "response", None)
                if isinstance(response, httpx.Response):
                    self.add(response, response.headers, response.request.headers)

    def text(self) -> str:
        return "\n".join(self.texts)


def client_for(tenant: StubTenant, key: str, log: AttemptLog | None = None) -> VelerianClient:
    return VelerianClient(
        api_key=key,
        base_url=tenant.base_url,
        retry_policy=PATIENT_POLICY,
        middleware=[log] if log is not None else [],
    )


def sync_session(
    tenant: StubTenant, shown: Shown, log: AttemptLog, tmp_path: Path
) -> tuple[list[str], str]:
    """The sync half; returns the minted secrets and a presigned signature seen."""
    owner = client_for(tenant, tenant.api_key)
    minted = owner.api_keys.create(name="reliability", scopes=ALL_SCOPES)
    readonly = owner.api_keys.create(name="read-only", scopes=["read"])
    doomed = owner.api_keys.create(name="revoked", scopes=["read"])
    owner.api_keys.revoke(doomed.id)
    secrets = [k.secret.get_secret_value() for k in (minted, readonly, doomed)]
    user = client_for(tenant, secrets[0], log)
    results: list[InvokeResult] = []
    for n in range(40):  # until some call was retried through a fault (bounded)
        results.append(user.abps.invoke(tenant.abp_id, payload={"prompt": f"secret {n}"}))
        if any(len(log.of(a.key)) > 1 for a in log.every()):
            break
    result = results[-1]
    presigned = user.evidence.for_invocation(tenant.abp_id, result.invocation_id)
    streamed = user.evidence.for_invocation(tenant.abp_id, result.invocation_id, delivery="stream")
    files = [
        user.evidence.download(presigned, tmp_path / "presigned.json"),
        user.evidence.download(streamed, tmp_path / "streamed.json"),
    ]
    verification = user.evidence.verify(files[0], head=result.evidence_pack_chain_hash)
    assert (verification.ok, verification.packs_checked) == (True, 1)
    pages: list[Page[Any]] = [
        user.abps.list(),
        owner.api_keys.list(),
        user.audit.list(limit=5),
        user.plans.list(),
    ]
    errors: list[VelerianError] = []
    for error_type, call in (
        (VelerianConflictError, lambda: user.abps.invoke(tenant.draft_abp_id, payload={})),
        (VelerianNotFoundError, lambda: user.abps.retrieve("abp_doesnotexist")),
        (
            VelerianForbiddenError,
            lambda: user.with_options(api_key=secrets[1]).abps.invoke(tenant.abp_id, payload={}),
        ),
        (VelerianAuthError, user.with_options(api_key=secrets[2]).plans.list),
    ):
        with pytest.raises(error_type) as caught:
            call()
        errors.append(caught.value)
    shown.add(owner, user, user.with_options(max_retries=0), vars(owner), vars(user))
    shown.add(minted, readonly, doomed, minted.to_dict(), minted.raw, minted.to_json())
    shown.add(*results, presigned, streamed, *files, verification, *pages, *errors)
    shown.add(*(page.raw for page in pages), *(item for page in pages for item in page))
    shown.add(user.get("plans"), user.usage.summary())
    owner.close()
    user.close()
    signature = httpx.URL(presigned.download_url).params.get("sig", "")
    return secrets, signature


async def async_session(tenant: StubTenant, secret: str, shown: Shown) -> None:
    async with AsyncVelerianClient(
        api_key=secret, base_url=tenant.base_url, retry_policy=PATIENT_POLICY
    ) as client:
        result = await client.abps.invoke(tenant.abp_id, payload={"prompt": "async secret"})
        page = await client.abps.list()
        with pytest.raises(VelerianConflictError) as caught:
            await client.abps.invoke(tenant.draft_abp_id, payload={})
        shown.add(client, vars(client), client.with_options(timeout=5.0), result, page)
        shown.add(caught.value)


def test_no_key_or_minted_secret_appears_anywhere(
    faulty_stub: StubProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant = create_tenant(faulty_stub, "secrets session")
    shown, log = Shown(), AttemptLog()
    with capture_all_logs() as logs:
        secrets, signature = sync_session(tenant, shown, log, tmp_path)
        asyncio.run(async_session(tenant, secrets[0], shown))
    printed = capsys.readouterr()
    haystack = "\n".join([logs.text(), shown.text(), printed.out, printed.err])
    sdk_lines = "\n".join(line for name, line in logs.lines if name.startswith("velerian_sdk"))
    httpx_lines = [line for name, line in logs.lines if name == "httpx"]

    report = SoakReport("secrets session")
    report.figures.update(
        {
            "log records captured": len(logs.lines),
            "loggers seen": ", ".join(sorted(logs.loggers())),
            "reprs/strs/tracebacks checked": len(shown.texts),
            "calls retried in the session": len(
                {a.key for a in log.every() if len(log.of(a.key)) > 1}
            ),
            "secrets searched for": 1 + len(secrets),
            "secrets found": sum(1 for s in [tenant.api_key, *secrets] if s in haystack),
            "httpx INFO lines with a presigned sig": sum(signature in line for line in httpx_lines),
        }
    )
    report.publish()

    for secret in [tenant.api_key, *secrets]:
        assert secret not in haystack
        assert secret[-4:] in haystack  # shown masked, so the search looked in the right place
    assert signature
    assert signature not in haystack  # httpx's own INFO lines included
    # httpx did log the presigned download, with its query redacted.
    assert any("sig=REDACTED" in line for line in httpx_lines)
    # The capture really saw every layer, bodies and retries included.
    assert {"httpx", "httpcore.http11", "velerian_sdk"} <= logs.loggers()
    assert '"secret":"REDACTED"' in sdk_lines
    assert "retrying POST" in sdk_lines
    assert report.figures["calls retried in the session"] != 0
