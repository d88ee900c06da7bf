"""The schema of the policy store, as ordered migrations (append, never edit).

Migration ``i`` (1-based) moves a store from schema version ``i - 1`` to ``i``;
``SQLiteStore.migrate`` runs the ones a file has not seen, each in its own transaction with its
``schema_version`` row, so a store written by an older policylens is upgraded in place and keeps
everything it holds.

1. policies, versions, clauses, labels, embeddings.
2. statements: ``clauses.statements`` (JSON list of the clause's ``Statement`` records; ``NULL``:
   not extracted yet) and ``policies.statements_key`` (which extractor wrote them).
3. jobs: uploads processed in the background, with their state, progress, request and result.
4. language and document profile: ``versions.language``, ``versions.languages`` (JSON list of
   ``[code, share]``; ``NULL``: not detected), ``versions.date_source``, ``clauses.language``,
   ``policies.policy_score``, ``policies.language_supported`` (``NULL``: unknown) and
   ``policies.warnings`` (JSON list; ``NULL``: not kept). Rows of an older store read as unknown.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

__all__ = ["MIGRATIONS"]


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


def _m2_statements(conn: sqlite3.Connection) -> None:
    # Nullable columns: rows of an older store read as "not extracted yet" and are filled once.
    _run_script(
        conn,
        """
        ALTER TABLE clauses ADD COLUMN statements TEXT;
        ALTER TABLE policies ADD COLUMN statements_key TEXT
        """,
    )


def _m3_jobs(conn: sqlite3.Connection) -> None:
    _run_script(
        conn,
        """
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            state TEXT NOT NULL,
            progress REAL NOT NULL DEFAULT 0,
            request TEXT NOT NULL,
            payload BLOB,
            result TEXT,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX jobs_state ON jobs(state)
        """,
    )


def _m4_language(conn: sqlite3.Connection) -> None:
    # Defaults an older row reads as "unknown", never as a detected value.
    _run_script(
        conn,
        """
        ALTER TABLE versions ADD COLUMN language TEXT NOT NULL DEFAULT '';
        ALTER TABLE versions ADD COLUMN languages TEXT;
        ALTER TABLE versions ADD COLUMN date_source TEXT NOT NULL DEFAULT '';
        ALTER TABLE clauses ADD COLUMN language TEXT NOT NULL DEFAULT '';
        ALTER TABLE policies ADD COLUMN policy_score REAL;
        ALTER TABLE policies ADD COLUMN language_supported INTEGER;
        ALTER TABLE policies ADD COLUMN warnings TEXT
        """,
    )


# Ordered; migration i (1-based) moves the schema from version i-1 to i. Append, never edit.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _m1_initial,
    _m2_statements,
    _m3_jobs,
    _m4_language,
)


