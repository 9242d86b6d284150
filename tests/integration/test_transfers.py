"""Large downloads in constant memory, expired links, and tampered evidence, on the stub."""

from __future__ import annotations

import json
import time
import tracemalloc
import urllib.request
from pathlib import Path

import pytest

from velerian_sdk import (
    EvidenceExport,
    VelerianClient,
    VelerianExportExpiredError,
)
from velerian_stub import StubProcess
from velerian_stub.pytest_plugin import StubTenant, create_tenant

MiB = 1024 * 1024


def synthetic_export(stub: StubProcess, size: int, delivery: str) -> EvidenceExport:
    """Ask the stub for an export of `size` deterministic bytes in its seeded tenant."""
    request = urllib.request.Request(
        f"{stub.base_url}/_stub/exports",
        data=json.dumps({"size_bytes": size, "delivery": delivery}).encode(),
        headers={**stub.admin_headers, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return EvidenceExport.model_validate_json(response.read())


@pytest.mark.parametrize("delivery", ["presigned", "stream"])
def test_a_100_mib_download_streams_in_bounded_memory(
    velerian_stub: StubProcess, tmp_path: Path, delivery: str
) -> None:
    # The export belongs to the stub's seeded tenant, so its owner key downloads it.
    export = synthetic_export(velerian_stub, 100 * MiB, delivery)
    assert export.size_bytes == 100 * MiB
    client = VelerianClient(api_key=velerian_stub.api_key, base_url=velerian_stub.base_url)
    tracemalloc.start()
    try:
        saved = client.evidence.download(export, tmp_path / "big.jsonl")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        client.close()
    assert saved.size_bytes == 100 * MiB
    assert saved.sha256 == export.sha256
    assert (tmp_path / "big.jsonl").stat().st_size == 100 * MiB
    # The body is streamed in 256 KiB chunks: the peak of Python allocations during the
    # whole download stays a small fraction of the file (a buffered body would be 100 MiB).
    print(f"peak traced memory while downloading 100 MiB ({delivery}): {peak / MiB:.2f} MiB")
    assert peak < 8 * MiB


def test_an_expired_presigned_link_is_a_typed_error_and_leaves_nothing(tmp_path: Path) -> None:
    with StubProcess(args=["--presign-ttl", "1"]) as stub:
        tenant = create_tenant(stub)
        with VelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as client:
            result = client.abps.invoke(tenant.abp_id, payload={"prompt": "fine"})
            export = client.evidence.for_invocation(tenant.abp_id, result.invocation_id)
            time.sleep(1.2)
            with pytest.raises(VelerianExportExpiredError) as caught:
                client.evidence.download(export, tmp_path / "late.json")
    assert caught.value.export_id == export.export_id
    assert list(tmp_path.iterdir()) == []


def test_tampered_evidence_from_the_stub_is_detected(
    velerian_client: VelerianClient, velerian_tenant: StubTenant, tmp_path: Path
) -> None:
    abp = velerian_tenant.abp_id
    results = [velerian_client.abps.invoke(abp, payload={"n": n}) for n in range(4)]
    since = "2000-01-01T00:00:00Z"
    package = velerian_client.evidence.package(abp, since=since, format="jsonl")
    saved = velerian_client.evidence.download(package, tmp_path / "pack.jsonl")
    assert velerian_client.evidence.verify(saved, head=results[-1].evidence_pack_chain_hash).ok

    lines = (tmp_path / "pack.jsonl").read_text(encoding="utf-8").splitlines()
    edited = [json.loads(line) for line in lines]
    edited[1]["verdict"]["is_allowed"] = not edited[1]["verdict"]["is_allowed"]
    flipped = velerian_client.evidence.verify(edited)
    assert [b.index for b in flipped.breaks] == [1]

    reordered = [json.loads(line) for line in lines]
    reordered[1], reordered[2] = reordered[2], reordered[1]
    assert velerian_client.evidence.verify(reordered).breaks[0].index == 1

    removed = [json.loads(line) for i, line in enumerate(lines) if i != 2]
    assert [b.pack_id for b in velerian_client.evidence.verify(removed).breaks] == [
        json.loads(lines[3])["id"]
    ]
