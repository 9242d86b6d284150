"""
A batch's journal: a SQLite file (stdlib ``sqlite3``) of the items a batch has seen.

Each row is one item key with its state: ``in_flight`` (sent, no answer kept yet),
``done`` (with the result's JSON) or ``failed``. A rerun with the same file skips
``done`` items without a request and sends the others again under their derived key,
which the API replays if the work already ran. The journal also catches a key given
twice in one run (each run marks the rows it takes with its own token), on disk, so a
batch of any size keeps memory flat. Without a path the journal is a temporary file,
deleted when the run ends.

Writes are not fsynced one by one (WAL, ``synchronous=NORMAL``): a crash may lose the
last few ``done`` rows, and the rerun then replays those items from the API's
idempotency records instead of skipping them; it never runs them twice.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .batch import VelerianBatchError
from .chain import new_idempotency_key
from .errors import with_scrubbed_cause
from .redaction import fields_repr

__all__ = ["RECORD_RETENTION_S", "BatchJournal", "JournalClaim"]

RECORD_RETENTION_S = 24 * 3600.0
"""How long the API keeps an idempotency record (``docs/api/decisions.md``)."""
_RETENTION_MARGIN_S = 600.0
"""Clocks differ: an item is resent only while its record surely still exists."""

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS batch (batch_id TEXT NOT NULL, target TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS items (key TEXT PRIMARY KEY, state TEXT NOT NULL,"
    " run_token TEXT NOT NULL, first_sent REAL NOT NULL, result TEXT, error TEXT)"
    " WITHOUT ROWID",
)


@dataclass(frozen=True, slots=True)
class JournalClaim:
    """
    What the journal says of an item about to be sent.

    Attributes:
        action: ``send`` (new, or unfinished by an earlier run), ``done`` (an earlier run
            finished it: skip it), ``duplicate`` (this run has already taken the key) or
            ``expired`` (an earlier run sent it without an answer so long ago that the
            API's record of it is gone: resending could run it twice).
        result: The stored result's JSON, for ``done``.
        first_sent: When the item was first sent (Unix seconds), for ``expired``.
    """

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    action: Literal["send", "done", "duplicate", "expired"]
    result: str | None = None
    first_sent: float = 0.0


class BatchJournal:
    """
    The journal of one batch (blocking calls; one runner uses it at a time).

    Args:
        path: The file; ``None`` for a temporary one, deleted by :meth:`close`.
        batch_id: The batch's id; a file of another batch is refused.
        target: What the batch runs (``abp:<id>``, ``network:<slug>``).
        clock: Unix seconds (replaceable in tests).

    Raises:
        VelerianBatchError: The file is not a journal, or is another batch's.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        batch_id: str,
        target: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._temporary: Path | None = None
        if path is None:
            handle, name = tempfile.mkstemp(prefix="velerian-batch-", suffix=".sqlite")
            os.close(handle)
            self._temporary = Path(name)
            path = name
        self.path = Path(path)
        self._run_token = new_idempotency_key()
        failure: VelerianBatchError | None
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            self._discard_temporary()
            msg = f"cannot open the batch journal {str(self.path)!r}: {exc}"
            failure = with_scrubbed_cause(VelerianBatchError(msg), exc)
        else:
            failure = self._opened(batch_id, target)
        if failure is not None:
            raise failure

    def _opened(self, batch_id: str, target: str) -> VelerianBatchError | None:
        """Read or start the journal; on failure, close it and return what to raise."""
        try:
            self._open(batch_id, target)
        except (sqlite3.Error, VelerianBatchError) as exc:
            self.close()
            if isinstance(exc, VelerianBatchError):
                raise
            msg = (
                f"{str(self.path)!r} is not a batch journal ({exc}): pass the journal file"
                " a run of this batch wrote, or a new path"
            )
            return with_scrubbed_cause(VelerianBatchError(msg), exc)
        return None

    def _open(self, batch_id: str, target: str) -> None:
        db = self._db
        if self._temporary is None:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
        else:  # nothing outlives the run, so nothing needs to reach the disk
            db.execute("PRAGMA synchronous=OFF")
        for statement in _SCHEMA:
            db.execute(statement)
        row = db.execute("SELECT batch_id, target FROM batch").fetchone()
        if row is None:
            db.execute("INSERT INTO batch (batch_id, target) VALUES (?, ?)", (batch_id, target))
        elif (row[0], row[1]) != (batch_id, target):
            msg = (
                f"the journal {str(self.path)!r} belongs to batch {row[0]!r} on {row[1]},"
                f" not to batch {batch_id!r} on {target}: pass that batch's id and target,"
                " or a new journal path"
            )
            raise VelerianBatchError(msg)

    def claim(self, key: str) -> JournalClaim:
        """
        Take an item for this run, or say why not.

        Args:
            key: The item's key.

        Returns:
            The claim.
        """
        db = self._db
        row = db.execute(
            "SELECT state, run_token, result, first_sent FROM items WHERE key = ?", (key,)
        ).fetchone()
        now = self._clock()
        if row is None:
            db.execute(
                "INSERT INTO items (key, state, run_token, first_sent)"
                " VALUES (?, 'in_flight', ?, ?)",
                (key, self._run_token, now),
            )
            return JournalClaim("send")
        if row[1] == self._run_token:
            return JournalClaim("duplicate")
        db.execute("UPDATE items SET run_token = ? WHERE key = ?", (self._run_token, key))
        if row[0] == "done":
            return JournalClaim("done", result=row[2])
        first_sent = float(row[3])
        if now - first_sent > RECORD_RETENTION_S - _RETENTION_MARGIN_S:
            return JournalClaim("expired", first_sent=first_sent)
        db.execute(
            "UPDATE items SET state = 'in_flight', run_token = ?, error = NULL WHERE key = ?",
            (self._run_token, key),
        )
        return JournalClaim("send")

    def finish(self, key: str, result: str) -> None:
        """Record an item's result."""
        self._db.execute("UPDATE items SET state = 'done', result = ? WHERE key = ?", (result, key))

    def fail(self, key: str, error: str) -> None:
        """Record that an item ended with an error (a rerun tries it again)."""
        self._db.execute("UPDATE items SET state = 'failed', error = ? WHERE key = ?", (error, key))

    def counts(self) -> dict[str, int]:
        """Items by state."""
        rows = self._db.execute("SELECT state, COUNT(*) FROM items GROUP BY state").fetchall()
        return {str(state): int(count) for state, count in rows}

    def close(self) -> None:
        """Close the file (and delete it, if it was temporary)."""
        self._db.close()
        self._discard_temporary()

    def _discard_temporary(self) -> None:
        if self._temporary is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self._temporary}{suffix}").unlink(missing_ok=True)
            self._temporary = None
