"""Persistent storage of policies, their versions, clauses, labels and clause embeddings.

``PolicyStore`` is the small interface the service needs; ``SQLiteStore`` implements it on one
SQLite file (WAL mode, so readers never wait for the writer). A server database can replace SQLite
by implementing the same protocol.

Schema (``schema_version`` records how far the ordered migrations in ``MIGRATIONS`` have run)::

    policies(id, name, source, source_url, fmt, raw_hash, content_hash, created_at, n_clauses)
    versions(policy_id, position, label, effective_date, title, text, headings)
    clauses(row, policy_id, version, position, id, section, start, end, text, kind, context)
    labels(clause_row, label)
    embeddings(clause_row, model_id, dim, vec)      -- raw float32 bytes, one row per model

Every write is one transaction (``BEGIN IMMEDIATE``): a policy is stored whole or not at all, and
deleting a policy cascades to its versions, clauses, labels and vectors.

Example
-------
>>> store = SQLiteStore(":memory:")
>>> store.migrate()  # the schema version reached
1
>>> store.list_policies().total
0
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Generic, Protocol, TypeVar, runtime_checkable

import numpy as np

from nlp.errors import InputError, NotFoundError, StoreError
from nlp.types import Clause, ClauseQuery, Policy, PolicyVersion

__all__ = [
    "MIGRATIONS",
    "Page",
    "PolicyRecord",
    "PolicyStore",
    "SQLiteStore",
    "StoredPolicy",
    "VersionInfo",
]

T = TypeVar("T")


# --- plain data the store returns -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """A stored version without its text: what listings show."""

    label: str
    effective_date: date | None
    title: str
    chars: int
    clause_count: int


@dataclass(frozen=True, slots=True)
class PolicyRecord:
    """A stored policy's metadata: its versions and clause count, not its text."""

    id: str
    name: str
    source: str
    source_url: str | None
    fmt: str
    content_hash: str
    created_at: str
    clause_count: int
    versions: tuple[VersionInfo, ...]


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    """Everything needed to put a stored policy back into the search index."""

    policy: Policy
    clauses: tuple[Clause, ...]
    embeddings: np.ndarray | None  # (n, dim) float32 for the asked model; None if any is missing


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing: ``items`` from ``offset``, and the ``total`` that matched."""

    items: tuple[T, ...]
    total: int
    offset: int
    limit: int


# --- the interface ----------------------------------------------------------------------------


@runtime_checkable
class PolicyStore(Protocol):
    """What the service needs from a database. Methods are safe to call from several threads."""

    def migrate(self) -> int:
        """Bring the schema up to date; return its version."""
        ...

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        ...

    def find_by_hash(self, content_hash: str) -> PolicyRecord | None:
        """The policy stored with this raw-upload or clean-text hash, if any."""
        ...

    def exists(self, policy_id: str) -> bool: ...

    def add_policy(
        self,
        policy: Policy,
        clauses: Sequence[Clause],
        embeddings: np.ndarray,
        *,
        model_id: str,
        fmt: str,
        content_hash: str,
        raw_hash: str,
        source_url: str | None = None,
    ) -> PolicyRecord:
        """Store a policy whole (one transaction); ``InputError`` if its id or hash is taken."""
        ...

    def put_embeddings(
        self, policy_id: str, clauses: Sequence[Clause], embeddings: np.ndarray, model_id: str
    ) -> None:
        """Store vectors of another model for clauses already stored (same order as stored)."""
        ...

    def put_labels(self, policy_id: str, clauses: Sequence[Clause]) -> None:
        """Replace the labels of a stored policy's clauses (given in stored order)."""
        ...

    def delete_policy(self, policy_id: str) -> None:
        """Delete a policy and everything under it; ``NotFoundError`` if unknown."""
        ...

    def get_policy(self, policy_id: str) -> PolicyRecord:
        """``NotFoundError`` if unknown."""
        ...

    def list_policies(self, *, offset: int = 0, limit: int = 50) -> Page[PolicyRecord]: ...

    def list_clauses(
        self,
        policy: str | ClauseQuery,
        *,
        version: str | None = None,
        category: str | None = None,
        q: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[Clause]:
        """Clauses of a policy in document order (``version`` a label; ``None``: every version).

        ``policy`` is the policy id, with the keywords; or a whole ``ClauseQuery`` instead of them.
        """
        ...

    def load_policy(self, policy_id: str, model_id: str) -> StoredPolicy: ...

    def policy_ids(self) -> list[str]: ...

    def close(self) -> None: ...


# --- SQLite -----------------------------------------------------------------------------------


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # Not executescript(): it commits first, which would split a migration from its version row.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _m1_initial(conn: sqlite3.Connection) -> None:
    _run_script(
        conn,
        """
        CREATE TABLE policies (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            source_url TEXT,
            fmt TEXT NOT NULL,
            raw_hash TEXT NOT NULL,
            content_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            n_clauses INTEGER NOT NULL
        );
        CREATE INDEX policies_raw_hash ON policies(raw_hash);
        CREATE TABLE versions (
            policy_id TEXT NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            label TEXT NOT NULL,
            effective_date TEXT,
            title TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            headings TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (policy_id, label)
        );
        CREATE TABLE clauses (
            row INTEGER PRIMARY KEY,
            policy_id TEXT NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
            version TEXT NOT NULL,
            position INTEGER NOT NULL,
            id TEXT NOT NULL,
            section TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            kind TEXT NOT NULL,
            context TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX clauses_policy ON clauses(policy_id, position);
        CREATE TABLE labels (
            clause_row INTEGER NOT NULL REFERENCES clauses(row) ON DELETE CASCADE,
            label TEXT NOT NULL,
            PRIMARY KEY (clause_row, label)
        );
        CREATE INDEX labels_label ON labels(label);
        CREATE TABLE embeddings (
            clause_row INTEGER NOT NULL REFERENCES clauses(row) ON DELETE CASCADE,
            model_id TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vec BLOB NOT NULL,
            PRIMARY KEY (clause_row, model_id)
        );
        """
    )


# Ordered; migration i (1-based) moves the schema from version i-1 to i. Append, never edit.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_m1_initial,)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SQLiteStore:
    """``PolicyStore`` on one SQLite file.

    Readers use one connection per thread (WAL lets them read while a write is in progress);
    writes go through one connection behind a lock, each in a single ``BEGIN IMMEDIATE``
    transaction, so a failure anywhere rolls the whole upload back. A busy timeout lets a second
    process on the same file wait its turn instead of failing.

    Parameters
    ----------
    path
        The database file (created with its folder), or ``":memory:"`` for a private in-memory
        database (one shared connection; for tests).
    """

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = str(path)
        self.timeout = timeout
        self._memory = self.path == ":memory:"
        self._write_lock = threading.RLock()
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None

    # -- connections ---------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            if not self._memory:
                path = Path(self.path).expanduser()
                path.parent.mkdir(parents=True, exist_ok=True)
                # Owner only: SQLite gives the -wal and -shm files the mode of the database.
                os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
            conn = sqlite3.connect(
                self.path,
                timeout=self.timeout,
                check_same_thread=False,
                isolation_level=None,  # transactions are explicit (BEGIN IMMEDIATE ... COMMIT)
            )
            conn.execute("PRAGMA foreign_keys=ON")
            if not self._memory:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the policy database {self.path}: {exc}; set POLICYLENS_DB to a "
                "writable file path"
            ) from exc
        with self._conns_lock:
            self._conns.append(conn)
        return conn

    def _writer_conn(self) -> sqlite3.Connection:
        if self._writer is None:
            self._writer = self._open()
        return self._writer

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        if self._memory:
            # One in-memory database exists per connection, so everyone shares the writer's.
            with self._write_lock:
                yield self._writer_conn()
            return
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._open()
        # A read transaction gives every multi-query read one consistent snapshot.
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock:
            conn = self._writer_conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")

    def close(self) -> None:
        """Close every connection this store opened."""
        with self._conns_lock:
            for conn in self._conns:
                with suppress(sqlite3.Error):
                    conn.close()
            self._conns.clear()
        self._writer = None
        self._local = threading.local()

    # -- schema --------------------------------------------------------------------------------

    def schema_version(self) -> int:
        """How many migrations have run (0 for a new file)."""
        with self._read() as conn:
            return self._version(conn)

    @staticmethod
    def _version(conn: sqlite3.Connection) -> int:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'"
        ).fetchone()
        if not exists:
            return 0
        row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def migrate(self) -> int:
        """Run the migrations this file has not seen, each in its own transaction."""
        with self._write() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            current = self._version(conn)
        if current > len(MIGRATIONS):
            raise StoreError(
                f"the policy database {self.path} has schema version {current}, newer than this "
                f"policylens knows ({len(MIGRATIONS)}); upgrade policylens or use another file"
            )
        for number in range(current + 1, len(MIGRATIONS) + 1):
            with self._write() as conn:
                MIGRATIONS[number - 1](conn)
                conn.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (number, _now()),
                )
        return len(MIGRATIONS)

    def ping(self) -> bool:
        """True when the database answers and its schema is current."""
        try:
            with self._read() as conn:
                return self._version(conn) == len(MIGRATIONS)
        except (sqlite3.Error, StoreError):
            return False

    # -- writes --------------------------------------------------------------------------------

    def add_policy(
        self,
        policy: Policy,
        clauses: Sequence[Clause],
        embeddings: np.ndarray,
        *,
        model_id: str,
        fmt: str,
        content_hash: str,
        raw_hash: str,
        source_url: str | None = None,
    ) -> PolicyRecord:
        """Store a policy with its versions, clauses, labels and vectors in one transaction."""
        emb = np.ascontiguousarray(embeddings, dtype=np.float32)
        if emb.ndim != 2 or emb.shape[0] != len(clauses):
            raise InputError(
                f"need one embedding per clause: got shape {emb.shape} for {len(clauses)} clauses"
            )
        labels = {v.label for v in policy.versions}
        stray = {c.version for c in clauses} - labels
        if stray or any(c.policy_id != policy.id for c in clauses):
            raise InputError(f"clauses do not belong to policy {policy.id!r} (versions {stray})")
        dim = int(emb.shape[1])
        with self._write() as conn:
            taken = conn.execute(
                "SELECT id FROM policies WHERE id = ? OR content_hash = ?",
                (policy.id, content_hash),
            ).fetchone()
            if taken:
                raise InputError(f"a policy with id or content of {policy.id!r} is already stored")
            conn.execute(
                "INSERT INTO policies (id, name, source, source_url, fmt, raw_hash, content_hash,"
                " created_at, n_clauses) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    policy.id,
                    policy.name,
                    policy.source,
                    source_url,
                    fmt,
                    raw_hash,
                    content_hash,
                    _now(),
                    len(clauses),
                ),
            )
            conn.executemany(
                "INSERT INTO versions (policy_id, position, label, effective_date, title, text,"
                " headings) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        policy.id,
                        i,
                        v.label,
                        v.effective_date.isoformat() if v.effective_date else None,
                        v.title,
                        v.text,
                        json.dumps([list(h) for h in v.headings]),
                    )
                    for i, v in enumerate(policy.versions)
                ],
            )
            for i, c in enumerate(clauses):
                row = conn.execute(
                    'INSERT INTO clauses (policy_id, version, position, id, section, start, "end",'
                    " text, kind, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        policy.id,
                        c.version,
                        i,
                        c.id,
                        json.dumps(list(c.section), ensure_ascii=False),
                        c.start,
                        c.end,
                        c.text,
                        c.kind,
                        c.context,
                    ),
                ).lastrowid
                if c.labels:
                    conn.executemany(
                        "INSERT OR IGNORE INTO labels (clause_row, label) VALUES (?, ?)",
                        [(row, lab) for lab in c.labels],
                    )
                conn.execute(
                    "INSERT INTO embeddings (clause_row, model_id, dim, vec) VALUES (?, ?, ?, ?)",
                    (row, model_id, dim, emb[i].tobytes()),
                )
        return self.get_policy(policy.id)

    def put_embeddings(
        self, policy_id: str, clauses: Sequence[Clause], embeddings: np.ndarray, model_id: str
    ) -> None:
        """Store ``model_id`` vectors for a stored policy's clauses (given in stored order)."""
        emb = np.ascontiguousarray(embeddings, dtype=np.float32)
        with self._write() as conn:
            rows = [
                r[0]
                for r in conn.execute(
                    "SELECT row FROM clauses WHERE policy_id = ? ORDER BY position", (policy_id,)
                )
            ]
            if len(rows) != len(clauses) or emb.shape[0] != len(rows):
                raise InputError(f"policy {policy_id!r} changed while its vectors were computed")
            conn.executemany(
                "INSERT OR REPLACE INTO embeddings (clause_row, model_id, dim, vec) "
                "VALUES (?, ?, ?, ?)",
                [(r, model_id, int(emb.shape[1]), emb[i].tobytes()) for i, r in enumerate(rows)],
            )

    def put_labels(self, policy_id: str, clauses: Sequence[Clause]) -> None:
        """Replace the labels of a stored policy's clauses (given in stored order)."""
        with self._write() as conn:
            rows = [
                r[0]
                for r in conn.execute(
                    "SELECT row FROM clauses WHERE policy_id = ? ORDER BY position", (policy_id,)
                )
            ]
            if len(rows) != len(clauses):
                raise InputError(f"policy {policy_id!r} changed while its clauses were labelled")
            conn.executemany("DELETE FROM labels WHERE clause_row = ?", [(r,) for r in rows])
            conn.executemany(
                "INSERT OR IGNORE INTO labels (clause_row, label) VALUES (?, ?)",
                [(r, lab) for r, c in zip(rows, clauses, strict=True) for lab in c.labels],
            )

    def delete_policy(self, policy_id: str) -> None:
        """Delete a policy; its versions, clauses, labels and vectors go with it (cascade)."""
        with self._write() as conn:
            cur = conn.execute("DELETE FROM policies WHERE id = ?", (policy_id,))
            if cur.rowcount == 0:
                raise NotFoundError(f"no policy {policy_id!r}; list them with GET /v1/policies")

    # -- reads ---------------------------------------------------------------------------------

    def exists(self, policy_id: str) -> bool:
        with self._read() as conn:
            return (
                conn.execute("SELECT 1 FROM policies WHERE id = ?", (policy_id,)).fetchone()
                is not None
            )

    def policy_ids(self) -> list[str]:
        """Ids of every stored policy, oldest first."""
        with self._read() as conn:
            return [r[0] for r in conn.execute("SELECT id FROM policies ORDER BY rowid")]

    def find_by_hash(self, content_hash: str) -> PolicyRecord | None:
        with self._read() as conn:
            row = conn.execute(
                "SELECT id FROM policies WHERE content_hash = ? OR raw_hash = ? LIMIT 1",
                (content_hash, content_hash),
            ).fetchone()
            return self._record(conn, row[0]) if row else None

    def get_policy(self, policy_id: str) -> PolicyRecord:
        with self._read() as conn:
            return self._record(conn, policy_id)

    def _record(self, conn: sqlite3.Connection, policy_id: str) -> PolicyRecord:
        row = conn.execute(
            "SELECT id, name, source, source_url, fmt, content_hash, created_at, n_clauses "
            "FROM policies WHERE id = ?",
            (policy_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no policy {policy_id!r}; list them with GET /v1/policies")
        counts = dict(
            conn.execute(
                "SELECT version, COUNT(*) FROM clauses WHERE policy_id = ? GROUP BY version",
                (policy_id,),
            ).fetchall()
        )
        versions = tuple(
            VersionInfo(
                label=label,
                effective_date=date.fromisoformat(eff) if eff else None,
                title=title,
                chars=int(chars),
                clause_count=int(counts.get(label, 0)),
            )
            for label, eff, title, chars in conn.execute(
                "SELECT label, effective_date, title, length(text) FROM versions "
                "WHERE policy_id = ? ORDER BY position",
                (policy_id,),
            )
        )
        return PolicyRecord(
            id=row[0],
            name=row[1],
            source=row[2],
            source_url=row[3],
            fmt=row[4],
            content_hash=row[5],
            created_at=row[6],
            clause_count=int(row[7]),
            versions=versions,
        )

    def list_policies(self, *, offset: int = 0, limit: int = 50) -> Page[PolicyRecord]:
        """Stored policies, oldest first."""
        with self._read() as conn:
            total = int(conn.execute("SELECT COUNT(*) FROM policies").fetchone()[0])
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM policies ORDER BY rowid LIMIT ? OFFSET ?",
                    (limit, offset),
                )
            ]
            items = tuple(self._record(conn, pid) for pid in ids)
        return Page(items=items, total=total, offset=offset, limit=limit)

    def list_clauses(
        self,
        policy: str | ClauseQuery,
        *,
        version: str | None = None,
        category: str | None = None,
        q: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[Clause]:
        """Clauses of a policy in document order, filtered by version, label and substring."""
        query = policy
        if not isinstance(query, ClauseQuery):
            query = ClauseQuery(
                policy=query,
                version=version,
                categories=(category,) if category else None,
                contains=q,
                offset=offset,
                limit=limit,
            )
        if query.policy is None:
            raise InputError("name the policy whose clauses to list")
        policy_id, offset, limit = query.policy, query.offset, query.limit
        where = ["c.policy_id = ?"]
        args: list[object] = [policy_id]
        if query.version is not None:
            where.append("c.version = ?")
            args.append(query.version)
        if query.categories:
            marks = ",".join("?" * len(query.categories))
            where.append(
                "EXISTS (SELECT 1 FROM labels l WHERE l.clause_row = c.row "
                f"AND l.label IN ({marks}))"
            )
            args.extend(query.categories)
        if query.contains:
            where.append("c.text LIKE ? ESCAPE '\\'")
            args.append(f"%{_like_escape(query.contains)}%")
        cond = " AND ".join(where)
        with self._read() as conn:
            if not conn.execute("SELECT 1 FROM policies WHERE id = ?", (policy_id,)).fetchone():
                raise NotFoundError(f"no policy {policy_id!r}; list them with GET /v1/policies")
            count = conn.execute(f"SELECT COUNT(*) FROM clauses c WHERE {cond}", args)
            total = int(count.fetchone()[0])
            rows = conn.execute(
                'SELECT c.row, c.id, c.policy_id, c.version, c.section, c.start, c."end", c.text,'
                f" c.kind, c.context FROM clauses c WHERE {cond} ORDER BY c.position"
                " LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
            items = tuple(self._clauses(conn, rows))
        return Page(items=items, total=total, offset=offset, limit=limit)

    @staticmethod
    def _clauses(conn: sqlite3.Connection, rows: list[tuple]) -> list[Clause]:
        labels: dict[int, list[str]] = {}
        keys = [r[0] for r in rows]
        for i in range(0, len(keys), 900):  # SQLite caps bound parameters per statement
            chunk = keys[i : i + 900]
            marks = ",".join("?" * len(chunk))
            for row, label in conn.execute(
                f"SELECT clause_row, label FROM labels WHERE clause_row IN ({marks}) "
                "ORDER BY clause_row, label",
                chunk,
            ):
                labels.setdefault(row, []).append(label)
        return [
            Clause(
                id=cid,
                policy_id=pid,
                version=ver,
                section=tuple(json.loads(section)),
                start=int(start),
                end=int(end),
                text=text,
                kind=kind,
                context=context,
                labels=tuple(labels.get(row, ())),
            )
            for row, cid, pid, ver, section, start, end, text, kind, context in rows
        ]

    def load_policy(self, policy_id: str, model_id: str) -> StoredPolicy:
        """A stored policy, its clauses and (when every one has them) their ``model_id`` vectors."""
        with self._read() as conn:
            prow = conn.execute(
                "SELECT id, name, source FROM policies WHERE id = ?", (policy_id,)
            ).fetchone()
            if prow is None:
                raise NotFoundError(f"no policy {policy_id!r}")
            versions = tuple(
                PolicyVersion(
                    label=label,
                    text=text,
                    effective_date=date.fromisoformat(eff) if eff else None,
                    title=title,
                    headings=tuple(tuple(h) for h in json.loads(headings)),  # type: ignore[misc]
                )
                for label, eff, title, text, headings in conn.execute(
                    "SELECT label, effective_date, title, text, headings FROM versions "
                    "WHERE policy_id = ? ORDER BY position",
                    (policy_id,),
                )
            )
            rows = conn.execute(
                'SELECT row, id, policy_id, version, section, start, "end", text, kind, context '
                "FROM clauses WHERE policy_id = ? ORDER BY position",
                (policy_id,),
            ).fetchall()
            clauses = tuple(self._clauses(conn, rows))
            vecs = conn.execute(
                "SELECT e.vec, e.dim FROM clauses c JOIN embeddings e ON e.clause_row = c.row "
                "AND e.model_id = ? WHERE c.policy_id = ? ORDER BY c.position",
                (model_id, policy_id),
            ).fetchall()
        embeddings: np.ndarray | None = None
        if len(vecs) == len(clauses) and vecs:
            dim = int(vecs[0][1])
            embeddings = np.frombuffer(b"".join(v for v, _ in vecs), dtype=np.float32).reshape(
                len(vecs), dim
            )
        elif not clauses:
            embeddings = np.zeros((0, 0), dtype=np.float32)
        policy = Policy(id=prow[0], name=prow[1], source=prow[2], versions=versions)
        return StoredPolicy(policy=policy, clauses=clauses, embeddings=embeddings)
