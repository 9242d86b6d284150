"""The evidence chain, recomputed independently from the text of docs/api/decisions.md."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx

from velerian_stub.service.chain import GENESIS_HASH, canonical, compute_chain_hash, verify_chain

from .support import Api


def recompute(prev_chain_hash: str, pack: dict[str, Any]) -> str:
    """decisions.md: sha256(prev + "\\n" + canonical(pack without chain_hash)), lower hex."""
    body = {k: v for k, v in pack.items() if k != "chain_hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_chain_hash + "\n" + text).encode("utf-8")).hexdigest()


def download_packs(api: Api, since: str = "2000-01-01T00:00:00Z") -> list[dict[str, Any]]:
    response = api.get(f"/api/v2/abps/{api.abp_id}/evidence-package", params={"since": since})
    assert response.status_code == 200, response.text
    document = httpx.get(response.json()["download_url"]).json()
    assert document["format"] == "velerian.evidence.v1"
    packs: list[dict[str, Any]] = document["packs"]
    return packs


def test_invocations_form_a_verifiable_chain(api: Api) -> None:
    hashes = [
        api.invoke({"text": text}).json()["evidence_pack_chain_hash"]
        for text in ("first", "DENY this", "REQUIRE_APPROVAL", "ünïcödé ✓")
    ]
    packs = download_packs(api)
    assert [p["sequence"] for p in packs] == [1, 2, 3, 4]
    assert packs[0]["prev_chain_hash"] == "0" * 64
    previous = "0" * 64
    for pack, returned in zip(packs, hashes, strict=True):
        assert pack["prev_chain_hash"] == previous
        assert recompute(previous, pack) == pack["chain_hash"] == returned
        previous = pack["chain_hash"]
    assert verify_chain(packs)


def test_pack_fields_follow_the_decided_shape(api: Api) -> None:
    allowed = api.invoke({"text": "fine"}).json()
    denied = api.invoke({"text": "DENY"}).json()
    packs = download_packs(api)
    first, second = packs
    assert set(first) == {
        "id",
        "chain_scope",
        "sequence",
        "prev_chain_hash",
        "chain_hash",
        "tenant_id",
        "abp_id",
        "invocation_id",
        "run_id",
        "created_at",
        "verdict",
        "input_sha256",
        "output_sha256",
        "conditions",
        "model_id",
    }
    assert first["chain_scope"] == f"abp:{api.abp_id}"
    assert first["invocation_id"] == allowed["invocation_id"]
    assert first["run_id"] is None
    assert first["output_sha256"] == hashlib.sha256(allowed["output"]["text"].encode()).hexdigest()
    assert second["id"] == denied["evidence_pack_id"]
    assert second["verdict"] == {
        "outcome": "denied",
        "is_allowed": False,
        "requires_human": False,
        "withheld": True,
    }
    assert second["output_sha256"] is None
    assert first["created_at"].endswith("Z")


def test_tampering_is_detected(api: Api) -> None:
    for text in ("a", "b", "c"):
        api.invoke({"text": text})
    packs = download_packs(api)
    packs[1]["verdict"]["outcome"] = "denied"
    assert not verify_chain(packs)
    reordered = [packs[0], packs[2]]
    assert not verify_chain(reordered)


def test_chain_module_matches_the_independent_recomputation() -> None:
    pack: dict[str, Any] = {"b": 1, "a": "ü", "chain_hash": "ignored", "nested": {"z": 1, "y": [2]}}
    assert canonical(pack) == '{"a":"ü","b":1,"nested":{"y":[2],"z":1}}'.encode()
    assert compute_chain_hash(GENESIS_HASH, pack) == recompute(GENESIS_HASH, pack)


def test_verify_chain_accepts_a_run_that_starts_mid_chain() -> None:
    first: dict[str, Any] = {"sequence": 7, "prev_chain_hash": "f" * 64}
    first["chain_hash"] = recompute(first["prev_chain_hash"], first)
    second: dict[str, Any] = {"sequence": 8, "prev_chain_hash": first["chain_hash"]}
    second["chain_hash"] = recompute(second["prev_chain_hash"], second)
    assert verify_chain([first, second])
    second_skipping: dict[str, Any] = {**second, "sequence": 9}
    second_skipping["chain_hash"] = recompute(second_skipping["prev_chain_hash"], second_skipping)
    assert not verify_chain([first, second_skipping])


def test_network_runs_chain_in_their_own_scope(api: Api) -> None:
    for prompt in ("one", "two DENY"):
        response = api.post(f"/api/agenticx/networks/{api.slug}/invoke", {"prompt_text": prompt})
        assert response.status_code == 200
    rows = api.get("/api/v2/usage/summary").json()["evidence_packs"]
    network = [row for row in rows if row["chain_scope"] == f"network:{api.slug}"]
    assert [row["sequence"] for row in network] == [1, 2]
    first_url = api.get(f"/api/v2/pack-runs/{network[0]['run_id']}").json()["evidence_download_url"]
    second_url = api.get(f"/api/v2/pack-runs/{network[1]['run_id']}").json()[
        "evidence_download_url"
    ]
    first = httpx.get(first_url).json()["packs"][0]
    second = httpx.get(second_url).json()["packs"][0]
    assert first["abp_id"] is None
    assert first["invocation_id"] is None
    assert recompute("0" * 64, first) == first["chain_hash"]
    assert second["prev_chain_hash"] == first["chain_hash"]
    assert recompute(first["chain_hash"], second) == second["chain_hash"]
    assert second["verdict"]["outcome"] == "denied"
