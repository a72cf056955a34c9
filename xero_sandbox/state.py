"""The sandbox's state, kept in its own SQLite file so it survives a restart.

Accounting objects are stored as the JSON documents Xero would return, one row each, with the
columns needed to find them quickly (natural key, name, status, UpdatedDateUTC). One connection
guarded by a lock: the sandbox is a test double and a demo server, and SQLite serialises writes
anyway; the lock also makes each handler's read-modify-write atomic (``with state.transaction()``).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS tenants (
    tenant_id TEXT PRIMARY KEY,
    tenant_name TEXT NOT NULL,
    tenant_type TEXT NOT NULL DEFAULT 'ORGANISATION',
    created_utc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS objects (
    tenant_id TEXT NOT NULL,
    kind TEXT NOT NULL,              -- Contacts, Items, TaxRates, Invoices, CreditNotes, Payments
    object_id TEXT NOT NULL,         -- ContactID, ItemID, TaxType, InvoiceID, ...
    natural_key TEXT,                -- ContactNumber, Item Code, InvoiceNumber, CreditNoteNumber
    name TEXT,                       -- Contact Name (unique among active contacts)
    status TEXT,
    updated_ms INTEGER NOT NULL,     -- UpdatedDateUTC in ms, for If-Modified-Since and ordering
    seq INTEGER NOT NULL,            -- insertion order, Xero's default page order
    doc TEXT NOT NULL,
    PRIMARY KEY (tenant_id, kind, object_id)
);
CREATE INDEX IF NOT EXISTS objects_key ON objects (tenant_id, kind, natural_key);
CREATE INDEX IF NOT EXISTS objects_name ON objects (tenant_id, kind, name);
CREATE INDEX IF NOT EXISTS objects_seq ON objects (tenant_id, kind, seq);
CREATE INDEX IF NOT EXISTS objects_updated ON objects (tenant_id, kind, updated_ms);
CREATE TABLE IF NOT EXISTS kv (
    scope TEXT NOT NULL,             -- auth_code, access_token, refresh_token, idempotency, ...
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE TABLE IF NOT EXISTS counters (
    method TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    status INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (method, endpoint, status)
);
"""


class SandboxState:
    """Thread-safe access to the sandbox's SQLite file (``:memory:`` for throwaway use)."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL" if self.path != ":memory:" else "PRAGMA journal_mode=MEMORY")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0
        self._savepoints = 0

    # -- transactions ---------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work; nested calls join the outer transaction."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self._conn
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")

    @contextmanager
    def savepoint(self) -> Iterator[sqlite3.Connection]:
        """A nested unit of work that can fail on its own.

        Unlike ``transaction()`` (whose nested calls join the outer one and cannot be undone
        alone), an exception inside a savepoint rolls back only the savepoint's writes and is
        re-raised. Batch writes use it so one bad element (``summarizeErrors=false``) or the
        whole batch (summarised errors) can be undone while the caller's transaction goes on.
        At depth 0 it is simply a transaction.
        """
        with self._lock:
            if self._depth == 0:
                with self.transaction() as db:
                    yield db
                return
            self._savepoints += 1
            name = f"sp_{self._savepoints}"
            self._conn.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield self._conn
            except BaseException:
                self._depth -= 1
                self._conn.execute(f"ROLLBACK TO {name}")
                self._conn.execute(f"RELEASE {name}")
                raise
            self._depth -= 1
            self._conn.execute(f"RELEASE {name}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- tenants --------------------------------------------------------------------------
    def add_tenant(self, tenant_id: str, name: str, created_utc: str, tenant_type: str = "ORGANISATION") -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO tenants (tenant_id, tenant_name, tenant_type, created_utc) VALUES (?,?,?,?)",
                (tenant_id, name, tenant_type, created_utc),
            )

    def tenants(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute("SELECT * FROM tenants ORDER BY created_utc, tenant_id").fetchall()
        return [dict(r) for r in rows]

    def tenant_exists(self, tenant_id: str) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM tenants WHERE tenant_id=?", (tenant_id,)).fetchone() is not None

    # -- accounting documents -------------------------------------------------------------
    def put_object(self, tenant_id: str, kind: str, object_id: str, doc: dict[str, Any], *,
                   updated_ms: int, natural_key: str | None = None, name: str | None = None,
                   status: str | None = None) -> None:
        with self.transaction() as db:
            row = db.execute(
                "SELECT seq FROM objects WHERE tenant_id=? AND kind=? AND object_id=?", (tenant_id, kind, object_id)
            ).fetchone()
            if row is None:
                seq = db.execute(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM objects WHERE tenant_id=? AND kind=?", (tenant_id, kind)
                ).fetchone()[0]
            else:
                seq = row["seq"]
            db.execute(
                "INSERT OR REPLACE INTO objects"
                " (tenant_id, kind, object_id, natural_key, name, status, updated_ms, seq, doc)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (tenant_id, kind, object_id, natural_key, name, status, updated_ms, seq, json.dumps(doc)),
            )

    def get_object(self, tenant_id: str, kind: str, object_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT doc FROM objects WHERE tenant_id=? AND kind=? AND object_id=?", (tenant_id, kind, object_id)
            ).fetchone()
        return json.loads(row["doc"]) if row else None

    def find_by_key(self, tenant_id: str, kind: str, natural_key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT doc FROM objects WHERE tenant_id=? AND kind=? AND natural_key=? ORDER BY seq LIMIT 1",
                (tenant_id, kind, natural_key),
            ).fetchone()
        return json.loads(row["doc"]) if row else None

    def find_by_name(self, tenant_id: str, kind: str, name: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT doc FROM objects WHERE tenant_id=? AND kind=? AND lower(name)=lower(?) ORDER BY seq",
                (tenant_id, kind, name),
            ).fetchall()
        return [json.loads(r["doc"]) for r in rows]

    def list_objects(self, tenant_id: str, kind: str, *, modified_since_ms: int | None = None,
                     ids: list[str] | None = None) -> Iterator[dict[str, Any]]:
        """Documents of one kind in Xero's stable order (creation order), optionally filtered."""
        sql = "SELECT doc FROM objects WHERE tenant_id=? AND kind=?"
        args: list[Any] = [tenant_id, kind]
        if modified_since_ms is not None:
            sql += " AND updated_ms > ?"
            args.append(modified_since_ms)
        if ids is not None:
            sql += f" AND object_id IN ({','.join('?' * len(ids))})"
            args.extend(ids)
        sql += " ORDER BY seq"
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        for row in rows:
            yield json.loads(row["doc"])

    def delete_object(self, tenant_id: str, kind: str, object_id: str) -> bool:
        """Remove one document (Items are the only accounting kind Xero lets you DELETE)."""
        with self.transaction() as db:
            cur = db.execute("DELETE FROM objects WHERE tenant_id=? AND kind=? AND object_id=?",
                             (tenant_id, kind, object_id))
        return cur.rowcount > 0

    def find_all_by_key(self, tenant_id: str, kind: str,
                        natural_key: str) -> list[dict[str, Any]]:
        """Every document of a kind holding a natural key (ACCPAY invoice numbers repeat)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT doc FROM objects WHERE tenant_id=? AND kind=? AND natural_key=?"
                " ORDER BY seq",
                (tenant_id, kind, natural_key),
            ).fetchall()
        return [json.loads(r["doc"]) for r in rows]

    @staticmethod
    def _query_sql(tenant_id: str, kind: str, *, modified_since_ms: int | None,
                   ids: list[str] | None, keys: list[str] | None, statuses: list[str] | None,
                   exclude_statuses: list[str] | None) -> tuple[str, list[Any]]:
        sql = " FROM objects WHERE tenant_id=? AND kind=?"
        args: list[Any] = [tenant_id, kind]
        if modified_since_ms is not None:
            sql += " AND updated_ms > ?"
            args.append(modified_since_ms)
        for column, values, negate in (("object_id", ids, False), ("natural_key", keys, False),
                                       ("status", statuses, False),
                                       ("status", exclude_statuses, True)):
            if values is None:
                continue
            marks = ",".join("?" * len(values)) or "NULL"
            if negate:
                # status may be NULL (documents without one); NOT IN would drop them.
                sql += f" AND (status IS NULL OR {column} NOT IN ({marks}))"
            else:
                sql += f" AND {column} IN ({marks})"
            args.extend(values)
        return sql, args

    def query_objects(self, tenant_id: str, kind: str, *,
                      modified_since_ms: int | None = None, ids: list[str] | None = None,
                      keys: list[str] | None = None, statuses: list[str] | None = None,
                      exclude_statuses: list[str] | None = None, limit: int | None = None,
                      offset: int = 0) -> list[dict[str, Any]]:
        """Like ``list_objects`` with more column filters, and LIMIT/OFFSET done in SQL so a page
        of a large table does not load every row."""
        where, args = self._query_sql(tenant_id, kind, modified_since_ms=modified_since_ms,
                                      ids=ids, keys=keys, statuses=statuses,
                                      exclude_statuses=exclude_statuses)
        sql = "SELECT doc" + where + " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args.extend([limit, offset])
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [json.loads(r["doc"]) for r in rows]

    def count_query(self, tenant_id: str, kind: str, *, modified_since_ms: int | None = None,
                    ids: list[str] | None = None, keys: list[str] | None = None,
                    statuses: list[str] | None = None,
                    exclude_statuses: list[str] | None = None) -> int:
        """How many documents ``query_objects`` would return without a limit."""
        where, args = self._query_sql(tenant_id, kind, modified_since_ms=modified_since_ms,
                                      ids=ids, keys=keys, statuses=statuses,
                                      exclude_statuses=exclude_statuses)
        with self._lock:
            return self._conn.execute("SELECT COUNT(*)" + where, args).fetchone()[0]

    def count_objects(self, tenant_id: str, kind: str) -> int:
        with self._lock:
            return self._conn.execute(
                "SELECT COUNT(*) FROM objects WHERE tenant_id=? AND kind=?", (tenant_id, kind)
            ).fetchone()[0]

    # -- small keyed records (auth codes, tokens, idempotency replies) --------------------
    def kv_put(self, scope: str, key: str, value: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO kv (scope, key, value) VALUES (?,?,?)", (scope, key, json.dumps(value)))

    def kv_get(self, scope: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM kv WHERE scope=? AND key=?", (scope, key)).fetchone()
        return json.loads(row["value"]) if row else None

    def kv_delete(self, scope: str, key: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM kv WHERE scope=? AND key=?", (scope, key))

    def kv_scope(self, scope: str) -> list[tuple[str, dict[str, Any]]]:
        with self._lock:
            rows = self._conn.execute("SELECT key, value FROM kv WHERE scope=?", (scope,)).fetchall()
        return [(r["key"], json.loads(r["value"])) for r in rows]

    # -- request counters (admin report) --------------------------------------------------
    def count_request(self, method: str, endpoint: str, status: int) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO counters (method, endpoint, status, count) VALUES (?,?,?,1)"
                " ON CONFLICT (method, endpoint, status) DO UPDATE SET count = count + 1",
                (method, endpoint, status),
            )

    def counters(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute("SELECT * FROM counters ORDER BY endpoint, method, status").fetchall()
        return [dict(r) for r in rows]

    # -- admin ----------------------------------------------------------------------------
    def reset(self, *, keep_tenants: bool = True, keep_kv_scopes: Iterable[str] = ()) -> None:
        """Forget every document, token, idempotency reply and counter.

        ``keep_kv_scopes`` spares some kv scopes: the admin reset keeps auth codes, tokens and
        connections so a connected client (which may need a person to re-consent) stays connected.
        """
        keep = list(keep_kv_scopes)
        with self.transaction() as db:
            db.execute("DELETE FROM objects")
            if keep:
                db.execute(f"DELETE FROM kv WHERE scope NOT IN ({','.join('?' * len(keep))})", keep)
            else:
                db.execute("DELETE FROM kv")
            db.execute("DELETE FROM counters")
            if not keep_tenants:
                db.execute("DELETE FROM tenants")
