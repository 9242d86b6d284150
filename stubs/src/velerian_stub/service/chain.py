r"""
The evidence chain: canonical bytes of a pack and the hash that links it to the last.

This module is deliberately small, pure and free of web code, so that it can be read
side by side with ``docs/api/decisions.md`` ("Chain hash"):

- ``canonical(pack)`` is the UTF-8 JSON of the pack without its ``chain_hash`` key,
  keys sorted, separators ``,`` and ``:``, no ASCII escaping;
- ``chain_hash = sha256(prev_chain_hash + "\n" + canonical(pack))`` in lower-case hex,
  where ``prev_chain_hash`` is the previous pack's hash in the same scope, or 64 zeros
  for the first pack of a scope.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

__all__ = ["GENESIS_HASH", "canonical", "compute_chain_hash", "verify_chain"]

GENESIS_HASH = "0" * 64


def canonical(pack: Mapping[str, object]) -> bytes:
    """
    Give the canonical bytes of an evidence pack, the input of its chain hash.

    Args:
        pack: The pack as a JSON object; a ``chain_hash`` key, if present, is left out.

    Returns:
        The UTF-8 bytes of the canonical JSON text.
    """
    body = {key: value for key, value in pack.items() if key != "chain_hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def compute_chain_hash(prev_chain_hash: str, pack: Mapping[str, object]) -> str:
    """
    Hash a pack onto the chain after ``prev_chain_hash``.

    Args:
        prev_chain_hash: The previous pack's ``chain_hash``, or :data:`GENESIS_HASH`.
        pack: The pack, with or without its own ``chain_hash``.

    Returns:
        The pack's ``chain_hash``: 64 lower-case hex characters.
    """
    digest = hashlib.sha256()
    digest.update(prev_chain_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical(pack))
    return digest.hexdigest()


def verify_chain(packs: Sequence[Mapping[str, object]]) -> bool:
    """
    Check a run of consecutive packs of one scope, as a client would.

    Every pack's hash must recompute from its ``prev_chain_hash``; every pack after the
    first must name its predecessor's hash and carry the next ``sequence``. A run may
    start mid-chain (an evidence package ``since`` some time), so the first pack's
    ``prev_chain_hash`` is taken as given.

    Args:
        packs: Packs in chain order.

    Returns:
        ``True`` when the run verifies.
    """
    previous: Mapping[str, object] | None = None
    for pack in packs:
        prev_hash = pack.get("prev_chain_hash")
        if not isinstance(prev_hash, str):
            return False
        if compute_chain_hash(prev_hash, pack) != pack.get("chain_hash"):
            return False
        if previous is not None:
            sequence = pack.get("sequence")
            previous_sequence = previous.get("sequence")
            if prev_hash != previous.get("chain_hash"):
                return False
            if not isinstance(sequence, int) or not isinstance(previous_sequence, int):
                return False
            if sequence != previous_sequence + 1:
                return False
        previous = pack
    return True
