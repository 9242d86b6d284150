"""Evidence verification: intact chains pass; altered, reordered, removed packs are named."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from velerian_sdk import (
    VelerianArgumentError,
    VelerianEvidenceError,
    verify_evidence,
)
from velerian_sdk._core.evidence_chain import load_evidence_packs

ZEROS = "0" * 64


def make_chain(
    count: int, scope: str = "abp:abp_1", start: int = 1, prev: str = ZEROS
) -> list[dict[str, object]]:
    """Build packs with the decisions.md rule, written out independently of the SDK."""
    packs: list[dict[str, object]] = []
    for number in range(start, start + count):
        pack: dict[str, object] = {
            "id": f"evp_{number}",
            "chain_scope": scope,
            "sequence": number,
            "prev_chain_hash": prev,
            "verdict": {"outcome": "allowed", "is_allowed": True},
            "note": "résumé ✓",
            "score": 0.5,
        }
        text = json.dumps(pack, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        pack["chain_hash"] = hashlib.sha256((prev + "\n" + text).encode()).hexdigest()
        prev = str(pack["chain_hash"])
        packs.append(pack)
    return packs


def test_an_intact_chain_verifies() -> None:
    packs = make_chain(5)
    result = verify_evidence(packs)
    assert result.ok
    assert bool(result)
    assert result.packs_checked == 5
    assert result.scopes == ("abp:abp_1",)
    assert result.head_hashes == {"abp:abp_1": packs[-1]["chain_hash"]}
    result.raise_if_invalid()


def test_a_flipped_byte_is_detected_at_its_pack(tmp_path: Path) -> None:
    packs = make_chain(4)
    data = bytearray(json.dumps({"format": "velerian.evidence.v1", "packs": packs}).encode())
    where = data.index(b'"evp_3"') + 3
    data[where] ^= 0x01  # evp_3 -> evp_2 with one bit flipped
    path = tmp_path / "evidence.json"
    path.write_bytes(bytes(data))
    result = verify_evidence(path)
    assert not result.ok
    assert [b.index for b in result.breaks] == [2]
    assert "altered" in result.breaks[0].reason


def test_a_changed_field_is_detected() -> None:
    packs = make_chain(3)
    packs[1]["verdict"] = {"outcome": "denied", "is_allowed": False}
    result = verify_evidence(packs)
    assert [(b.index, b.pack_id) for b in result.breaks] == [(1, "evp_2")]


def test_reordered_packs_are_detected() -> None:
    packs = make_chain(4)
    packs[1], packs[2] = packs[2], packs[1]
    result = verify_evidence(packs)
    assert result.breaks
    assert result.breaks[0].index == 1
    assert "reordered" in result.breaks[0].reason


def test_a_removed_pack_is_detected_at_the_next_one() -> None:
    packs = make_chain(5)
    del packs[2]
    result = verify_evidence(packs)
    assert [(b.index, b.pack_id) for b in result.breaks] == [(2, "evp_4")]
    with pytest.raises(VelerianEvidenceError, match="evp_4") as caught:
        result.raise_if_invalid()
    assert caught.value.breaks == list(result.breaks)


def test_a_removed_first_pack_is_detected_with_an_anchor() -> None:
    packs = make_chain(3)
    result = verify_evidence(packs[1:], anchor=ZEROS)
    assert [(b.index, b.pack_id) for b in result.breaks] == [(0, "evp_2")]
    assert "anchor" in result.breaks[0].reason
    anchored = verify_evidence(packs[1:], anchor=str(packs[0]["chain_hash"]))
    assert (anchored.ok, anchored.packs_checked) == (True, 2)


def test_a_first_pack_not_linked_to_genesis_is_detected() -> None:
    # Sequence 1, every hash consistent, but linked to something other than 64 zeros:
    # the start of the chain was cut off and the rest renumbered, or it was made up.
    packs = make_chain(3, prev="ab" * 32)
    result = verify_evidence(packs)
    assert not result.ok
    assert [(b.index, b.pack_id) for b in result.breaks] == [(0, "evp_1")]
    assert "genesis" in result.breaks[0].reason
    with pytest.raises(VelerianEvidenceError, match="genesis"):
        result.raise_if_invalid()
    # The same packs verify when the caller names the hash they continue from.
    assert verify_evidence(packs, anchor="ab" * 32).ok


def test_a_removed_last_pack_is_detected_with_a_head() -> None:
    packs = make_chain(3)
    head = str(packs[-1]["chain_hash"])
    assert verify_evidence(packs, head=head).ok
    result = verify_evidence(packs[:-1], head=head)
    assert [b.index for b in result.breaks] == [1]
    assert "missing at the end" in result.breaks[0].reason


def test_a_continuation_verifies_and_chains_onto_the_previous_export() -> None:
    packs = make_chain(6)
    first = verify_evidence(packs[:3])
    assert first.head_hashes == {"abp:abp_1": packs[2]["chain_hash"]}
    rest = verify_evidence(packs[3:])
    assert (rest.ok, rest.packs_checked) == (True, 3)
    anchored = verify_evidence(packs[3:], anchor=first.head_hashes)
    assert (anchored.ok, anchored.packs_checked) == (True, 3)
    assert anchored.head_hashes == {"abp:abp_1": packs[-1]["chain_hash"]}
    assert not verify_evidence(packs[4:], anchor=first.head_hashes).ok


def test_scopes_are_verified_independently() -> None:
    left = make_chain(2, "abp:a")
    right = make_chain(2, "network:n")
    mixed = [left[0], right[0], left[1], right[1]]
    result = verify_evidence(mixed)
    assert result.ok
    assert result.packs_checked == 4
    assert result.scopes == ("abp:a", "network:n")
    assert result.head_hashes == {
        "abp:a": left[1]["chain_hash"],
        "network:n": right[1]["chain_hash"],
    }


def test_jsonl_exports_are_read(tmp_path: Path) -> None:
    packs = make_chain(3)
    path = tmp_path / "evidence.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in packs) + "\n", encoding="utf-8")
    head = {"abp:abp_1": packs[-1]["chain_hash"]}
    for source in (path, path.read_bytes()):
        result = verify_evidence(source)
        assert (result.ok, result.packs_checked, result.head_hashes) == (True, 3, head)


def test_a_single_pack_document_is_read() -> None:
    # `.ok` alone would also hold for a document read as no packs at all.
    pack = make_chain(1)[0]
    result = verify_evidence(json.dumps(pack).encode())
    assert (result.ok, result.packs_checked) == (True, 1)
    assert result.head_hashes == {"abp:abp_1": pack["chain_hash"]}
    altered = {**pack, "score": 0.6}
    assert not verify_evidence(json.dumps(altered).encode()).ok


def test_each_export_shape_reads_every_pack(tmp_path: Path) -> None:
    packs = make_chain(3)
    shapes = {
        "export": json.dumps({"format": "velerian.evidence.v1", "packs": packs}),
        "list": json.dumps(packs),
        "jsonl": "\n".join(json.dumps(p) for p in packs),
        "one pack": json.dumps(packs[0]),
    }
    for name, text in shapes.items():
        expected = packs[:1] if name == "one pack" else packs
        assert load_evidence_packs(text.encode()) == expected, name
        path = tmp_path / f"{name}.json"
        path.write_text(text, encoding="utf-8")
        assert load_evidence_packs(path) == expected, name


def test_missing_hashes_are_reported() -> None:
    packs = make_chain(2)
    del packs[0]["chain_hash"]
    result = verify_evidence(packs)
    assert "missing" in result.breaks[0].reason


@pytest.mark.parametrize(
    "data", [b"not json", b"[1, 2]", b'"text"', b"{}\n[", b"[" * 100_000 + b"]" * 100_000]
)
def test_non_evidence_is_an_argument_error(data: bytes) -> None:
    with pytest.raises(VelerianArgumentError):
        verify_evidence(data)


def test_an_unreadable_file_is_an_argument_error(tmp_path: Path) -> None:
    with pytest.raises(VelerianArgumentError, match="cannot read"):
        verify_evidence(tmp_path / "absent.json")


def test_a_downloaded_file_is_verified_by_its_path(tmp_path: Path) -> None:
    from velerian_sdk import DownloadedFile

    path = tmp_path / "e.json"
    path.write_text(json.dumps({"packs": make_chain(2)}), encoding="utf-8")
    result = verify_evidence(DownloadedFile(path, 10, "x"))
    assert (result.ok, result.packs_checked) == (True, 2)
    with pytest.raises(VelerianArgumentError, match="file object"):
        verify_evidence(DownloadedFile(None, 10, "x"))
