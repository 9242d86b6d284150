"""``velerian evidence verify``: offline, on intact, tampered, truncated and forged files."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest

from velerian_sdk import VelerianClient, chain_hash
from velerian_stub import StubProcess
from velerian_stub.pytest_plugin import create_tenant

from .conftest import run_cli

INTACT, USAGE, INTEGRITY = 0, 2, 11
Pack = dict[str, object]


@dataclass(frozen=True)
class Evidence:
    """A real export of three packs, and the head hash the last invoke returned."""

    path: Path
    head: str

    def packs(self) -> list[Pack]:
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [cast("Pack", json.loads(line)) for line in lines]


@pytest.fixture(scope="module")
def evidence(velerian_stub: StubProcess, tmp_path_factory: pytest.TempPathFactory) -> Evidence:
    tenant = create_tenant(velerian_stub, name="cli evidence verify")
    folder = tmp_path_factory.mktemp("evidence")
    with VelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as client:
        head = ""
        for number in range(3):
            result = client.abps.invoke(tenant.abp_id, payload={"prompt": f"claim {number}"})
            head = result.evidence_pack_chain_hash or ""
        export = client.evidence.package(
            tenant.abp_id, since="2000-01-01T00:00:00Z", format="jsonl"
        )
        saved = client.evidence.download(export, folder / "evidence.jsonl")
    assert saved.path is not None
    return Evidence(saved.path, head)


def write_packs(path: Path, packs: list[Pack]) -> Path:
    path.write_text("".join(json.dumps(pack) + "\n" for pack in packs), encoding="utf-8")
    return path


@pytest.fixture
def offline() -> dict[str, str | None]:
    """No key, and a base URL where nothing listens: verify must not need either."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return {"VELERIAN_API_KEY": None, "VELERIAN_BASE_URL": f"http://127.0.0.1:{port}"}


def test_an_intact_file_verifies_offline(
    evidence: Evidence, offline: dict[str, str | None]
) -> None:
    run = run_cli("evidence", "verify", str(evidence.path), "--head", evidence.head, env=offline)
    assert run.status == INTACT, run.stderr
    assert "intact, 3 pack(s) in 1 chain(s)" in run.stdout

    run = run_cli("evidence", "verify", str(evidence.path), "--json", env=offline)
    document = run.document()
    assert run.status == INTACT
    assert document["intact"] is True
    assert document["packs_checked"] == 3
    assert document["problems"] == []
    assert list(cast("dict[str, str]", document["head_hashes"]).values()) == [evidence.head]


def test_a_tampered_pack_is_named_with_its_reason(evidence: Evidence, tmp_path: Path) -> None:
    packs = evidence.packs()
    packs[1]["input_text"] = "a different claim"
    tampered = write_packs(tmp_path / "tampered.jsonl", packs)

    run = run_cli("evidence", "verify", str(tampered))
    assert run.status == INTEGRITY
    assert "NOT INTACT" in run.stdout
    assert f"pack #1 ({packs[1]['id']}" in run.stdout
    assert "the pack was altered" in run.stdout

    run = run_cli("evidence", "verify", str(tampered), "--json")
    assert run.status == INTEGRITY
    assert run.document()["intact"] is False
    assert len(cast("list[str]", run.document()["problems"])) == 1


def test_a_file_cut_mid_pack_is_reported_cut_short(evidence: Evidence, tmp_path: Path) -> None:
    data = evidence.path.read_bytes()
    truncated = tmp_path / "truncated.jsonl"
    truncated.write_bytes(data[: len(data) - 40])

    run = run_cli("evidence", "verify", str(truncated), "--json")
    assert run.status == INTEGRITY
    assert run.document()["problems"] == [
        "line 3 ends in the middle of a pack: the file was cut short"
    ]
    assert run.document()["packs_checked"] == 2  # the whole lines are still checked


def test_a_json_export_cut_short_is_not_intact(evidence: Evidence, tmp_path: Path) -> None:
    document = json.dumps({"packs": evidence.packs()}).encode()
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(document[:-300])

    run = run_cli("evidence", "verify", str(truncated))
    assert run.status == INTEGRITY
    assert "the file ends in the middle of a pack: the file was cut short" in run.stdout


def test_a_file_missing_its_last_pack_fails_only_against_the_head(
    evidence: Evidence, tmp_path: Path
) -> None:
    shortened = write_packs(tmp_path / "short.jsonl", evidence.packs()[:2])

    assert run_cli("evidence", "verify", str(shortened)).status == INTACT
    run = run_cli("evidence", "verify", str(shortened), "--head", evidence.head)
    assert run.status == INTEGRITY
    assert "packs are missing at the end" in run.stdout


def test_a_forged_chain_is_caught_by_the_head(evidence: Evidence, tmp_path: Path) -> None:
    # A forger who knows the construction rewrites a pack and rehashes the chain after it:
    # every link holds, and only the head the invoke returned gives it away.
    packs = evidence.packs()
    packs[1]["input_text"] = "a different claim"
    previous = cast("str", packs[0]["chain_hash"])
    for pack in packs[1:]:
        pack["prev_chain_hash"] = previous
        pack["chain_hash"] = previous = chain_hash(previous, pack)
    forged = write_packs(tmp_path / "forged.jsonl", packs)

    assert run_cli("evidence", "verify", str(forged)).status == INTACT
    run = run_cli("evidence", "verify", str(forged), "--head", evidence.head, "--json")
    assert run.status == INTEGRITY
    problems = cast("list[str]", run.document()["problems"])
    assert problems == [
        "pack #2 (no id, {}): the last pack is not the expected head: packs are missing at "
        "the end".format(packs[2]["chain_scope"])
    ]


def test_reordered_packs_break_the_links(evidence: Evidence, tmp_path: Path) -> None:
    packs = evidence.packs()
    reordered = write_packs(tmp_path / "reordered.jsonl", [packs[0], packs[2], packs[1]])

    run = run_cli("evidence", "verify", str(reordered))
    assert run.status == INTEGRITY
    assert "a pack was removed, inserted or reordered before it" in run.stdout


def test_an_anchor_joins_a_later_package(evidence: Evidence, tmp_path: Path) -> None:
    packs = evidence.packs()
    later = write_packs(tmp_path / "later.jsonl", packs[1:])
    anchor = cast("str", packs[0]["chain_hash"])
    scope = cast("str", packs[0]["chain_scope"])

    assert run_cli("evidence", "verify", str(later), "--anchor", anchor).status == INTACT
    scoped = run_cli("evidence", "verify", str(later), "--anchor", f"{scope}={anchor}")
    assert scoped.status == INTACT
    run = run_cli("evidence", "verify", str(later), "--anchor", "0" * 64)
    assert run.status == INTEGRITY
    assert "does not link to the given anchor" in run.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--head", "abc"], "--head must be a chain hash of 64 hex digits, got 'abc'"),
        (
            ["--anchor", "s=" + "0" * 64, "--anchor", "x"],
            "with several --anchor values, each must be SCOPE=HASH, got 'x'",
        ),
    ],
)
def test_bad_hashes_are_usage_errors(evidence: Evidence, args: list[str], message: str) -> None:
    run = run_cli("evidence", "verify", str(evidence.path), *args)
    assert run.status == USAGE
    assert run.stderr == f"error: {message}\n"


def test_a_missing_file_is_a_usage_error_without_a_traceback(tmp_path: Path) -> None:
    run = run_cli("evidence", "verify", str(tmp_path / "nope.jsonl"))
    assert run.status == USAGE
    assert (
        run.stderr == f"error: cannot read {tmp_path / 'nope.jsonl'}: No such file or directory\n"
    )


def test_a_file_that_is_not_evidence_is_not_intact(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text("[1, 2]", encoding="utf-8")
    run = run_cli("evidence", "verify", str(other), "--json")
    assert run.status == INTEGRITY
    assert run.document()["problems"] == [
        "item #0 is not a pack (a JSON object)",
        "item #1 is not a pack (a JSON object)",
    ]


def test_an_empty_file_is_not_intact(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    run = run_cli("evidence", "verify", str(empty))
    assert run.status == INTEGRITY
    assert run.stdout.splitlines()[1:] == ["  the file holds no evidence packs"]
