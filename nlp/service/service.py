"""The logic behind the HTTP API: policies kept in a store, searched and answered in memory.

``PolicyService`` wires a :class:`~nlp.service.store.PolicyStore` (the durable copy) to a
:class:`~nlp.pipeline.PolicyLens` (the in-memory index questions are answered from, and the one
place policies are read, embedded and labelled):

* ``start`` migrates the store, puts every stored policy back into the index from its stored
  vectors (nothing is re-encoded, nothing is unpickled) and stores the bundled seed policy once;
* ``upload`` deduplicates by content hash, then has the lens prepare the policy (parse, segment,
  embed, label), writes it to the store in one transaction and adds it to the index;
* ``delete``, ``get``, ``list_policies`` and ``list_clauses`` read or change the store (and index);
* ``ask`` answers from the index; ``classify`` segments and labels a text without storing it;
* ``practices`` lists a policy's statements, extracted once when stored and read back at start;
* ``jobs`` (:class:`~nlp.service.jobs.UploadJobs`) makes a large upload a background job.

Uploads are prepared (parsed, segmented, embedded) outside any lock; only the final store write
and index update hold the service's write lock, so questions never wait for a slow upload, and two
uploads of the same text cannot both be stored.

Example
-------
>>> from nlp import PolicyLens, SQLiteStore
>>> lens = PolicyLens(encoder=encoder, classifier=None)
>>> service = PolicyService(lens, SQLiteStore(":memory:"))  # or a file: "policies.sqlite3"
>>> service.start()
>>> service.upload("We never sell your data.", fmt="txt", name="Acme").created
True
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nlp.config import Settings
from nlp.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    PayloadTooLargeError,
    UnsupportedFormatError,
)
from nlp.ingest.formats import FORMATS
from nlp.service.jobs import Progress, UploadJobs
from nlp.service.naming import (
    check_policy_id,
    clause_shape,
    content_hash,
    format_for,
    renamed,
    sha256_of,
    unique_label,
    version_label,
)
from nlp.service.plaintext import (
    check_source_url,
    plain_policy,
    plain_text,
    strip_active_content,
)
from nlp.service.practices import StatementFilter
from nlp.service.records import Page, PolicyRecord, PolicyStore, StoredPolicy
from nlp.types import (
    Answer,
    Clause,
    ClauseQuery,
    Hit,
    Policy,
    PolicyVersion,
    Prepared,
)

if TYPE_CHECKING:
    from nlp.compare import Comparison
    from nlp.pipeline import PolicyLens  # handed in by the caller: the service builds none

__all__ = [
    "FORMATS",
    "PolicyService",
    "UploadResult",
    "content_hash",
    "format_for",
    "strip_active_content",  # from nlp.service.plaintext, the one place of that rule
]

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class UploadResult:
    """The stored policy and whether this upload created it (``False``: same text seen before)."""

    record: PolicyRecord
    created: bool


class PolicyService:
    """Upload, list, delete, browse and ask policies; the one object the API routes call.

    Parameters
    ----------
    lens
        The in-memory policies and index; it reads, embeds and labels what is uploaded.
    store
        Where policies live between restarts.
    settings
        Defaults to ``lens.settings``; ``settings.api`` holds the limits.
    classifier
        Optional ``nlp.classify.ClauseClassifier`` for uploaded clauses; default: the lens labels
        them with its own classifier (the shipped model, as the CLI does), if it has one.
    seed
        Policy file stored at start and asked when a question names no policy (default
        ``settings.corpus``, the bundled seed); ``None`` for no default policy.
    """

    def __init__(
        self,
        lens: PolicyLens,
        store: PolicyStore,
        settings: Settings | None = None,
        *,
        classifier: Any | None = None,
        seed: str | Path | None | bool = True,
    ) -> None:
        self.lens = lens
        self.store = store
        self.settings = settings or lens.settings
        self.classifier = classifier
        self._seed_path = (
            Path(self.settings.corpus) if seed is True else (Path(seed) if seed else None)
        )
        self.seed_id: str | None = None
        self._write_lock = threading.Lock()
        # Uploads being prepared, by raw hash: the same bytes sent again meanwhile wait for them.
        self._inflight: dict[str, Future[UploadResult]] = {}
        self._inflight_lock = threading.Lock()
        self._started = False
        self._models_loaded = False
        self.jobs = UploadJobs(self)  # uploads above settings.api.job_upload_bytes

    # -- life cycle ----------------------------------------------------------------------------

    @property
    def encoder(self) -> Any:
        return self.lens.encoder

    def start(self) -> None:
        """Migrate the store, rebuild the index from stored vectors, store the seed, warm up."""
        self.store.migrate()
        model_id = self.lens.model_id
        for pid in self.store.policy_ids():
            stored = self._restore_profile(self.store.load_policy(pid, model_id))
            emb = stored.embeddings
            if emb is None:
                # Stored under another model: encode once and keep these vectors too.
                log.info("encoding the clauses of %s with %s", pid, model_id)
                emb = self.lens.embed(stored.clauses)
                self.store.put_embeddings(pid, stored.clauses, emb, model_id)
            clauses = list(stored.clauses)
            labelled = any(c.labels for c in clauses)
            if clauses and not labelled and self.labels_clauses:
                # Stored before a classifier was installed: label once and keep the labels.
                clauses = self.lens.label(clauses, emb, classifier=self.classifier)
                labelled = True
                if any(c.labels for c in clauses):
                    self.store.put_labels(pid, clauses)
            self._restore_statements(stored)
            self.lens.add(stored.policy, clauses, embeddings=emb, labelled=labelled)
        if self._seed_path is not None:
            self.seed_id = self._store_seed(self._seed_path)
        if self.lens.policies:
            _ = self.lens.index  # build it now, not on the first question
        # Load the models now: the first question should not pay for them, and /readyz reports
        # them. A tiny text through classify loads the segmenter (spaCy) and the classifier.
        self.encoder.encode(["warm up the query encoder"])
        self.classify("Warm-up policy.\n\nWe collect your e-mail address to run the service.")
        self._models_loaded = True
        self._started = True
        self.jobs.resume()  # after the seed and the models: a resumed job finds them ready

    @functools.cached_property
    def statements_key(self) -> str:
        """Which extractor wrote stored statements (its model and data versions, hashed): a
        store written by another one has them extracted again at start."""
        meta = json.dumps(self.lens.extractor.metadata, sort_keys=True, default=str)
        return sha256_of("statements", meta)[:16]

    def _restore_statements(self, stored: StoredPolicy) -> None:
        if stored.statements is not None and stored.statements_key == self.statements_key:
            return self.lens.remember_statements(stored.statements)
        # Stored before statements were kept (or by another extractor): extract once, keep them.
        found = self.lens.statements_for(stored.clauses)
        self.store.put_statements(stored.policy.id, found, self.statements_key)

    def _restore_profile(self, stored: StoredPolicy) -> StoredPolicy:
        """``stored`` with its languages and policy score, detected once (and kept) when the
        store is from before they were kept; each clause takes its version's language."""
        if stored.profiled:
            return stored
        from nlp.ingest.profile import profile_policy

        policy = stored.policy
        policy = profile_policy(policy, self.settings.ingest, label=policy.source or policy.id)
        language = {v.label: v.language for v in policy.versions}
        clauses = tuple(replace(c, language=language.get(c.version, "")) for c in stored.clauses)
        self.store.put_profile(policy, clauses)
        return replace(stored, policy=policy, clauses=clauses, profiled=True)

    def _store_seed(self, path: Path) -> str | None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            log.warning("no seed policy (%s): questions must name a policy", exc)
            return None
        fmt = format_for(path.name)
        raw_hash = sha256_of(fmt, data)
        # Read as `policylens ask` reads it, so both answer alike. After an update of ingest or
        # segment the stored copy is replaced, so the API keeps answering like the CLI.
        policy, fresh = self.lens.parse(path)
        existing = self.store.find_by_hash(content_hash(policy)) or self.store.find_by_hash(
            raw_hash
        )
        if existing is not None:
            stored = self.store.load_policy(existing.id, self.lens.model_id)
            same_clauses = [clause_shape(c) for c in stored.clauses] == [
                clause_shape(c) for c in fresh
            ]
            same_versions = [_stored_shape(v) for v in stored.policy.versions] == [
                _stored_shape(v) for v in policy.versions
            ]
            if same_versions and same_clauses:
                return existing.id
            log.info("the seed policy changed with the code: replacing %s", existing.id)
            with self._write_lock:
                self.store.delete_policy(existing.id)
                with suppress(NotFoundError):
                    self.lens.remove(existing.id)

        def prepare(pid: str) -> Prepared:
            # The seed is ours: read as the CLI reads it, not as an upload.
            if pid == policy.id:
                return self._prepare(policy, fresh, plain=False)
            return self._prepare(renamed(policy, pid), plain=False)

        result = self._add(
            prepare, preferred_id=policy.id, fmt=fmt, raw_hash=raw_hash, source_url=None
        )
        return result.record.id

    def close(self) -> None:
        """Stop taking jobs (queued ones wait in the store for the next start) and release the
        store's connections."""
        self.jobs.close()
        self.store.close()

    def ready(self) -> dict[str, bool]:
        """What ``/readyz`` reports: models loaded, store answering, start finished."""
        return {
            "started": self._started,
            "models_loaded": self._models_loaded,
            "store": self.store.ping(),
        }

    # -- uploads -------------------------------------------------------------------------------

    def upload(
        self,
        data: str | bytes,
        *,
        fmt: str,
        name: str,
        source_url: str | None = None,
        policy_id: str | None = None,
        progress: Progress | None = None,
    ) -> UploadResult:
        """Store a policy from uploaded text or file bytes, unless the same text is stored.

        ``policy_id`` is a client-chosen id (``PUT /v1/policies/{id}``): when that policy is
        stored already, the text becomes a new version of it (see :meth:`add_version`).

        Raises ``PayloadTooLargeError`` over ``settings.api.max_upload_bytes``,
        ``UnsupportedFormatError`` for an unknown ``fmt`` and ``InputError`` for anything
        unreadable (binary, empty, no policy text, script markup left after cleaning).
        """
        raw = self._upload_bytes(data, fmt)
        name = plain_text(name or "")[0].strip()
        if not name:
            raise InputError("the policy needs a name (e.g. the company or product)")
        source_url = check_source_url(source_url)
        if policy_id is not None:
            policy_id = check_policy_id(policy_id)
            if self.store.exists(policy_id):
                return self.add_version(policy_id, data, fmt=fmt)
        raw_hash = sha256_of(fmt, raw)
        existing = self.store.find_by_hash(raw_hash)
        if existing is not None:
            if policy_id is not None and existing.id != policy_id:
                raise ConflictError(
                    f"the same text is stored as policy {existing.id!r}; use that id"
                )
            return UploadResult(existing, created=False)
        with self._inflight_lock:
            first = self._inflight.get(raw_hash)
            if first is None:
                mine: Future[UploadResult] = Future()
                self._inflight[raw_hash] = mine
        if first is not None:
            # The same bytes are being prepared right now: their result is this one's too.
            return UploadResult(first.result().record, created=False)
        try:
            result = self._upload(
                data,
                fmt=fmt,
                name=name,
                source_url=source_url,
                raw=raw_hash,
                policy_id=policy_id,
                progress=progress,
            )
        except BaseException as exc:
            mine.set_exception(exc)
            raise
        else:
            mine.set_result(result)
            return result
        finally:
            with self._inflight_lock:
                del self._inflight[raw_hash]

    def _upload_bytes(self, data: str | bytes, fmt: str) -> bytes:
        """The upload's bytes, once its size and format are checked (every kind of upload)."""
        limit = self.settings.api.max_upload_bytes
        raw = data if isinstance(data, bytes) else data.encode("utf-8")
        if len(raw) > limit:
            raise PayloadTooLargeError(
                f"the upload is {len(raw):,} bytes, more than the limit of {limit:,}; split the "
                "policy or raise POLICYLENS_API__MAX_UPLOAD_BYTES"
            )
        if fmt not in FORMATS:
            raise UnsupportedFormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        return raw

    def _upload(
        self,
        data: str | bytes,
        *,
        fmt: str,
        name: str,
        source_url: str | None,
        raw: str,
        policy_id: str | None = None,
        progress: Progress | None = None,
    ) -> UploadResult:
        raw_hash = raw
        if fmt != "pdf":
            data = strip_active_content(data)
        source = source_url or ""

        def prepare(pid: str) -> Prepared:
            policy = self.lens.parse_data(data, fmt=fmt, name=name, source=source, policy_id=pid)
            if progress:
                progress(0.2)  # parsed and segmented; embedding, labels and statements follow
            return self._prepare(policy)

        from nlp.ingest import slugify

        return self._add(
            prepare,
            preferred_id=policy_id or slugify(name)[:80].strip("-") or "policy",
            fmt=fmt,
            raw_hash=raw_hash,
            source_url=source_url,
            exact=policy_id is not None,
        )

    def _add(
        self,
        prepare: Callable[[str], Prepared],
        *,
        preferred_id: str,
        fmt: str,
        raw_hash: str,
        source_url: str | None,
        exact: bool = False,
    ) -> UploadResult:
        pid = preferred_id if exact else self._free_id(preferred_id, raw_hash)
        ready = prepare(pid)
        chash = content_hash(ready.policy)
        with self._write_lock:
            existing = self.store.find_by_hash(chash)
            if existing is not None:
                if exact and existing.id != pid:
                    raise ConflictError(
                        f"the same text is stored as policy {existing.id!r}; use that id"
                    )
                return UploadResult(existing, created=False)
            if exact and self.store.exists(pid):
                raise ConflictError(f"policy {pid!r} was just created by another request; retry")
            if self.store.exists(pid):
                # Another upload took the id meanwhile; clause ids embed it, so prepare again.
                pid = self._free_id(preferred_id, raw_hash)
                ready = prepare(pid)
            assert ready.vectors is not None
            record = self.store.add_policy(
                ready.policy,
                ready.clauses,
                ready.vectors,
                model_id=self.lens.model_id,
                fmt=fmt,
                content_hash=chash,
                raw_hash=raw_hash,
                source_url=source_url,
                statements=self.lens.statements_for(ready.clauses),
                statements_key=self.statements_key,
            )
            try:
                self.lens.add(
                    ready.policy, ready.clauses, embeddings=ready.vectors, labelled=ready.labelled
                )
            except BaseException:
                self.store.delete_policy(ready.policy.id)  # keep the store and the index in step
                raise
        return UploadResult(record, created=True)

    def _free_id(self, preferred: str, raw_hash: str) -> str:
        for candidate in (preferred, f"{preferred}-{raw_hash[:8]}", f"{preferred}-{raw_hash[:20]}"):
            if not self.store.exists(candidate):
                return candidate
        raise InputError(f"cannot find a free id for policy {preferred!r}; rename it")

    def _prepare(
        self, policy: Policy, clauses: list[Clause] | None = None, *, plain: bool = True
    ) -> Prepared:
        """The policy made ready to store: plain text (see ``plaintext``), embedded, labelled."""
        if plain:
            policy = plain_policy(policy)
        floor = self.settings.api.min_policy_score
        if policy.policy_score is not None and policy.policy_score < floor:
            raise InputError(
                f"this does not read like a privacy policy (policy score {policy.policy_score:.2f}"
                f", below POLICYLENS_API__MIN_POLICY_SCORE={floor:g}); upload the policy itself"
            )
        ready = self.lens.prepare(
            policy, clauses=clauses, labels=self.labels_clauses, classifier=self.classifier
        )
        if not ready.clauses:
            raise InputError("no clauses found in the policy; check that it holds policy text")
        # Extracted here, outside the write lock; the store write then finds them memoised.
        self.lens.statements_for(ready.clauses)
        return ready

    @property
    def categories(self) -> tuple[str, ...]:
        """The category labels of the configured scheme: what ``category`` may name."""
        from nlp.classify import scheme_labels

        return scheme_labels(self.settings.classify.scheme)

    def _categories(self, category: str | None) -> tuple[str, ...] | None:
        """``category`` as a filter, or ``InputError`` when it names no known category."""
        if not category:
            return None
        if category not in self.categories:
            raise InputError(
                f"unknown category {category[:100]!r}; use one of: {', '.join(self.categories)}"
            )
        return (category,)

    @property
    def labels_clauses(self) -> bool:
        """True when uploaded and classified clauses get category labels."""
        return self.classifier is not None or self.lens.classifier is not None

    # -- deletes and reads ---------------------------------------------------------------------

    def delete(self, policy_id: str) -> None:
        """Delete a stored policy and drop it from the index."""
        if policy_id == self.seed_id:
            raise ConflictError(
                f"{policy_id!r} is the bundled seed policy that questions without a policy go "
                "to; it cannot be deleted"
            )
        with self._write_lock:
            self.store.delete_policy(policy_id)
            # Stored but never indexed (e.g. a failed start): nothing to drop.
            with suppress(NotFoundError):
                self.lens.remove(policy_id)

    def get(self, policy_id: str) -> PolicyRecord:
        """A stored policy's metadata (``NotFoundError`` if unknown)."""
        return self.store.get_policy(policy_id)

    def list_policies(self, *, offset: int = 0, limit: int = 50) -> Page[PolicyRecord]:
        """Stored policies, oldest first."""
        self._check_page(ClauseQuery(offset=offset, limit=limit))
        return self.store.list_policies(offset=offset, limit=limit)

    def list_clauses(
        self,
        policy_id: str,
        *,
        version: str | None = None,
        category: str | None = None,
        q: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[Clause]:
        """Clauses of one version (latest by default; ``"all"`` for every version), paginated.

        ``category`` keeps clauses carrying that label; ``q`` those containing that text.
        """
        query = ClauseQuery(
            policy=policy_id,
            version=version,
            categories=self._categories(category),
            contains=q or None,
            offset=offset,
            limit=limit,
        )
        self._check_page(query)
        record = self.store.get_policy(policy_id)
        label = None if version == "all" else version_label(record, version)
        return self.store.list_clauses(replace(query, version=label))

    def _check_page(self, query: ClauseQuery) -> None:
        top = self.settings.api.max_page_size
        if not 1 <= query.limit <= top:
            raise InputError(f"limit must be between 1 and {top}, got {query.limit}")
        if query.offset < 0:
            raise InputError(f"offset must be 0 or more, got {query.offset}")

    # -- questions -----------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        *,
        policy: str | None = None,
        version: str | None = None,
        top_k: int | None = None,
        category: str | None = None,
    ) -> Answer:
        """Answer a question about a stored policy (the seed when ``policy`` is ``None``)."""
        query = ClauseQuery(
            policy=policy or self.seed_id,
            version=version,
            top_k=top_k,
            categories=self._categories(category),
        )
        api = self.settings.api
        if len(question) > api.max_question_chars:
            raise InputError(
                f"the question is {len(question)} characters long; the limit is "
                f"{api.max_question_chars}"
            )
        if query.top_k is not None and not 1 <= query.top_k <= api.max_top_k:
            raise InputError(f"top_k must be between 1 and {api.max_top_k}, got {query.top_k}")
        pid = query.policy
        if pid is None:
            raise InputError("no default policy is loaded; name one with `policy`")
        if pid not in self.lens:
            raise NotFoundError(f"no policy {pid!r}; list them with GET /v1/policies")
        try:
            return self.lens.ask(question, where=query)
        except NotFoundError:
            raise
        except KeyError as exc:
            # The policy was deleted between looking it up and reading its clauses.
            raise NotFoundError(f"no policy {pid!r}; it was just deleted") from exc

    def ask_many(
        self,
        question: str,
        *,
        policies: Sequence[str],
        version: str | None = None,
        top_k: int | None = None,
        category: str | None = None,
    ) -> list[Answer]:
        """One answer per policy in ``policies`` (at most ``settings.api.max_ask_policies``)."""
        top = self.settings.api.max_ask_policies
        if not 1 <= len(policies) <= top:
            raise InputError(f"name between 1 and {top} policies, got {len(policies)}")
        return [
            self.ask(question, policy=p, version=version, top_k=top_k, category=category)
            for p in dict.fromkeys(policies)
        ]

    def ask_batch(
        self,
        questions: Sequence[str],
        *,
        policy: str | None = None,
        version: str | None = None,
        top_k: int | None = None,
        category: str | None = None,
    ) -> list[Answer]:
        """Answers to several questions about one policy, in order (bounded by settings)."""
        top = self.settings.api.max_batch_questions
        if not 1 <= len(questions) <= top:
            raise InputError(f"send between 1 and {top} questions, got {len(questions)}")
        return [
            self.ask(q, policy=policy, version=version, top_k=top_k, category=category)
            for q in questions
        ]

    def search(
        self,
        query: str,
        *,
        policy: str | None = None,
        version: str | None = None,
        top_k: int | None = None,
        category: str | None = None,
    ) -> list[Hit]:
        """Clauses matching ``query`` in one policy, or in the latest version of every policy."""
        api = self.settings.api
        if len(query) > api.max_question_chars:
            raise InputError(
                f"the query is {len(query)} characters long; the limit is {api.max_question_chars}"
            )
        if top_k is not None and not 1 <= top_k <= api.max_top_k:
            raise InputError(f"top_k must be between 1 and {api.max_top_k}, got {top_k}")
        cats = self._categories(category)
        if policy is not None and policy not in self.lens:
            raise NotFoundError(f"no policy {policy!r}; list them with GET /v1/policies")
        if not self.lens.policies:
            return []
        try:
            return self.lens.search(
                query, policy=policy, version=version, top_k=top_k, category=cats
            )
        except KeyError as exc:
            raise NotFoundError(f"no policy {policy!r}; it was just deleted") from exc

    def practices(
        self,
        policy_id: str,
        *,
        version: str | None = None,
        wanted: StatementFilter | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[dict[str, Any]]:
        """The statements of one version (latest by default; ``"all"``: every version) that pass
        ``wanted``, in clause order, as rows of ``policylens practices --json``, paginated."""
        from nlp.practices import statement_row

        self._check_page(ClauseQuery(offset=offset, limit=limit))
        record = self.store.get_policy(policy_id)
        if policy_id not in self.lens:
            raise NotFoundError(f"no policy {policy_id!r}; it was just deleted")
        labels = (
            [v.label for v in record.versions]
            if version == "all"
            else [version_label(record, version)]
        )
        keep = wanted or StatementFilter()
        rows: list[dict[str, Any]] = []
        for label in labels:
            clauses = self.lens.clauses(policy_id, label)
            by_clause = self.lens.statements_for(clauses)  # stored: nothing is extracted
            rows.extend(
                statement_row(c, st) for c in clauses for st in by_clause[c.id] if keep.keeps(st)
            )
        return Page(
            items=tuple(rows[offset : offset + limit]), total=len(rows), offset=offset, limit=limit
        )

    # -- versions ------------------------------------------------------------------------------

    def version_text(self, policy_id: str, version: str | None = None) -> PolicyVersion:
        """The clean text of one version: the text every clause's offsets point into."""
        self.store.get_policy(policy_id)  # NotFoundError for an unknown id
        if policy_id not in self.lens:
            raise NotFoundError(f"no policy {policy_id!r}; it was just deleted")
        try:
            return self.lens.policy(policy_id).version(version)
        except KeyError as exc:
            raise NotFoundError(str(exc.args[0])) from None

    def compare(
        self, policy_id: str, *, old_version: str | None = None, new_version: str | None = None
    ) -> Comparison:
        """Compare two stored versions of a policy (default: the two newest)."""
        self.store.get_policy(policy_id)
        if policy_id not in self.lens:
            raise NotFoundError(f"no policy {policy_id!r}; it was just deleted")
        return self.lens.compare_stored(
            policy_id, old_version=old_version, new_version=new_version
        )

    def add_version(self, policy_id: str, data: str | bytes, *, fmt: str) -> UploadResult:
        """Add a new text of a stored policy as its newest version (``created=False``: known).

        A text equal to a stored version's is not stored again. The policy keeps its id; the new
        version is labelled by its effective date (or ``v<n>``), made unique among the others.
        """
        raw = self._upload_bytes(data, fmt)
        if policy_id == self.seed_id:
            raise ConflictError(f"{policy_id!r} is the bundled seed policy; it takes no versions")
        record = self.store.get_policy(policy_id)
        if fmt != "pdf":
            data = strip_active_content(data)
        parsed = plain_policy(
            self.lens.parse_data(
                data, fmt=fmt, name=record.name, source=record.source, policy_id=policy_id
            )
        )
        with self._write_lock:
            stored = self.store.load_policy(policy_id, self.lens.model_id)
            old = stored.policy
            known = {v.text for v in old.versions}
            fresh = [v for v in parsed.versions if v.text not in known]
            if not fresh:
                return UploadResult(self.store.get_policy(policy_id), created=False)
            labels = {v.label for v in old.versions}
            renamed: list[PolicyVersion] = []
            for v in fresh:
                label = unique_label(v.label, labels, len(old.versions) + len(renamed) + 1)
                labels.add(label)
                renamed.append(replace(v, label=label))
            ready = self._prepare(
                Policy(id=policy_id, name=old.name, source=old.source, versions=tuple(renamed)),
                plain=False,
            )
            assert ready.vectors is not None
            emb = stored.embeddings
            if emb is None:
                emb = self.lens.embed(stored.clauses)
            merged = Policy(
                id=policy_id,
                name=old.name,
                source=old.source,
                versions=(*ready.policy.versions, *old.versions),
            )
            clauses = (*ready.clauses, *stored.clauses)
            vectors = np.vstack([ready.vectors, emb]) if len(emb) else ready.vectors
            new_record = self.store.add_policy(
                merged,
                clauses,
                vectors,
                model_id=self.lens.model_id,
                fmt=fmt,
                content_hash=content_hash(merged),
                raw_hash=sha256_of(fmt, raw),
                source_url=record.source_url,
                statements=self.lens.statements_for(clauses),
                statements_key=self.statements_key,
                replace=True,
            )
            with suppress(NotFoundError):
                self.lens.remove(policy_id)
            self.lens.add(
                merged,
                list(clauses),
                embeddings=vectors,
                labelled=ready.labelled or any(c.labels for c in stored.clauses),
            )
        return UploadResult(new_record, created=True)

    def classify(self, text: str, *, fmt: str = "txt") -> tuple[list[Clause], bool]:
        """Segment ``text`` into clauses and label them when a classifier is loaded.

        Nothing is stored. Returns the clauses and whether they were labelled.
        """
        clauses, labelled, _ = self.classify_scored(text, fmt=fmt)
        return clauses, labelled

    def classify_scored(
        self, text: str, *, fmt: str = "txt"
    ) -> tuple[list[Clause], bool, list[dict[str, float]] | None]:
        """As :meth:`classify`, with every label's score per clause (``None``: no scores)."""
        limit = self.settings.api.max_classify_bytes
        size = len(text.encode("utf-8"))
        if size > limit:
            raise PayloadTooLargeError(
                f"the text is {size:,} bytes; classify takes at most {limit:,} (store a longer "
                "policy with POST /v1/policies, or raise POLICYLENS_API__MAX_CLASSIFY_BYTES)"
            )
        if fmt not in FORMATS or fmt == "pdf":
            raise UnsupportedFormatError(f"unknown text format {fmt!r}; use txt, md or html")
        clean = strip_active_content(text)
        assert isinstance(clean, str)
        policy = plain_policy(self.lens.parse_data(clean, fmt=fmt, name="text", policy_id="text"))
        clf = self.classifier if self.classifier is not None else self.lens.classifier
        scored = hasattr(clf, "predictions")
        ready = self.lens.prepare(
            policy, vectors=scored, labels=self.labels_clauses, classifier=self.classifier
        )
        clauses = list(ready.clauses)
        if not scored or ready.vectors is None or not clauses:
            return clauses, ready.labelled, None
        predictions = clf.predictions(clauses, ready.vectors)  # type: ignore[union-attr]
        return clauses, ready.labelled, [p.scores for p in predictions]


def _stored_shape(v: PolicyVersion) -> tuple[object, ...]:
    """What the store keeps of a version and ingest decides. Not ``date_source``: a store from
    before it was kept cannot tell it, and the seed is not stored again for that alone."""
    return (v.label, v.text, v.effective_date, v.title, v.headings, v.language, v.languages)
