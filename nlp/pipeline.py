"""The facade the CLI, the API and the notebooks call: load policies, search them, ask them.

``PolicyLens`` owns the loaded policies, their clauses and one retrieval index over all of them. It
holds no logic of its own beyond wiring the stages together in their one direction.

Example
-------
>>> from nlp import PolicyLens
>>> lens = PolicyLens(encoder=encoder, classifier=None)  # PolicyLens(): the shipped models
>>> lens.ask("Is my data sent to Brazil?").verdict  # the bundled seed policy: Brazil is not named
'not_stated'
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nlp.answer import answer_question
from nlp.config import Settings
from nlp.errors import InputError, NotFoundError
from nlp.serialize import clause_from_record, policy_from_record, to_record
from nlp.types import Answer, Clause, Hit, Policy

if TYPE_CHECKING:
    from nlp.classify.model import ClauseClassifier
    from nlp.compare import Comparison
    from nlp.embed.encoder import Encoder
    from nlp.retrieval.index import ClauseIndex

AUTO: Any = object()  # "load the shipped classifier when first needed"

# Retrieval depth behind an answer: the answer stage checks more clauses than it cites.
_ANSWER_DEPTH = 30


class PolicyLens:
    """Policies, their clauses and a hybrid index, with ``search`` and ``ask`` on top.

    Parameters
    ----------
    settings:
        The one configuration object; default ``Settings()``.
    encoder:
        Anything with ``encode(texts, *, batch_size=None, normalize=True)``; default the
        sentence-transformers ``Encoder`` (loaded lazily).
    classifier:
        Clause classifier (``nlp.classify.ClauseClassifier``) giving clauses category labels and
        routing questions to categories. By default the shipped model named by
        ``settings.classify`` is loaded when first needed; ``None`` runs without labels.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        encoder: Any | None = None,
        classifier: Any | None = AUTO,
    ) -> None:
        self.settings = settings or Settings()
        self._encoder = encoder
        self._classifier = classifier
        self._policies: dict[str, Policy] = {}
        self._clauses: dict[str, list[Clause]] = {}
        self._index: ClauseIndex | None = None
        # Clause vectors handed to ``add`` (e.g. read back from the API's store) while no index
        # is built, by policy id; the built index holds them afterwards.
        self._vectors: dict[str, np.ndarray] = {}
        embed = self.settings.embed
        self._cache = _ParseCache(embed.cache_dir / "policies") if embed.use_cache else None

    # -- components -------------------------------------------------------------------------

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            from nlp.embed.encoder import Encoder

            self._encoder = Encoder(self.settings.embed)
        return self._encoder

    @property
    def classifier(self) -> ClauseClassifier | None:
        if self._classifier is AUTO:
            from nlp.classify.model import load_classifier

            self._classifier = load_classifier(self.settings.classify)
        return self._classifier  # type: ignore[no-any-return]

    @property
    def index(self) -> ClauseIndex:
        if self._index is None:
            from nlp.retrieval.index import ClauseIndex

            if not self._policies:
                self.load(self.settings.corpus)
            ids = [pid for pid, cs in self._clauses.items() if cs]
            if ids and all(pid in self._vectors for pid in ids):
                # Every policy came with its vectors: index them as they are, encode nothing.
                emb = np.vstack([self._vectors[pid] for pid in ids])
                self._index = ClauseIndex(
                    self.all_clauses(), emb, self.settings.retrieval, encoder=self.encoder
                )
            else:
                self._index = ClauseIndex.build(
                    self.all_clauses(), self.encoder, self.settings.retrieval
                )
            self._vectors.clear()
        return self._index

    # -- loading ----------------------------------------------------------------------------

    def load(self, path: str | Path, *, policy_id: str | None = None) -> Policy:
        """Read, clean, split into versions and segment a policy file, and add it.

        The parsed policy and its clauses are cached on disk, keyed by the file's bytes and the
        source of the ingest and segment stages, so a second run skips both (and loading spaCy).
        """
        return self.add(*self.parse(path, policy_id=policy_id))

    def parse(
        self, path: str | Path, *, policy_id: str | None = None
    ) -> tuple[Policy, list[Clause]]:
        """Read, clean, split into versions and segment a policy file, through the parse cache.

        Neither labels the clauses nor adds the policy (``load`` does both), so it loads no model.
        """
        cached = self._cache.get(path, policy_id) if self._cache else None
        if cached is not None:
            return cached
        from nlp.ingest import load_policy
        from nlp.segment import segment_policy

        policy = load_policy(path, self.settings.ingest, policy_id=policy_id)
        clauses = segment_policy(policy, self.settings.segment)
        if self._cache:
            self._cache.put(path, policy_id, policy, clauses)
        return policy, clauses

    def load_many(self, paths: Iterable[str | Path]) -> list[Policy]:
        """Load several files; the first unreadable one raises ``InputError`` naming it."""
        return [self.load(p) for p in paths]

    def add(
        self,
        policy: Policy,
        clauses: Sequence[Clause] | None = None,
        *,
        embeddings: np.ndarray | None = None,
    ) -> Policy:
        """Add a parsed policy (segmenting it unless ``clauses`` are given).

        ``embeddings`` (one row per clause, in order; e.g. read back from a store) spare encoding
        the clauses again, and let a built index take the policy in place instead of being rebuilt.
        A policy with the same id is replaced. Clauses are labelled by the classifier unless
        some already carry labels (e.g. read back from a store).
        """
        if clauses is None:
            from nlp.segment import segment_policy

            clauses = segment_policy(policy, self.settings.segment)
        if clauses and self.classifier is not None and not any(c.labels for c in clauses):
            # One encoding of the clauses in place serves both the classifier and the index.
            if embeddings is None:
                embeddings = self.encoder.encode([c.contextual_text() for c in clauses])
            clauses = self.label(clauses, embeddings)
        index = self._index
        if embeddings is not None:
            embeddings = np.asarray(embeddings, dtype=np.float32)
            if embeddings.ndim != 2 or embeddings.shape[0] != len(clauses):
                raise InputError(
                    f"embeddings must have one row per clause: got shape {embeddings.shape} for "
                    f"{len(clauses)} clauses"
                )
        self._vectors.pop(policy.id, None)
        if index is not None and embeddings is not None:
            # Searches running meanwhile see the index before or after, never half of it.
            if policy.id in self._policies:
                index.remove(policy.id)
            if len(clauses):
                index.add(list(clauses), embeddings)
        else:
            if embeddings is not None:
                self._vectors[policy.id] = embeddings  # kept only until the index is built
            self._index = None
        self._policies[policy.id] = policy
        self._clauses[policy.id] = list(clauses)
        return policy

    def label(self, clauses: Sequence[Clause], embeddings: Any | None = None) -> list[Clause]:
        """Clauses with their category labels set (unchanged when there is no classifier).

        ``embeddings`` are the clauses' vectors of ``Clause.contextual_text`` (what the index
        holds); without them the clauses are encoded.
        """
        clf = self.classifier
        if clf is None or not clauses:
            return list(clauses)
        if embeddings is None:
            return clf.label_clauses(list(clauses), self.encoder)
        from nlp.classify.model import label_clauses

        return label_clauses(list(clauses), clf, embeddings)

    def embed_query(self, text: str) -> Any:
        """The normalised embedding of a question or query."""
        encode_query = getattr(self.encoder, "encode_query", None)
        if encode_query is not None:
            return encode_query(text)
        return self.encoder.encode([text])[0]

    def route(self, question: str, query_vector: Any | None = None) -> list[str]:
        """Categories a question is likely about: keyword cues and the classifier."""
        from nlp.retrieval.routing import route_question

        clf = self.classifier if query_vector is not None else None
        routed = route_question(question, classifier=clf, embedding=query_vector)
        return [label for label, _ in routed]

    def remove(self, policy_id: str) -> None:
        """Forget a policy."""
        self.policy(policy_id)
        del self._policies[policy_id]
        del self._clauses[policy_id]
        self._vectors.pop(policy_id, None)
        if self._index is not None:
            self._index.remove(policy_id)

    def compare(
        self,
        old_path: str | Path,
        new_path: str | Path | None = None,
        *,
        old_version: str | None = None,
        new_version: str | None = None,
        label_kinds: Collection[str] | None = None,
    ) -> Comparison:
        """Compare two policy files, or the two newest versions of one (``policylens compare``).

        Clauses are labelled by this lens's classifier only when the comparison holds a change of
        ``label_kinds`` (default: any), so files that differ in form only need no model.
        """
        from nlp.compare import CHANGE_KINDS, compare_files

        return compare_files(
            old_path,
            new_path,
            parse=self.parse,
            encoder=self.encoder,
            label=self.label,
            label_kinds=CHANGE_KINDS if label_kinds is None else label_kinds,
            old_version=old_version,
            new_version=new_version,
            settings=self.settings.compare,
        )

    # -- lookups ----------------------------------------------------------------------------

    def __contains__(self, policy_id: object) -> bool:
        """Whether a policy of that id is loaded (never loads the default one)."""
        return policy_id in self._policies

    @property
    def policies(self) -> list[Policy]:
        return list(self._policies.values())

    def policy(self, policy_id: str | None = None) -> Policy:
        """The policy called ``policy_id``; with ``None``, the only one loaded (or the seed)."""
        if not self._policies:
            self.load(self.settings.corpus)
        if policy_id is None:
            if len(self._policies) > 1:
                known = ", ".join(sorted(self._policies))
                raise InputError(f"several policies are loaded; name one of: {known}")
            return next(iter(self._policies.values()))
        try:
            return self._policies[policy_id]
        except KeyError:
            known = ", ".join(sorted(self._policies)) or "none"
            raise NotFoundError(f"no policy {policy_id!r}; loaded policies: {known}") from None

    def all_clauses(self) -> list[Clause]:
        return [c for cs in self._clauses.values() for c in cs]

    def clauses(self, policy_id: str | None = None, version: str | None = None) -> list[Clause]:
        """Clauses of one version of a policy (the latest unless ``version`` says otherwise)."""
        policy = self.policy(policy_id)
        label = self._version_label(policy, version)
        return [c for c in self._clauses[policy.id] if c.version == label]

    @staticmethod
    def _version_label(policy: Policy, version: str | None) -> str:
        try:
            return policy.version(version).label
        except KeyError as exc:
            raise NotFoundError(str(exc.args[0])) from None

    # -- questions --------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        policy: str | None = None,
        version: str | None = None,
        top_k: int | None = None,
        category: str | Sequence[str] | None = None,
        query_vector: Any | None = None,
    ) -> list[Hit]:
        """Hybrid search over one policy (``policy``) or every loaded policy.

        Without ``version``, each policy's latest version is searched. Clauses labelled with
        ``category`` are boosted; without it, with the categories the query is routed to.
        """
        query = _check_text(query, "query")
        k = top_k or self.settings.retrieval.top_k
        index = self.index
        if category is None and self.classifier is not None:
            # Routed like a question (``ask`` routes once and passes its categories down).
            query_vector = self.embed_query(query) if query_vector is None else query_vector
            category = self.route(query, query_vector)
        cats = [category] if isinstance(category, str) else category
        if policy is not None or len(self._policies) == 1:
            p = self.policy(policy)
            label = self._version_label(p, version)
            return index.search(
                query,
                top_k=k,
                policy_id=p.id,
                version=label,
                categories=cats,
                query_vector=query_vector,
            )
        latest = {p.id: self._version_label(p, version) for p in self._policies.values()}
        hits = index.search(query, top_k=k * 4, categories=cats, query_vector=query_vector)
        hits = [h for h in hits if latest.get(h.clause.policy_id) == h.clause.version]
        return hits[:k]

    def ask(
        self,
        question: str,
        *,
        policy: str | None = None,
        version: str | None = None,
        top_k: int | None = None,
        category: str | Sequence[str] | None = None,
    ) -> Answer:
        """Answer a question about one version of one policy, with the clauses it rests on."""
        question = _check_text(question, "question")
        p = self.policy(policy)
        label = self._version_label(p, version)
        # One encode serves routing and retrieval.
        vector = self.embed_query(question)
        if category is None and self.classifier is not None:
            category = self.route(question, vector)
        hits = self.search(
            question,
            policy=p.id,
            version=label,
            top_k=max(_ANSWER_DEPTH, top_k or 0),
            category=category,
            query_vector=vector,
        )
        settings = self.settings.answer
        if top_k:
            settings = settings.model_copy(update={"max_citations": top_k})
        return answer_question(
            question,
            hits,
            self.clauses(p.id, label),
            policy=p.id,
            version=label,
            settings=settings,
        )


class _ParseCache:
    """Parsed policies and their clauses as JSON files, keyed by input bytes and stage sources."""

    _STAGES = (
        "ingest/reader.py",
        "segment/clauses.py",
        "ingest/clean.py",
        "ingest/dates.py",
        "types.py",
        "config.py",
    )

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _key(self, path: str | Path, policy_id: str | None) -> str | None:
        try:
            data = Path(path).read_bytes()
        except OSError:
            return None  # let ingest raise its own clear error
        h = hashlib.sha256(data)
        h.update(repr((policy_id, Path(path).name)).encode())
        here = Path(__file__).parent
        for name in self._STAGES:
            src = here / name
            if src.exists():
                h.update(src.read_bytes())
        return h.hexdigest()

    def get(self, path: str | Path, policy_id: str | None) -> tuple[Policy, list[Clause]] | None:
        key = self._key(path, policy_id)
        file = self.folder / f"{key}.json"
        if key is None or not file.exists():
            return None
        try:
            record = json.loads(file.read_text(encoding="utf-8"))
            return (
                policy_from_record(record["policy"]),
                [clause_from_record(c) for c in record["clauses"]],
            )
        except (ValueError, KeyError, TypeError):
            return None  # a damaged cache entry is rebuilt, never trusted

    def put(
        self, path: str | Path, policy_id: str | None, policy: Policy, clauses: list[Clause]
    ) -> None:
        key = self._key(path, policy_id)
        if key is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{key}.{os.getpid()}.tmp"
            record = {"policy": to_record(policy), "clauses": to_record(clauses)}
            tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
            tmp.replace(self.folder / f"{key}.json")
        except OSError:
            pass  # a read-only cache only costs speed


def _check_text(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InputError(f"the {what} is empty; pass some words")
    return text
