"""
Stored answers are sealed under a per-database secret kept outside the database.

A replayed mint returns the minted secret again, so its stored answer holds it. The
database alone carries the idempotency keys (the execution log lists them) and an SDK
logs them at DEBUG, so a seal derived from the key alone would open for anyone with a
copy of the database: these tests take the key from the database itself.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from velerian_stub import StubConfig, create_app
from velerian_stub.service import context
from velerian_stub.service.context import context_of
from velerian_stub.store.database import Database

from .support import in_memory, open_api

MINT = {"name": "ci", "scopes": ["read"]}
SEAL_KEY_SUFFIX = ".seal-key"
OWNER_KEY = "vk_live_" + "s" * 40


def _mint_twice(db: Path, key: str) -> str:
    with open_api(in_memory(db_path=str(db), api_key=OWNER_KEY)) as api:
        first = api.post("/api/v2/api-keys", MINT, idempotency_key=key)
        again = api.post("/api/v2/api-keys", MINT, idempotency_key=key)
        assert first.status_code == again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        secret = str(first.json()["secret"])
        assert again.json()["secret"] == secret
        return secret


def _keystream_of_key_alone(key: str, size: int) -> bytes:
    # The d6f01c7 seal: SHA-256 in counter mode over a seed made from the key alone.
    seed = hashlib.sha256(b"velerian-stub replay\n" + key.encode()).digest()
    stream = b"".join(
        hashlib.sha256(seed + block.to_bytes(8, "big")).digest()
        for block in range((size + 31) // 32)
    )
    return stream[:size]


def test_the_database_with_the_idempotency_key_does_not_open_a_minted_secret(
    tmp_path: Path,
) -> None:
    db = tmp_path / "stub.sqlite3"
    secret = _mint_twice(db, "mint-1")
    with sqlite3.connect(db) as connection:
        keys = [
            str(row[0])
            for row in connection.execute(
                "SELECT idempotency_key FROM executions WHERE route = '/api/v2/api-keys'"
            )
        ]
        sealed = [
            bytes(row[0]) for row in connection.execute("SELECT body FROM idempotency_records")
        ]
        dumped = "\n".join(connection.iterdump()).encode()
    connection.close()
    assert keys == ["mint-1"], "the execution log holds the key: the database alone gives it"
    assert secret.encode() not in dumped
    # Whatever the key alone derives, it opens nothing.
    for body in sealed:
        for start in range(len(body)):
            opened = bytes(
                a ^ b
                for a, b in zip(
                    body[start:], _keystream_of_key_alone("mint-1", len(body) - start), strict=True
                )
            )
            assert secret.encode() not in opened


def test_a_copy_of_the_database_without_its_key_file_replays_no_secret(tmp_path: Path) -> None:
    db = tmp_path / "stub.sqlite3"
    secret = _mint_twice(db, "mint-1")
    stolen = tmp_path / "elsewhere" / "stub.sqlite3"
    stolen.parent.mkdir()
    shutil.copy(db, stolen)
    # Even a holder of the owner's key, replaying with a copy of the database and the
    # idempotency key, gets no secret.
    with open_api(in_memory(db_path=str(stolen), api_key=OWNER_KEY)) as api:
        replay = api.post("/api/v2/api-keys", MINT, idempotency_key="mint-1")
    assert secret not in replay.text
    # Sealed under another secret: the key was used, so it neither replays nor mints again.
    assert replay.status_code == 409, replay.text
    assert ".seal-key" in replay.json()["detail"]


def test_replay_still_works_across_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "stub.sqlite3"
    secret = _mint_twice(db, "mint-1")
    with open_api(in_memory(db_path=str(db), api_key=OWNER_KEY)) as api:
        replay = api.post("/api/v2/api-keys", MINT, idempotency_key="mint-1")
    assert replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["secret"] == secret


def test_the_secret_is_a_private_file_beside_the_database_not_in_it(tmp_path: Path) -> None:
    db = tmp_path / "stub.sqlite3"
    _mint_twice(db, "mint-1")
    key_file = Path(str(db) + SEAL_KEY_SUFFIX)
    text = key_file.read_text(encoding="ascii").strip()
    assert len(bytes.fromhex(text)) == 32
    if sys.platform != "win32":
        assert key_file.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(db) as connection:
        dumped = "\n".join(connection.iterdump())
    connection.close()
    assert text not in dumped
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_a_damaged_key_file_stops_the_start_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "stub.sqlite3"
    Path(str(db) + SEAL_KEY_SUFFIX).write_text("not hex\n", encoding="ascii")
    with pytest.raises(ValueError, match=r"seal-key does not hold a sealing secret"):
        create_app(StubConfig(db_path=str(db)))


def test_a_start_that_fails_leaves_its_database_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Database] = []

    class Recorded(Database):
        def __init__(self, path: str) -> None:
            super().__init__(path)
            opened.append(self)

    monkeypatch.setattr(context, "Database", Recorded)
    db = tmp_path / "stub.sqlite3"
    Path(str(db) + SEAL_KEY_SUFFIX).write_text("not hex\n", encoding="ascii")
    with pytest.raises(ValueError, match=r"seal-key does not hold a sealing secret"):
        create_app(StubConfig(db_path=str(db)))
    assert len(opened) == 1
    # Left open, the connection lived until the garbage collector found it (3.13 warns).
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        opened[0].get_setting("signing_secret")


def test_an_in_memory_database_keeps_its_secret_in_memory(tmp_path: Path) -> None:
    before = set(os.listdir(tmp_path))
    app = create_app(StubConfig(db_path=":memory:", blob_dir=str(tmp_path / "blobs")))
    context_of(app).close()
    assert not [name for name in set(os.listdir(tmp_path)) - before if SEAL_KEY_SUFFIX in name]


def test_a_database_from_an_older_stub_opens_and_never_runs_a_recorded_request_again(
    tmp_path: Path,
) -> None:
    db = tmp_path / "stub.sqlite3"
    _mint_twice(db, "mint-1")
    with sqlite3.connect(db) as connection:
        # As an older stub left it: no resource_id column, answers sealed the old way.
        connection.execute("ALTER TABLE idempotency_records DROP COLUMN resource_id")
        connection.execute("UPDATE idempotency_records SET body = X'00112233'")
    connection.close()
    with open_api(in_memory(db_path=str(db), api_key=OWNER_KEY)) as api:
        replay = api.post("/api/v2/api-keys", MINT, idempotency_key="mint-1")
        fresh = api.post("/api/v2/api-keys", MINT, idempotency_key="mint-2")
    assert replay.status_code == 409
    assert fresh.status_code == 201
    with sqlite3.connect(db) as connection:
        columns = {
            str(row[1]) for row in connection.execute("PRAGMA table_info(idempotency_records)")
        }
        minted = connection.execute(
            "SELECT COUNT(*) FROM executions WHERE idempotency_key = 'mint-1'"
        ).fetchone()
    connection.close()
    assert "resource_id" in columns
    assert minted == (1,)


def test_records_of_a_stub_that_scoped_them_per_key_move_to_the_tenant(tmp_path: Path) -> None:
    db = tmp_path / "stub.sqlite3"
    _mint_twice(db, "mint-1")
    with sqlite3.connect(db) as connection:
        # As a stub that kept records per API key left it: the owner column held key ids.
        connection.execute("ALTER TABLE idempotency_records DROP COLUMN origin_key_id")
        connection.execute("ALTER TABLE idempotency_records RENAME COLUMN tenant_id TO api_key_id")
        connection.execute(
            "UPDATE idempotency_records SET api_key_id ="
            " (SELECT id FROM api_keys WHERE tenant_id = idempotency_records.api_key_id LIMIT 1)"
        )
    connection.close()
    with open_api(in_memory(db_path=str(db), api_key=OWNER_KEY)) as api:
        repeat = api.post("/api/v2/api-keys", MINT, idempotency_key="mint-1")
    # The record moved to the tenant (its answer, sealed for the tenant, opens): replayed.
    assert repeat.status_code == 201
    assert repeat.headers["idempotent-replayed"] == "true"
    with sqlite3.connect(db) as connection:
        columns = {
            str(row[1]) for row in connection.execute("PRAGMA table_info(idempotency_records)")
        }
        owners = connection.execute(
            "SELECT r.tenant_id IN (SELECT id FROM tenants), r.origin_key_id IN"
            " (SELECT id FROM api_keys) FROM idempotency_records r"
        ).fetchall()
        minted = connection.execute(
            "SELECT COUNT(*) FROM executions WHERE idempotency_key = 'mint-1'"
        ).fetchone()
    connection.close()
    assert {"tenant_id", "origin_key_id"} <= columns
    assert "api_key_id" not in columns
    assert owners == [(1, 1)]
    assert minted == (1,)
