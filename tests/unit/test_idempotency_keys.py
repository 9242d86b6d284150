"""The generated Idempotency-Key: a canonical random UUID, new for every call."""

from __future__ import annotations

import uuid

from velerian_sdk._core.chain import new_idempotency_key


def test_a_key_is_a_canonical_version_4_uuid() -> None:
    for _ in range(200):
        key = new_idempotency_key()
        parsed = uuid.UUID(key)
        assert str(parsed) == key
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_keys_do_not_repeat() -> None:
    assert len({new_idempotency_key() for _ in range(10_000)}) == 10_000
