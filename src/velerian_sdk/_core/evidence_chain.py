"""
Verify evidence packs against the documented chain-hash construction, with no network.

Each pack's ``chain_hash`` is ``sha256(prev_chain_hash + LF + canonical(pack))`` in
lower-case hex, where ``canonical(pack)`` is the pack's UTF-8 JSON without its
``chain_hash`` key, keys sorted, separators ``,`` and ``:``, no ASCII escaping, and the
first pack of a scope links to 64 zeros. A pack altered after the fact no longer hashes
to its ``chain_hash``; a removed or reordered pack breaks the ``prev_chain_hash`` link and
the ``sequence`` count of the pack after it. ``docs/evidence.md`` has the details.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from .errors import VelerianArgumentError, VelerianEvidenceError, with_scrubbed_cause
from .redaction import attribute, fields_repr
from .transfers import DownloadedFile

__all__ = [
    "GENESIS_HASH",
    "ChainBreak",
    "EvidenceVerification",
    "chain_hash",
    "load_evidence_packs",
    "verify_evidence",
]

GENESIS_HASH = "0" * 64
"""The ``prev_chain_hash`` of the first pack of every chain scope."""


def canonical_bytes(pack: Mapping[str, object]) -> bytes:
    """
    Return the bytes a pack's chain hash is computed over.

    Args:
        pack: One evidence pack as decoded JSON.

    Returns:
        Its canonical JSON without ``chain_hash``.
    """
    body = {key: value for key, value in pack.items() if key != "chain_hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_chain_hash: str, pack: Mapping[str, object]) -> str:
    """
    Compute the chain hash a pack must carry.

    Args:
        prev_chain_hash: The previous pack's ``chain_hash`` (64 zeros for the first).
        pack: The pack.

    Returns:
        Lower-case hex SHA-256.
    """
    digest = hashlib.sha256(prev_chain_hash.encode("ascii") + b"\n" + canonical_bytes(pack))
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """
    Where and why a chain failed to verify.

    Attributes:
        index: Position of the offending pack in the input (0-based).
        pack_id: Its ``id``, when it has one.
        chain_scope: The chain it belongs to.
        reason: What was wrong, in words.

    .. versionadded:: 0.2.0
    """

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    index: int
    pack_id: str | None
    chain_scope: str
    reason: str

    def __str__(self) -> str:
        index, scope, reason = (
            attribute(self, name) for name in ("index", "chain_scope", "reason")
        )
        return f"pack #{index} ({attribute(self, 'pack_id') or 'no id'}, {scope}): {reason}"


@dataclass(frozen=True, slots=True)
class EvidenceVerification:
    """
    The outcome of :func:`verify_evidence`.

    Attributes:
        packs_checked: How many packs were read.
        scopes: The chain scopes seen, in order of first appearance.
        breaks: Every problem found; empty when the evidence verifies.
        head_hashes: The last ``chain_hash`` of each scope, to anchor a later export.

    .. versionadded:: 0.2.0
    """

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    packs_checked: int
    scopes: tuple[str, ...]
    breaks: tuple[ChainBreak, ...]
    head_hashes: Mapping[str, str]

    @property
    def ok(self) -> bool:
        """True when every pack hashes correctly and every link holds."""
        return not self.breaks

    def raise_if_invalid(self) -> None:
        """
        Raise when the evidence does not verify.

        Raises:
            VelerianEvidenceError: Naming the first broken pack and every problem.
        """
        if self.breaks:
            raise VelerianEvidenceError(self.breaks)

    def __bool__(self) -> bool:
        return self.ok


def verify_evidence(
    source: str | os.PathLike[str] | bytes | DownloadedFile | Sequence[Mapping[str, object]],
    *,
    anchor: str | Mapping[str, str] | None = None,
    head: str | None = None,
) -> EvidenceVerification:
    """
    Check one pack, an export file, or a run of packs against the chain-hash rule.

    Every pack must hash to its ``chain_hash``; within a scope each pack must link to the
    one before it (``prev_chain_hash``) with ``sequence`` rising by one. The first pack
    of a scope must be the chain's genesis (sequence 1, linked to 64 zeros) unless
    ``anchor`` gives the hash it must link to, as when verifying a package exported with
    ``since``.

    Args:
        source: A path to an export file (``json`` or ``jsonl``), its bytes, the
            ``DownloadedFile`` a download returned, or decoded packs.
        anchor: The ``chain_hash`` the first pack of a scope must link to: one hash, or
            a mapping of chain scope to hash (such as a previous verification's
            ``head_hashes``). Without it, a scope starting at sequence 1 must link to
            genesis, and one starting later (a package exported with ``since``) is
            accepted as a continuation.
        head: The ``chain_hash`` the last pack must carry, e.g. an invoke's
            ``evidence_pack_chain_hash``; catches packs removed from the end.

    Returns:
        The verification, with every break found.

    Raises:
        VelerianArgumentError: The source is not evidence at all (unreadable file,
            not JSON, not a list of packs).

    Example:
        .. code-block:: python

            from velerian_sdk import verify_evidence

            result = verify_evidence("evidence.json")
            if not result.ok:
                for problem in result.breaks:
                    print(problem)
    """
    if isinstance(source, DownloadedFile):
        if source.path is None:
            msg = "that download went to a file object: pass the file's bytes instead"
            raise VelerianArgumentError(msg)
        source = source.path
    if isinstance(source, (str, bytes, os.PathLike)):
        packs = load_evidence_packs(source)
    else:
        packs = list(source)
    breaks: list[ChainBreak] = []
    last: dict[str, tuple[str, int]] = {}
    scopes: list[str] = []
    for index, pack in enumerate(packs):
        scope = str(pack.get("chain_scope", ""))
        if scope not in last:
            scopes.append(scope)
        reasons, link = _check_pack(pack, last.get(scope), _anchor_for(anchor, scope))
        pack_id = pack.get("id")
        shown_id = pack_id if isinstance(pack_id, str) else None
        breaks.extend(ChainBreak(index, shown_id, scope, reason) for reason in reasons)
        if link is not None:
            last[scope] = link
    heads = {scope: value[0] for scope, value in last.items()}
    if head is not None and head not in heads.values():
        breaks.append(
            ChainBreak(
                len(packs) - 1,
                None,
                scopes[-1] if scopes else "",
                "the last pack is not the expected head: packs are missing at the end",
            )
        )
    return EvidenceVerification(len(packs), tuple(scopes), tuple(breaks), heads)


def load_evidence_packs(source: str | os.PathLike[str] | bytes) -> list[Mapping[str, object]]:
    """
    Read the packs of an export file: ``{"packs": [...]}``, one pack, or JSON lines.

    Args:
        source: A path, or the file's bytes.

    Returns:
        The packs, in file order.

    Raises:
        VelerianArgumentError: The source cannot be read as evidence.
    """
    data = _read_evidence_file(source) if isinstance(source, (str, os.PathLike)) else source
    document = _decoded_evidence(data)
    if isinstance(document, dict):
        body = cast("dict[str, object]", document)
        document = body.get("packs", [body])
    if not isinstance(document, list) or not all(
        isinstance(item, dict) for item in cast("list[object]", document)
    ):
        msg = "the evidence must be a pack, a list of packs, or {'packs': [...]}"
        raise VelerianArgumentError(msg)
    return cast("list[Mapping[str, object]]", document)


def _read_evidence_file(source: str | os.PathLike[str]) -> bytes:
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        msg = f"cannot read evidence file {os.fspath(source)!r}: {exc.strerror}"
        failure = with_scrubbed_cause(VelerianArgumentError(msg), exc)
    raise failure


def _decoded_evidence(data: bytes) -> object:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply to decode
        pass
    try:
        return [json.loads(line) for line in data.splitlines() if line.strip()]
    except (ValueError, RecursionError) as exc:
        # A decoding error keeps the whole document, which may be confidential.
        msg = "the evidence is neither JSON nor JSON lines (or is nested too deeply)"
        failure = with_scrubbed_cause(VelerianArgumentError(msg), exc)
    raise failure


def _check_pack(
    pack: Mapping[str, object], previous: tuple[str, int] | None, anchor: str | None
) -> tuple[list[str], tuple[str, int] | None]:
    """Return what is wrong with one pack, and the link the next pack must match."""
    stated = pack.get("chain_hash")
    prev = pack.get("prev_chain_hash")
    sequence = pack.get("sequence")
    if not isinstance(stated, str) or not isinstance(prev, str):
        return ["chain_hash or prev_chain_hash is missing"], None
    reasons: list[str] = []
    if chain_hash(prev, pack) != stated:
        reasons.append("its content does not hash to its chain_hash: the pack was altered")
    if previous is not None:
        previous_hash, previous_sequence = previous
        if prev != previous_hash:
            reasons.append(
                "prev_chain_hash does not match the previous pack's chain_hash: "
                "a pack was removed, inserted or reordered before it"
            )
        elif isinstance(sequence, int) and sequence != previous_sequence + 1:
            reasons.append(f"sequence {sequence} does not follow {previous_sequence}")
    elif anchor is not None and prev != anchor:
        reasons.append("the first pack does not link to the given anchor")
    elif anchor is None and sequence == 1 and prev != GENESIS_HASH:
        reasons.append("the first pack of the chain does not link to the genesis hash")
    return reasons, (stated, sequence if isinstance(sequence, int) else -1)


def _anchor_for(anchor: str | Mapping[str, str] | None, scope: str) -> str | None:
    if anchor is None or isinstance(anchor, str):
        return anchor
    return anchor.get(scope)
