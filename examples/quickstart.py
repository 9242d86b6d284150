"""
Run a governed invocation, show the verdict, download and verify its evidence.

Reads VELERIAN_API_KEY, VELERIAN_BASE_URL and VELERIAN_ABP_ID (and, for the network
run, VELERIAN_NETWORK_SLUG) from the environment; `nox -s demo` sets them for a local
stub server and runs this file. In a terminal with `tqdm` installed the download draws
a progress bar; in a log (a pipe, a file, CI) every step is a plain line instead.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from velerian_sdk import (
    ProgressCallback,
    Run,
    TqdmProgress,
    VelerianArgumentError,
    VelerianClient,
    VelerianError,
)


def progress_bar(label: str) -> TqdmProgress | None:
    """A tqdm bar in a terminal with tqdm installed, else None (the SDK does not need tqdm)."""
    if not sys.stderr.isatty():
        return None  # a bar redraws itself with carriage returns: in a log they run together
    try:
        return TqdmProgress(label)
    except VelerianArgumentError:
        return None


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
        bar = progress_bar("evidence")
        progress: ProgressCallback | None = bar
        with tempfile.TemporaryDirectory() as folder:
            saved = client.evidence.download(
                export, Path(folder) / "evidence.json", progress=progress
            )
            if bar is not None:
                bar.close()
            print(f"evidence: {saved.size_bytes} bytes, sha256 {saved.sha256[:16]}...")
            check = client.evidence.verify(saved, head=result.evidence_pack_chain_hash)
            print(f"chain verified: {check.ok} ({check.packs_checked} pack)")

        # 4. A network run: queued, then waited for; one line per status change.
        slug = os.environ.get("VELERIAN_NETWORK_SLUG")
        if slug:
            statuses: list[str] = []
            print(f"network run on {slug!r}:")
            started = time.monotonic()

            def on_status(run: Run) -> None:
                statuses.append(str(run.status))
                print(f"  {run.status:<10} after {time.monotonic() - started:.1f} s")

            run = client.networks.invoke(
                slug, prompt_text="Review claim CLM-00042.", poll_interval=0.3, on_status=on_status
            )
            print(f"network run {run.id}: {' -> '.join(statuses)}")
            print(f"  governance passed={run.governance_pass}: {run.output_text}")

        # 5. The audit trail, across pages.
        entries = list(client.audit.iter(action="abp.invoke", page_size=2))
        print(f"audit log: {len(entries)} abp.invoke entries, oldest first:")
        for entry in entries[:3]:
            print(f"  {entry.created_at:%H:%M:%S} {entry.action} {entry.resource_id}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except VelerianError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
