"""What a policy store is: the interface the service needs (``PolicyStore``) and the plain data
it returns (stored policies, their versions, pages, jobs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

import numpy as np

from nlp.types import Clause, ClauseQuery, Policy, Statement

__all__ = [
    "JOB_STATES",
    "JobRecord",
    "Page",
    "PolicyRecord",
    "PolicyStore",
    "Statements",
    "StoredPolicy",
    "VersionInfo",
]

T = TypeVar("T")

#: A job's life: ``queued`` -> ``running`` -> ``succeeded`` or ``failed`` (the last two are final).
JOB_STATES = ("queued", "running", "succeeded", "failed")
Statements = Mapping[str, Sequence[Statement]]


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """A stored version without its text: what listings show.

    ``language`` is its ISO 639-1 code (``""``: unknown); ``date_source`` where its effective date
    was read (see ``PolicyVersion.date_source``).
    """

    label: str
    effective_date: date | None
    title: str
    chars: int
    clause_count: int
    language: str = ""
    date_source: str = ""


@dataclass(frozen=True, slots=True)
class PolicyRecord:
    """A stored policy's metadata: its versions and clause count, not its text.

    ``policy_score``, ``language_supported`` and ``warnings`` are what ingest found (see
    ``Policy``); ``language`` is the latest version's.
    """

    id: str
    name: str
    source: str
    source_url: str | None
    fmt: str
    content_hash: str
    created_at: str
    clause_count: int
    versions: tuple[VersionInfo, ...]
    policy_score: float | None = None
    language_supported: bool = True
    warnings: tuple[str, ...] = ()

    @property
    def language(self) -> str:
        """The latest version's language (``""``: unknown)."""
        return self.versions[0].language if self.versions else ""


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    """Everything needed to put a stored policy back into the search index."""

    policy: Policy
    clauses: tuple[Clause, ...]
    embeddings: np.ndarray | None  # (n, dim) float32 for the asked model; None if any is missing
    # Statements by clause id, as the extractor ``statements_key`` wrote them; None when some
    # clause has none stored (a store from before statements, or a failed write).
    statements: dict[str, tuple[Statement, ...]] | None = None
    statements_key: str | None = None
    # False for a store from before languages were kept: the service detects them once.
    profiled: bool = True


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A background job as stored: its state, progress (0..1) and, once final, result or error."""

    id: str
    kind: str
    state: str
    progress: float
    request: dict[str, Any]
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    attempts: int
    created_at: str
    updated_at: str


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
        statements: Statements | None = None,
        statements_key: str | None = None,
        replace: bool = False,
    ) -> PolicyRecord:
        """Store a policy whole (one transaction); ``InputError`` if its id or hash is taken.

        ``replace=True`` swaps a stored policy of the same id for this one in that transaction.
        """
        ...

    def put_statements(self, policy_id: str, statements: Statements, key: str) -> None:
        """Store the statements of a stored policy's clauses (by clause id), written by ``key``."""
        ...

    def add_job(self, job_id: str, kind: str, request: dict[str, Any], payload: bytes) -> JobRecord:
        """Keep a new ``queued`` job with the request it runs and the bytes it needs."""
        ...

    def update_job(
        self,
        job_id: str,
        *,
        state: str | None = None,
        progress: float | None = None,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> None:
        """Move a job on; a final state drops its payload (the result holds what matters)."""
        ...

    def get_job(self, job_id: str) -> JobRecord:
        """``NotFoundError`` if unknown."""
        ...

    def job_payload(self, job_id: str) -> bytes | None: ...

    def unfinished_jobs(self) -> list[JobRecord]:
        """Jobs ``queued`` or ``running`` (after a restart: those the last process left), oldest
        first."""
        ...

    def put_embeddings(
        self, policy_id: str, clauses: Sequence[Clause], embeddings: np.ndarray, model_id: str
    ) -> None:
        """Store vectors of another model for clauses already stored (same order as stored)."""
        ...

    def put_labels(self, policy_id: str, clauses: Sequence[Clause]) -> None:
        """Replace the labels of a stored policy's clauses (given in stored order)."""
        ...

    def put_profile(self, policy: Policy, clauses: Sequence[Clause]) -> None:
        """Replace a stored policy's languages, policy score and warnings, and its clauses'
        languages (given in stored order)."""
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
