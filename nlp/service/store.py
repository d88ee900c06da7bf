"""Persistent storage of policies, their versions, clauses, labels and clause embeddings.

``PolicyStore`` is the small interface the service needs; ``SQLiteStore`` implements it on one
SQLite file (WAL mode, so readers never wait for the writer). A server database can replace SQLite
by implementing the same protocol.

Schema (``schema_version`` records how far the ordered migrations in ``MIGRATIONS`` have run)::

    policies(id, name, source, source_url, fmt, raw_hash, content_hash, created_at, n_clauses,
             statements_key, policy_score, language_supported, warnings)
    versions(policy_id, position, label, effective_date, title, text, headings, language,
             languages, date_source)                 -- languages: JSON [code, share] pairs
    clauses(row, policy_id, version, position, id, section, start, end, text, kind, context,
            statements, language)                    -- JSON Statement records; NULL: not extracted
    labels(clause_row, label)
    embeddings(clause_row, model_id, dim, vec)      -- raw float32 bytes, one row per model
    jobs(id, kind, state, progress, request, payload, result, error, attempts, created_at, ...)

(``policies`` also holds ``statements_key``: which extractor wrote its clauses' statements.) The
migrations themselves are in :mod:`nlp.service.migrations`.

Every write is one transaction (``BEGIN IMMEDIATE``): a policy is stored whole or not at all, and
deleting a policy cascades to its versions, clauses, labels and vectors.

Example
-------
>>> store = SQLiteStore(":memory:")
>>> store.migrate()  # the schema version reached
4
>>> store.list_policies().total
0
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from nlp.errors import InputError, NotFoundError, StoreError
from nlp.serialize import from_record, to_record
from nlp.service.migrations import MIGRATIONS
from nlp.service.records import (
    JOB_STATES,
    JobRecord,
    Page,
    PolicyRecord,
    PolicyStore,
    Statements,
    StoredPolicy,
    VersionInfo,
)
from nlp.types import Clause, ClauseQuery, Policy, PolicyVersion, Statement

__all__ = [
    "JOB_STATES",
    "MIGRATIONS",
    "JobRecord",
    "Page",
    "PolicyRecord",
    "PolicyStore",
    "SQLiteStore",
    "StoredPolicy",
    "VersionInfo",
]

# --- SQLite -----------------------------------------------------------------------------------


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
        statements: Statements | None = None,
        statements_key: str | None = None,
        replace: bool = False,
    ) -> PolicyRecord:
        """Store a policy with its versions, clauses, labels, vectors (and statements, by clause
        id, when given) in one transaction.

        ``replace=True`` deletes the stored policy of the same id in that transaction: a crash
        leaves the old policy or the new one, never neither.
        """
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
            if replace:
                conn.execute("DELETE FROM policies WHERE id = ?", (policy.id,))
            taken = conn.execute(
                "SELECT id FROM policies WHERE id = ? OR content_hash = ?",
                (policy.id, content_hash),
            ).fetchone()
            if taken:
                raise InputError(f"a policy with id or content of {policy.id!r} is already stored")
            conn.execute(
                "INSERT INTO policies (id, name, source, source_url, fmt, raw_hash, content_hash,"
                " created_at, n_clauses, statements_key, policy_score, language_supported,"
                " warnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    statements_key if statements is not None else None,
                    policy.policy_score,
                    int(policy.language_supported),
                    json.dumps(list(policy.warnings), ensure_ascii=False),
                ),
            )
            conn.executemany(
                "INSERT INTO versions (policy_id, position, label, effective_date, title, text,"
                " headings, language, languages, date_source)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        policy.id,
                        i,
                        v.label,
                        v.effective_date.isoformat() if v.effective_date else None,
                        v.title,
                        v.text,
                        json.dumps([list(h) for h in v.headings]),
                        v.language,
                        json.dumps([list(x) for x in v.languages]),
                        v.date_source,
                    )
                    for i, v in enumerate(policy.versions)
                ],
            )
            for i, c in enumerate(clauses):
                row = conn.execute(
                    'INSERT INTO clauses (policy_id, version, position, id, section, start, "end",'
                    " text, kind, context, statements, language)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                        _statements_json(statements, c.id),
                        c.language,
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

    def put_statements(self, policy_id: str, statements: Statements, key: str) -> None:
        """Store the statements of a stored policy's clauses (by clause id), written by ``key``.

        Every clause of the policy must be given: the key then vouches for all of them.
        """
        with self._write() as conn:
            rows = conn.execute(
                "SELECT row, id FROM clauses WHERE policy_id = ? ORDER BY position", (policy_id,)
            ).fetchall()
            if not rows:
                self._record(conn, policy_id)  # NotFoundError for an unknown id
            missing = [cid for _, cid in rows if cid not in statements]
            if missing:
                raise InputError(f"no statements given for {len(missing)} clauses of {policy_id!r}")
            conn.executemany(
                "UPDATE clauses SET statements = ? WHERE row = ?",
                [(_statements_json(statements, cid), row) for row, cid in rows],
            )
            conn.execute("UPDATE policies SET statements_key = ? WHERE id = ?", (key, policy_id))

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

    def put_profile(self, policy: Policy, clauses: Sequence[Clause]) -> None:
        """Replace a stored policy's languages, policy score and warnings, and its clauses'
        languages (given in stored order)."""
        with self._write() as conn:
            rows = [
                r[0]
                for r in conn.execute(
                    "SELECT row FROM clauses WHERE policy_id = ? ORDER BY position", (policy.id,)
                )
            ]
            if len(rows) != len(clauses):
                raise InputError(f"policy {policy.id!r} changed while its languages were found")
            cur = conn.execute(
                "UPDATE policies SET policy_score = ?, language_supported = ?, warnings = ?"
                " WHERE id = ?",
                (
                    policy.policy_score,
                    int(policy.language_supported),
                    json.dumps(list(policy.warnings), ensure_ascii=False),
                    policy.id,
                ),
            )
            if cur.rowcount == 0:
                raise NotFoundError(f"no policy {policy.id!r}")
            conn.executemany(
                "UPDATE versions SET language = ?, languages = ? WHERE policy_id = ? AND label = ?",
                [
                    (v.language, json.dumps([list(x) for x in v.languages]), policy.id, v.label)
                    for v in policy.versions
                ],
            )
            conn.executemany(
                "UPDATE clauses SET language = ? WHERE row = ?",
                [(c.language, r) for r, c in zip(rows, clauses, strict=True)],
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
            "SELECT id, name, source, source_url, fmt, content_hash, created_at, n_clauses,"
            " policy_score, language_supported, warnings FROM policies WHERE id = ?",
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
                language=language,
                date_source=date_source,
            )
            for label, eff, title, chars, language, date_source in conn.execute(
                "SELECT label, effective_date, title, length(text), language, date_source"
                " FROM versions "
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
            policy_score=row[8],
            language_supported=_supported(row[9]),
            warnings=tuple(json.loads(row[10])) if row[10] else (),
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
                f" c.kind, c.context, c.language FROM clauses c WHERE {cond} ORDER BY c.position"
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
                language=language,
            )
            for row, cid, pid, ver, section, start, end, text, kind, context, language in rows
        ]

    def load_policy(self, policy_id: str, model_id: str) -> StoredPolicy:
        """A stored policy, its clauses and (when every one has them) their ``model_id`` vectors."""
        with self._read() as conn:
            prow = conn.execute(
                "SELECT id, name, source, statements_key, policy_score, language_supported,"
                " warnings FROM policies WHERE id = ?",
                (policy_id,),
            ).fetchone()
            if prow is None:
                raise NotFoundError(f"no policy {policy_id!r}")
            rows_v = conn.execute(
                "SELECT label, effective_date, title, text, headings, language, languages,"
                " date_source FROM versions WHERE policy_id = ? ORDER BY position",
                (policy_id,),
            ).fetchall()
            versions = tuple(
                PolicyVersion(
                    label=label,
                    text=text,
                    effective_date=date.fromisoformat(eff) if eff else None,
                    title=title,
                    headings=tuple(tuple(h) for h in json.loads(headings)),  # type: ignore[misc]
                    date_source=date_source,
                    language=language,
                    languages=tuple((c, float(s)) for c, s in json.loads(languages or "[]")),
                )
                for label, eff, title, text, headings, language, languages, date_source in rows_v
            )
            profiled = all(r[6] is not None for r in rows_v)
            rows = conn.execute(
                'SELECT row, id, policy_id, version, section, start, "end", text, kind, context,'
                " language FROM clauses WHERE policy_id = ? ORDER BY position",
                (policy_id,),
            ).fetchall()
            clauses = tuple(self._clauses(conn, rows))
            stored_statements = conn.execute(
                "SELECT id, statements FROM clauses WHERE policy_id = ? ORDER BY position",
                (policy_id,),
            ).fetchall()
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
        statements: dict[str, tuple[Statement, ...]] | None = None
        if prow[3] is not None and all(js is not None for _, js in stored_statements):
            statements = {
                cid: tuple(from_record(Statement, r) for r in json.loads(js))
                for cid, js in stored_statements
            }
        policy = Policy(
            id=prow[0],
            name=prow[1],
            source=prow[2],
            versions=versions,
            warnings=tuple(json.loads(prow[6])) if prow[6] else (),
            policy_score=prow[4],
            language_supported=_supported(prow[5]),
        )
        return StoredPolicy(
            policy=policy,
            clauses=clauses,
            embeddings=embeddings,
            statements=statements,
            statements_key=prow[3] if statements is not None else None,
            profiled=profiled,
        )

    # -- jobs ----------------------------------------------------------------------------------

    def add_job(self, job_id: str, kind: str, request: dict[str, Any], payload: bytes) -> JobRecord:
        """Keep a new ``queued`` job with its request and the bytes it will read."""
        now = _now()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO jobs (id, kind, state, progress, request, payload, created_at,"
                " updated_at) VALUES (?, ?, 'queued', 0, ?, ?, ?, ?)",
                (job_id, kind, json.dumps(request), payload, now, now),
            )
        return self.get_job(job_id)

    def update_job(
        self,
        job_id: str,
        *,
        state: str | None = None,
        progress: float | None = None,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> None:
        """Move a job on; ``succeeded``/``failed`` drop its payload (the result holds what
        matters); ``running`` counts an attempt."""
        if state is not None and state not in JOB_STATES:
            raise InputError(f"unknown job state {state!r}")
        sets = ["updated_at = ?"]
        args: list[object] = [_now()]
        for column, value in (("state", state), ("progress", progress)):
            if value is not None:
                sets.append(f"{column} = ?")
                args.append(value)
        for column, record in (("result", result), ("error", error)):
            if record is not None:
                sets.append(f"{column} = ?")
                args.append(json.dumps(record))
        if state == "running":
            sets.append("attempts = attempts + 1")
        if state in ("succeeded", "failed"):
            sets.append("payload = NULL")
        with self._write() as conn:
            cur = conn.execute(f"UPDATE jobs SET {', '.join(sets)} WHERE id = ?", [*args, job_id])
            if cur.rowcount == 0:
                raise NotFoundError(f"no job {job_id!r}")

    def get_job(self, job_id: str) -> JobRecord:
        """A stored job (``NotFoundError`` if unknown)."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no job {job_id!r}; jobs are made by large uploads")
        return _job(row)

    def job_payload(self, job_id: str) -> bytes | None:
        """The bytes a job reads (``None`` once it is final)."""
        with self._read() as conn:
            row = conn.execute("SELECT payload FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no job {job_id!r}")
        return bytes(row[0]) if row[0] is not None else None

    def unfinished_jobs(self) -> list[JobRecord]:
        """Jobs still ``queued`` or ``running``, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs WHERE state IN ('queued', 'running') "
                "ORDER BY created_at, rowid"
            ).fetchall()
        return [_job(r) for r in rows]


def _supported(value: int | None) -> bool:
    # NULL (a store from before languages were kept) reads as the type's default: supported.
    return value is None or bool(value)


_JOB_COLUMNS = "id, kind, state, progress, request, result, error, attempts, created_at, updated_at"


def _job(row: tuple[Any, ...]) -> JobRecord:
    jid, kind, state, progress, request, result, error, attempts, created, updated = row
    return JobRecord(
        id=jid,
        kind=kind,
        state=state,
        progress=float(progress),
        request=json.loads(request),
        result=json.loads(result) if result else None,
        error=json.loads(error) if error else None,
        attempts=int(attempts),
        created_at=created,
        updated_at=updated,
    )


def _statements_json(statements: Statements | None, clause_id: str) -> str | None:
    """A clause's statements as stored (``None``: not given, so not extracted yet)."""
    if statements is None or clause_id not in statements:
        return None
    return json.dumps([to_record(st) for st in statements[clause_id]], ensure_ascii=False)
