"""
Run a governed invocation, show the verdict, download and verify its evidence.

Reads VELERIAN_API_KEY, VELERIAN_BASE_URL and VELERIAN_ABP_ID from the environment;
`nox -s demo` sets them for a local stub server and runs this file.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from velerian_sdk import VelerianClient, VelerianError


def main() -> int:
    abp_id = os.environ["VELERIAN_ABP_ID"]
    with VelerianClient() as client:
        abp = client.abps.retrieve(abp_id)
        print(f"ABP {abp.name!r} ({abp.id}) is {abp.status}")

        # 1. A governed invocation (needs runs:write).
        result = client.abps.invoke(abp_id, payload={"prompt": "Summarize the attached filing."})
        print(
            f"verdict: {result.outcome} (allowed={result.is_allowed}, "
            f"conditions checked={result.constraint_count})"
        )
        if result.output is not None:
            print(f"output: {result.output.get('text')}")

        # 2. One the governance denies, and one it holds for a human.
        denied = client.abps.invoke(abp_id, payload={"prompt": "DENY this request"})
        print(f"verdict: {denied.outcome} (output withheld={denied.withheld})")
        held = client.abps.invoke(abp_id, payload={"prompt": "REQUIRE_APPROVAL first"})
        print(f"verdict: {held.outcome}, approval {held.approval_id} awaits a human")

        # 3. The evidence of the first invocation: export, download, verify.
        export = client.evidence.for_invocation(abp_id, result.invocation_id)
        with tempfile.TemporaryDirectory() as folder:
            saved = client.evidence.download(export, Path(folder) / "evidence.json")
            print(f"evidence: {saved.size_bytes} bytes, sha256 {saved.sha256[:16]}...")
            check = client.evidence.verify(saved, head=result.evidence_pack_chain_hash)
            print(f"chain verified: {check.ok} ({check.packs_checked} pack)")

        # 4. The audit trail, across pages.
        entries = list(client.audit.iter(action="abp.invoke", page_size=2))
        print(f"audit log: {len(entries)} abp.invoke entries, newest first:")
        for entry in entries[:3]:
            print(f"  {entry.created_at:%H:%M:%S} {entry.action} {entry.resource_id}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except VelerianError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
