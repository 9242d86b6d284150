"""The seed: what a new database holds, and what a later start adds."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from velerian_stub import StubConfig, context_of, create_app
from velerian_stub.service.auth import hash_secret
from velerian_stub.service.provisioning import SeedInfo

KEY = "vk_live_" + "S" * 40


def start(db: Path, api_key: str | None) -> SeedInfo:
    app = create_app(StubConfig(db_path=str(db), api_key=api_key))
    context = context_of(app)
    try:
        return context.seed
    finally:
        context.close()


def key_state(db: Path, secret: str) -> tuple[bool, str | None]:
    app = create_app(StubConfig(db_path=str(db), api_key=KEY))
    context = context_of(app)
    try:
        with context.db.session() as session:
            row = session.one(
                "SELECT revoked_at FROM api_keys WHERE key_hash = ?", (hash_secret(secret),)
            )
        return row is not None, None if row is None else row.opt_text("revoked_at")
    finally:
        context.close()


def test_a_new_database_is_seeded(tmp_path: Path) -> None:
    app = create_app(StubConfig(db_path=str(tmp_path / "new.sqlite3"), api_key=KEY))
    context = context_of(app)
    try:
        seed = context.seed
        assert seed.api_key == KEY
        assert seed.network_slug == "claims-review"
        with context.db.session() as session:
            statuses = sorted(
                row.text("status")
                for row in session.all(
                    "SELECT status FROM abps WHERE tenant_id = ?", (seed.tenant_id,)
                )
            )
            plans = session.count("SELECT COUNT(*) FROM plans")
            role = session.one("SELECT role FROM users WHERE id = ?", (seed.owner_user_id,))
        assert statuses == ["archived", "deployed", "draft"]
        assert plans == 3
        assert role is not None
        assert role.text("role") == "owner"
    finally:
        context.close()
    assert (tmp_path / "new.sqlite3.blobs").is_dir()


def test_later_starts_keep_the_seed_and_add_keys(tmp_path: Path) -> None:
    db = tmp_path / "stub.sqlite3"
    first = start(db, KEY)
    minted = start(db, None)
    assert minted.api_key != KEY
    assert minted.tenant_id == first.tenant_id
    assert minted.abp_id == first.abp_id
    again = start(db, KEY)
    assert again.api_key == KEY
    assert key_state(db, KEY) == (True, None)
    assert key_state(db, minted.api_key) == (True, None)


def test_a_revoked_api_key_flag_is_reported_not_revived(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "stub.sqlite3"
    start(db, KEY)
    app = create_app(StubConfig(db_path=str(db)))
    context = context_of(app)
    with context.db.session() as session:
        session.execute("UPDATE api_keys SET revoked_at = '2020-01-01T00:00:00.000000Z'")
    context.close()
    with caplog.at_level(logging.WARNING, logger="velerian_stub"):
        start(db, KEY)
    assert "revoked" in caplog.text
    assert key_state(db, KEY)[1] is not None


def test_database_directories_are_created(tmp_path: Path) -> None:
    start(tmp_path / "deep" / "er" / "stub.sqlite3", KEY)
    assert (tmp_path / "deep" / "er" / "stub.sqlite3").exists()
