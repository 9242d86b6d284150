"""
The SQLite database: one guarded connection, the DDL applied at start, typed rows.

All state lives in one SQLite database so that a stub restarted on the same file
continues where it stopped. One connection is shared by every request thread and
serialised by a re-entrant lock; each unit of work runs in one transaction.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Generator, Sequence
from contextlib import contextmanager
from typing import cast

from pydantic import JsonValue

from velerian_stub.store.ddl import ADDED_COLUMNS, SCHEMA

__all__ = ["Database", "Filter", "Params", "Row", "Session", "dump_json"]

Params = Sequence[object]


def dump_json(value: object) -> str:
    """
    Serialise a value for a JSON text column, compactly and deterministically.

    Args:
        value: Any JSON-compatible value.

    Returns:
        The JSON text with sorted keys.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Row:
    """
    One result row with typed accessors, so callers never handle untyped values.

    Each accessor raises ``TypeError`` when the stored value has another type: that is
    a schema bug, not a request error.
    """

    __slots__ = ("_row",)

    def __init__(self, row: sqlite3.Row) -> None:
        self._row = row

    def _get(self, key: str) -> object:
        value: object = self._row[key]
        return value

    def text(self, key: str) -> str:
        """Return a non-null text column."""
        value = self._get(key)
        if not isinstance(value, str):
            raise TypeError(f"column {key} is not text: {value!r}")
        return value

    def opt_text(self, key: str) -> str | None:
        """Return a nullable text column."""
        return None if self._get(key) is None else self.text(key)

    def integer(self, key: str) -> int:
        """Return a non-null integer column."""
        value = self._get(key)
        if not isinstance(value, int):
            raise TypeError(f"column {key} is not an integer: {value!r}")
        return value

    def opt_integer(self, key: str) -> int | None:
        """Return a nullable integer column."""
        return None if self._get(key) is None else self.integer(key)

    def real(self, key: str) -> float:
        """Return a non-null numeric column as a float."""
        value = self._get(key)
        if not isinstance(value, (int, float)):
            raise TypeError(f"column {key} is not numeric: {value!r}")
        return float(value)

    def opt_flag(self, key: str) -> bool | None:
        """Return a nullable 0/1 column as a bool."""
        return None if self._get(key) is None else bool(self.integer(key))

    def blob(self, key: str) -> bytes:
        """Return a non-null blob column."""
        value = self._get(key)
        if not isinstance(value, bytes):
            raise TypeError(f"column {key} is not a blob: {value!r}")
        return value

    def json_object(self, key: str) -> dict[str, JsonValue]:
        """Return a JSON text column that holds an object."""
        value: object = json.loads(self.text(key))
        if not isinstance(value, dict):
            raise TypeError(f"column {key} does not hold a JSON object")
        return cast("dict[str, JsonValue]", value)

    def string_list(self, key: str) -> list[str]:
        """Return a JSON text column that holds a list of strings."""
        value: object = json.loads(self.text(key))
        if not isinstance(value, list):
            raise TypeError(f"column {key} does not hold a JSON list")
        items = cast("list[object]", value)
        return [str(item) for item in items]


class Filter:
    """
    The ``WHERE`` clause of a list query, built from fixed SQL and placeholder values.

    Args:
        tenant_id: Every list is confined to one tenant.
    """

    def __init__(self, tenant_id: str) -> None:
        self.clauses: list[str] = ["tenant_id = ?"]
        self.params: list[object] = [tenant_id]

    def equals(self, column: str, value: object) -> Filter:
        """
        Require ``column = value``, unless ``value`` is ``None`` (no filter).

        Args:
            column: A column name (fixed text, never user input).
            value: The wanted value.

        Returns:
            This filter.
        """
        return self if value is None else self.where(f"{column} = ?", value)

    def where(self, sql: str, *params: object) -> Filter:
        """
        Add a condition.

        Args:
            sql: Fixed SQL with ``?`` placeholders.
            params: The placeholder values.

        Returns:
            This filter.
        """
        self.clauses.append(sql)
        self.params.extend(params)
        return self


class Session:
    """The statements of one transaction; obtained from :meth:`Database.session`."""

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Params = ()) -> int:
        """
        Run one statement.

        Args:
            sql: The statement, with ``?`` placeholders.
            params: The placeholder values.

        Returns:
            The number of rows changed.
        """
        return self._conn.execute(sql, params).rowcount

    def one(self, sql: str, params: Params = ()) -> Row | None:
        """
        Run a query and return its first row, if any.

        Args:
            sql: The query, with ``?`` placeholders.
            params: The placeholder values.

        Returns:
            The first row, or ``None`` when the query matched nothing.
        """
        row = cast("sqlite3.Row | None", self._conn.execute(sql, params).fetchone())
        return None if row is None else Row(row)

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        """
        Run a query and return every row.

        Args:
            sql: The query, with ``?`` placeholders.
            params: The placeholder values.

        Returns:
            The rows in the query's order.
        """
        rows = cast("list[sqlite3.Row]", self._conn.execute(sql, params).fetchall())
        return [Row(row) for row in rows]

    def page(
        self, table: str, where: Filter, *, order_by: str, limit: int, offset: int
    ) -> tuple[list[Row], int]:
        """
        Read one page of a table and count every matching row.

        Args:
            table: The table (fixed text).
            where: The conditions.
            order_by: The ordering (fixed text); it should end in a unique column.
            limit: The page size.
            offset: How many matching rows to skip.

        Returns:
            The page's rows and the total number of matching rows.
        """
        condition = " AND ".join(where.clauses)
        # Only fixed SQL from this package is interpolated; values stay placeholders.
        query = f"FROM {table} WHERE {condition}"
        total = self.count(f"SELECT COUNT(*) {query}", where.params)
        rows = self.all(
            f"SELECT * {query} ORDER BY {order_by} LIMIT ? OFFSET ?",
            [*where.params, limit, offset],
        )
        return rows, total

    def count(self, sql: str, params: Params = ()) -> int:
        """
        Run a ``SELECT COUNT(*)``-style query.

        Args:
            sql: A query whose first column of the first row is an integer.
            params: The placeholder values.

        Returns:
            That integer.
        """
        row = cast("tuple[int] | None", self._conn.execute(sql, params).fetchone())
        return 0 if row is None else int(row[0])


class Database:
    """
    The stub's SQLite database: opened once, shared by all request threads.

    Args:
        path: A file path, or ``":memory:"`` for a database that dies with the process.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0
        # One connection for every thread: the lock below serialises all access.
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA foreign_keys = ON")
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.executescript(SCHEMA)
        for table, column, kind in ADDED_COLUMNS:
            # A database made by an older stub lacks the column: add it in place.
            columns = {str(row[1]) for row in self._conn.execute(f"PRAGMA table_info({table})")}
            if column not in columns:
                self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        self._scope_idempotency_records_by_tenant()

    def _scope_idempotency_records_by_tenant(self) -> None:
        # An older stub keyed idempotency records by API key; they are now the tenant's.
        # Each record moves to its key's tenant, the key staying as its origin. Where two
        # keys of one tenant used the same Idempotency-Key, the later record is dropped:
        # its request had executed under the old rule, and under the new one it would
        # have been the first's replay, so neither is run again while the first is kept.
        columns = {
            str(row[1]) for row in self._conn.execute("PRAGMA table_info(idempotency_records)")
        }
        if "api_key_id" not in columns:
            return
        self._conn.execute("ALTER TABLE idempotency_records RENAME COLUMN api_key_id TO tenant_id")
        self._conn.execute(
            "UPDATE idempotency_records SET origin_key_id = tenant_id WHERE origin_key_id IS NULL"
        )
        self._conn.execute(
            "UPDATE OR IGNORE idempotency_records SET tenant_id ="
            " (SELECT k.tenant_id FROM api_keys k WHERE k.id = idempotency_records.origin_key_id)"
            " WHERE tenant_id IN (SELECT id FROM api_keys)"
        )
        self._conn.execute(
            "DELETE FROM idempotency_records WHERE tenant_id IN (SELECT id FROM api_keys)"
        )

    @contextmanager
    def session(self) -> Generator[Session, None, None]:
        """
        Run a unit of work in one transaction, committed on success, rolled back on error.

        Nested sessions on the same thread join the outer transaction.

        Yields:
            The session to run statements on.
        """
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield Session(self._conn)
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                self._conn.execute("COMMIT")

    def get_setting(self, key: str) -> str | None:
        """
        Read one value of the ``settings`` table.

        Args:
            key: The setting's name.

        Returns:
            Its value, or ``None`` when unset.
        """
        with self.session() as session:
            row = session.one("SELECT value FROM settings WHERE key = ?", (key,))
        return None if row is None else row.text("value")

    def close(self) -> None:
        """Close the connection; the database must not be used afterwards."""
        with self._lock:
            self._conn.close()
