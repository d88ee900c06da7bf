"""The facade the CLI, the API and the notebooks call: load policies, search them, ask them.

``PolicyLens`` is the one orchestrator. It owns "read a source into a policy, its clauses, their
vectors and labels" (:meth:`PolicyLens.prepare`), the loaded policies and one retrieval index over
all of them, and hands the research and service layers what they need. Models load only when
something needs them: reading and segmenting a policy loads none, labels are computed when a
search, a question or :meth:`PolicyLens.classify` asks for them.

Example
-------
>>> from nlp import PolicyLens
>>> lens = PolicyLens(encoder=encoder, classifier=None)  # PolicyLens(): the shipped models
>>> lens.ask("Is my data sent to Brazil?").verdict  # the bundled seed policy: Brazil is not named
'not_stated'
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nlp.answer import (
    PhraseSimilarity,
    answer_question,
    company_names,
    lead_ins,
    parse_question,
    retrieval_query,
)
from nlp.cache import ParseCache, StatementCache
from nlp.config import Settings
from nlp.errors import InputError, ModelError, NotFoundError, PolicylensError
from nlp.types import (
    Answer,
    Clause,
    ClauseQuery,
    Hit,
    Policy,
    Prepared,
    Statement,
    categories_of,
)

if TYPE_CHECKING:
    from nlp.classify.model import ClauseClassifier
    from nlp.compare import Comparison
    from nlp.embed.encoder import Encoder
    from nlp.practices import PracticeExtractor
    from nlp.research.corpus import Corpus
    from nlp.retrieval.index import ClauseIndex

__all__ = ["AUTO", "PolicyLens", "load_corpus"]

AUTO: Any = object()  # "load the shipped classifier when first needed"

# What a PDF or HTML parser may raise on a broken upload; all mean "cannot read it" to a user.
_PARSER_FAILURES = (ValueError, TypeError, KeyError, IndexError, RecursionError, OSError)


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
        # Clause vectors of policies not in a built index yet (e.g. read back from the API's
        # store, or computed for labels), by policy id; the built index holds them afterwards.
        self._vectors: dict[str, np.ndarray] = {}
        # Policies whose clauses the classifier has not seen yet: labelled when labels are needed.
        self._unlabelled: set[str] = set()
        # Statements of clauses by clause id: given with a prepared policy (parse cache, store) or
        # extracted once when first asked for.
        self._statements: dict[str, tuple[Statement, ...]] = {}
        self._extractor: PracticeExtractor | None = None
        # The words naming each policy's company, by (policy id, version label): read once.
        self._names: dict[tuple[str, str], frozenset[str]] = {}
        # Slot phrases compared by the retrieval encoder, vectors remembered per phrase.
        self._phrases = PhraseSimilarity(lambda texts: self.encoder.encode(list(texts)))
        self._statement_cache: StatementCache | None = None
        embed = self.settings.embed
        self._parser = ParseCache(
            embed.cache_dir / "policies" if embed.use_cache else None,
            self.settings.ingest,
            self.settings.segment,
        )

    # -- components -------------------------------------------------------------------------

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            from nlp.embed.encoder import Encoder

            self._encoder = Encoder(self.settings.embed)
        return self._encoder

    @property
    def model_id(self) -> str:
        """The id of the encoder's model, which stored vectors are filed under."""
        from nlp.embed import model_id_of

        return model_id_of(self.encoder)

    @property
    def classifier(self) -> ClauseClassifier | None:
        if self._classifier is AUTO:
            from nlp.classify.model import load_classifier

            self._classifier = load_classifier(self.settings.classify)
        return self._classifier  # type: ignore[no-any-return]

    @property
    def extractor(self) -> PracticeExtractor:
        """The practices stage's statement extractor, loaded when first needed."""
        if self._extractor is None:
            from nlp.practices import load_extractor

            self._extractor = load_extractor(self.settings.practices, encode=self.encoder.encode)
        return self._extractor

    def statements_for(self, clauses: Sequence[Clause]) -> dict[str, tuple[Statement, ...]]:
        """The statements of each clause by clause id, extracting only those not known yet.

        A clause not known yet is looked up, with the other clauses of its version, in the
        statement cache (``nlp.cache.StatementCache``, beside the parse cache), and extracted
        with them only when the cache does not have them: the extractor reads a clause's
        neighbours (its list's lead-in, the sentence before), so a clause's statements are the
        same whichever of its neighbours were asked for first. A warm cache loads no model.
        """
        missing = [c for c in clauses if c.id not in self._statements]
        if missing:
            for batch in self._statement_batches(missing):
                self._statements.update(self._extract_batch(batch))
        return {c.id: self._statements[c.id] for c in clauses}

    def remember_statements(self, statements: Mapping[str, Sequence[Statement]]) -> None:
        """Take statements known already, by clause id (e.g. read back from the API's store), so
        that :meth:`statements_for` does not extract those clauses again."""
        self._statements.update((cid, tuple(sts)) for cid, sts in statements.items())

    def _statement_batches(self, clauses: Sequence[Clause]) -> list[list[Clause]]:
        """``clauses`` grouped by version, each group widened to its version's clauses if kept."""
        groups: dict[tuple[str, str], list[Clause]] = {}
        for c in clauses:
            groups.setdefault((c.policy_id, c.version), []).append(c)
        batches = []
        for (pid, version), group in groups.items():
            kept = [c for c in self._clauses.get(pid, ()) if c.version == version]
            ids = {c.id for c in kept}
            batches.append(kept if all(c.id in ids for c in group) else group)
        return batches

    def _extract_batch(self, batch: Sequence[Clause]) -> dict[str, tuple[Statement, ...]]:
        cache = self.statement_cache
        cached = cache.get(batch)
        if cached is not None:
            return cached
        found: dict[str, list[Statement]] = {c.id: [] for c in batch}
        for st in self.extractor.extract(batch):
            found[st.clause_id].append(st)
        cache.put(batch, found)
        return {cid: tuple(sts) for cid, sts in found.items()}

    @property
    def statement_cache(self) -> StatementCache:
        """Where statements are kept between runs, under the id of the extractor that made them."""
        if self._statement_cache is None:
            from nlp.embed import model_id_of
            from nlp.practices import extractor_id

            embed = self.settings.embed
            practices = self.settings.practices
            encoder_id = model_id_of(self.encoder) if practices.use_nearest else None
            self._statement_cache = StatementCache(
                embed.cache_dir / "statements" if embed.use_cache else None,
                extractor_id(practices, encoder_id),
            )
        return self._statement_cache

    def statements(
        self, policy_id: str | None = None, version: str | None = None
    ) -> list[Statement]:
        """Every statement of one version of a policy (the latest by default), in clause order."""
        clauses = self.clauses(policy_id, version)
        by_clause = self.statements_for(clauses)
        return [st for c in clauses for st in by_clause[c.id]]

    @property
    def index(self) -> ClauseIndex:
        """The index over every loaded policy, built (and its clauses labelled) when first used."""
        if self._index is None:
            from nlp.retrieval.index import ClauseIndex

            if not self._policies:
                self.load(self.settings.corpus)
            ids = [pid for pid, cs in self._clauses.items() if cs]
            self._ensure_vectors(ids)
            self._label_pending(ids)
            if ids:
                emb = np.vstack([self._vectors[pid] for pid in ids])
                self._index = ClauseIndex(
                    self.all_clauses(), emb, self.settings.retrieval, encoder=self.encoder
                )
            else:
                self._index = ClauseIndex.build([], self.encoder, self.settings.retrieval)
            self._unlabelled.clear()
            self._vectors.clear()
        return self._index

    # -- reading ----------------------------------------------------------------------------

    def parse(
        self, path: str | Path, *, policy_id: str | None = None
    ) -> tuple[Policy, list[Clause]]:
        """Read, clean, split into versions and segment a policy file; nothing is kept or loaded.

        The result is cached on disk, keyed by the file's bytes and ``nlp.segment.PARSE_VERSION``,
        so a second run skips both stages (and loading spaCy).
        """
        return self._parser.read(path, policy_id)

    def parse_data(
        self,
        data: str | bytes,
        *,
        fmt: str,
        name: str,
        source: str = "",
        policy_id: str | None = None,
    ) -> Policy:
        """A policy from uploaded text or file bytes in ``fmt`` (txt, md, html or pdf).

        Raises ``InputError`` for anything unreadable, whatever the parser's own error was.
        """
        from nlp.ingest import parse_policy

        try:
            return parse_policy(
                data,
                fmt=fmt,
                name=name,
                source=source,
                settings=self.settings.ingest,
                policy_id=policy_id,
            )
        except PolicylensError:
            raise
        except _PARSER_FAILURES as exc:
            raise InputError(
                f"cannot read the {fmt} upload ({type(exc).__name__}); re-export it"
            ) from exc

    def prepare(
        self,
        source: str | Path | Policy,
        *,
        policy_id: str | None = None,
        clauses: Sequence[Clause] | None = None,
        vectors: bool = True,
        labels: bool = True,
        classifier: Any | None = None,
        statements: bool = False,
    ) -> Prepared:
        """Read ``source`` (a file, or a parsed ``Policy``) into its clauses, vectors and labels.

        ``clauses`` spare segmenting a ``Policy`` again. ``vectors=False`` returns no vectors
        (the classifier still encodes what it labels); ``labels=False`` skips labelling.
        ``classifier`` replaces the lens's own for these clauses. ``statements=True`` adds the
        clauses' statements (from the statement cache, else extracted and kept there). Nothing
        is added to the lens (see :meth:`add`, which takes the statements back).
        """
        if isinstance(source, Policy):
            policy = source
            if clauses is None:
                from nlp.segment import segment_policy

                clauses = segment_policy(policy, self.settings.segment)
        else:
            policy, clauses = self.parse(source, policy_id=policy_id)
        found = list(clauses)
        clf = self._labeller(classifier) if labels and found else None
        emb: np.ndarray | None = None
        if vectors:
            emb = self.embed(found) if found else np.zeros((0, 0), dtype=np.float32)
        if clf is not None:
            # Without vectors the classifier encodes what it reads itself.
            found = self._label_with(clf, found, emb)
        said: tuple[Statement, ...] = ()
        if statements and found:
            by_clause: dict[str, tuple[Statement, ...]] = {}
            for batch in self._statement_batches(found):
                by_clause.update(self._extract_batch(batch))
            said = tuple(st for c in found for st in by_clause.get(c.id, ()))
        return Prepared(policy, tuple(found), emb, labelled=clf is not None, statements=said)

    def embed(self, clauses: Sequence[Clause]) -> np.ndarray:
        """The clauses' vectors, of ``Clause.contextual_text`` (what index and classifier read)."""
        texts = [c.contextual_text() for c in clauses]
        return np.asarray(self.encoder.encode(texts), dtype=np.float32)

    def label(
        self,
        clauses: Sequence[Clause],
        embeddings: Any | None = None,
        *,
        classifier: Any | None = None,
    ) -> list[Clause]:
        """Clauses with their category labels set (unchanged when there is no classifier).

        ``embeddings`` are the clauses' vectors of ``Clause.contextual_text`` (what the index
        holds); without them the clauses are encoded. ``classifier`` replaces the lens's own.
        """
        clf = self._labeller(classifier)
        if clf is None or not clauses:
            return list(clauses)
        return self._label_with(clf, list(clauses), embeddings)

    def _labeller(self, classifier: Any | None) -> Any | None:
        return classifier if classifier is not None else self.classifier

    def _label_with(self, clf: Any, clauses: list[Clause], embeddings: Any | None) -> list[Clause]:
        """Labels by ``clf``: from known vectors when given, else by its own encoding."""
        if embeddings is None:
            return list(clf.label_clauses(clauses, self.encoder))
        from nlp.classify.model import label_clauses

        return label_clauses(clauses, clf, embeddings)

    def _ensure_vectors(self, ids: Sequence[str]) -> None:
        """Encode, in one call, the clauses of the policies in ``ids`` that have no vectors yet."""
        todo = [pid for pid in ids if pid not in self._vectors and self._clauses[pid]]
        if not todo:
            return
        emb = self.embed([c for pid in todo for c in self._clauses[pid]])
        start = 0
        for pid in todo:
            n = len(self._clauses[pid])
            self._vectors[pid] = emb[start : start + n]
            start += n

    def _label_pending(self, ids: Sequence[str]) -> None:
        """Label the not yet labelled policies among ``ids`` from their vectors, in one call."""
        todo = [pid for pid in ids if pid in self._unlabelled and self._clauses[pid]]
        if not todo:
            return
        clf = self.classifier
        if clf is not None:
            clauses = [c for pid in todo for c in self._clauses[pid]]
            emb = np.vstack([self._vectors[pid] for pid in todo])
            labelled = self._label_with(clf, clauses, emb)
            start = 0
            for pid in todo:
                n = len(self._clauses[pid])
                self._clauses[pid] = labelled[start : start + n]
                start += n
        self._unlabelled.difference_update(todo)

    # -- holding ----------------------------------------------------------------------------

    def load(self, path: str | Path, *, policy_id: str | None = None) -> Policy:
        """Read a policy file (see :meth:`parse`) and add it; no model is loaded."""
        policy, clauses = self.parse(path, policy_id=policy_id)
        return self.add(policy, clauses)

    def load_many(self, paths: Iterable[str | Path]) -> list[Policy]:
        """Load several files; the first unreadable one raises ``InputError`` naming it."""
        return [self.load(p) for p in paths]

    def add(
        self,
        policy: Policy,
        clauses: Sequence[Clause] | None = None,
        *,
        embeddings: np.ndarray | None = None,
        labelled: bool | None = None,
        statements: Iterable[Statement] | None = None,
    ) -> Policy:
        """Add a parsed policy (segmenting it unless ``clauses`` are given).

        ``statements`` (``Prepared.statements``, or read back from a store) are kept as the
        clauses' statements, so none is extracted again; a clause none of them belongs to has
        none.

        ``embeddings`` (one row per clause, in order; e.g. read back from a store) spare encoding
        the clauses again, and let a built index take the policy in place instead of being rebuilt.
        A policy with the same id is replaced. Clauses are labelled by the classifier when labels
        are first needed, unless ``labelled`` (default: whether any clause carries labels) says
        a classifier has seen them already.
        """
        if clauses is None:
            from nlp.segment import segment_policy

            clauses = segment_policy(policy, self.settings.segment)
        clauses = list(clauses)
        if embeddings is not None:
            embeddings = np.asarray(embeddings, dtype=np.float32)
            if embeddings.ndim != 2 or embeddings.shape[0] != len(clauses):
                raise InputError(
                    f"embeddings must have one row per clause: got shape {embeddings.shape} for "
                    f"{len(clauses)} clauses"
                )
        if labelled is None:
            labelled = any(c.labels for c in clauses)
        index = self._index
        if index is not None and embeddings is not None:
            if not labelled and clauses:
                # The index is in use, so labels are needed now: from the vectors at hand.
                clauses = self.label(clauses, embeddings)
            # Searches running meanwhile see the index before or after, never half of it.
            if policy.id in self._policies:
                index.remove(policy.id)
            if clauses:
                index.add(clauses, embeddings)
            self._vectors.pop(policy.id, None)
            self._unlabelled.discard(policy.id)
        else:
            if embeddings is not None:
                self._vectors[policy.id] = embeddings  # kept only until the index is built
            else:
                self._vectors.pop(policy.id, None)
            if labelled:
                self._unlabelled.discard(policy.id)
            else:
                self._unlabelled.add(policy.id)
            self._index = None
        for old in self._clauses.get(policy.id, ()):
            self._statements.pop(old.id, None)
        if statements is not None:
            given: dict[str, list[Statement]] = {c.id: [] for c in clauses}
            for st in statements:
                if st.clause_id in given:
                    given[st.clause_id].append(st)
            self.remember_statements(given)
        self._policies[policy.id] = policy
        self._clauses[policy.id] = clauses
        return policy

    def classify(
        self, policy_ids: Iterable[str] | None = None, *, classifier: Any | None = None
    ) -> None:
        """Label every clause (all versions) of the loaded policies, or of ``policy_ids``.

        ``classifier`` is anything with ``label_clauses(clauses, encoder)`` (a fitted
        ``nlp.classify.ClauseClassifier``); by default the lens's own, else the one shipped in
        ``Settings.classify.model_dir``. Its labels replace ``Clause.labels``; a built index takes
        them in place. Raises ``ModelError`` when no classifier is given and none is shipped.
        """
        clf = classifier if classifier is not None else self.classifier
        if clf is None:
            settings = self.settings.classify
            if not Path(settings.model_dir).exists():
                raise ModelError(
                    f"no clause classifier at {settings.model_dir}; train one "
                    "(policylens train) or pass classifier=ClauseClassifier.load(path)"
                )
            from nlp.classify.model import load_classifier

            clf = load_classifier(settings)
        for pid in list(self._policies) if policy_ids is None else list(policy_ids):
            self.policy(pid)
            clauses = self._clauses[pid]
            if not clauses:
                continue
            labelled = list(clf.label_clauses(clauses, self.encoder))
            self._clauses[pid] = labelled
            self._unlabelled.discard(pid)
            if self._index is not None:
                self._index.relabel(labelled)

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
        routed = route_question(
            question, classifier=clf, embedding=query_vector, settings=self.settings.retrieval
        )
        return [label for label, _ in routed]

    def remove(self, policy_id: str) -> None:
        """Forget a policy."""
        self.policy(policy_id)
        del self._policies[policy_id]
        self._names = {k: v for k, v in self._names.items() if k[0] != policy_id}
        for clause in self._clauses.pop(policy_id):
            self._statements.pop(clause.id, None)
        self._vectors.pop(policy_id, None)
        self._unlabelled.discard(policy_id)
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

    def compare_stored(
        self,
        policy_id: str,
        *,
        old_version: str | None = None,
        new_version: str | None = None,
    ) -> Comparison:
        """Compare two versions of a loaded policy (default: its two newest).

        >>> lens.compare_stored("000-ce4448d9c54926ad").old_version  # doctest: +SKIP
        '2019-01-17'
        """
        from nlp.compare import compare_policies

        policy = self.policy(policy_id)
        if old_version is not None or new_version is not None:
            # One side named: the other defaults to the newest (new) or the one before (old).
            labels = [v.label for v in policy.versions]
            if new_version is None:
                new_version = labels[0]
            if old_version is None:
                newer = self._version_label(policy, new_version)
                rest = labels[labels.index(newer) + 1 :]
                if not rest:
                    raise InputError(
                        f"version {newer!r} of {policy_id!r} is its oldest; name `from` as well"
                    )
                old_version = rest[0]
            old_version = self._version_label(policy, old_version)
            new_version = self._version_label(policy, new_version)
        return compare_policies(
            self,
            policy_id,
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

    def clauses(
        self, policy_id: str | None = None, version: str | None = None, *, labels: bool = False
    ) -> list[Clause]:
        """Clauses of one version of a policy (the latest unless ``version`` says otherwise).

        With ``labels=True`` a policy not labelled yet is labelled first (loading the encoder and
        the classifier); otherwise clauses carry the labels they have so far.
        """
        policy = self.policy(policy_id)
        label = self._version_label(policy, version)
        if labels and policy.id in self._unlabelled:
            self._ensure_vectors([policy.id])
            self._label_pending([policy.id])
        return [c for c in self._clauses[policy.id] if c.version == label]

    @staticmethod
    def _version_label(policy: Policy, version: str | None) -> str:
        try:
            return policy.version(version).label
        except KeyError as exc:
            raise NotFoundError(str(exc.args[0])) from None

    # -- research and comparison ------------------------------------------------------------

    def corpus(
        self, folder: str | Path, *, pattern: str = "**/*", classifier: Any | None = None
    ) -> Corpus:
        """Load every policy file under ``folder`` into this lens, as a research ``Corpus``.

        See :func:`nlp.research.load_corpus`; with ``classifier`` the clauses are labelled.
        """
        from nlp.research.corpus import load_corpus as read_folder

        return read_folder(folder, lens=self, pattern=pattern, classifier=classifier)

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
        where: ClauseQuery | None = None,
    ) -> list[Hit]:
        """Hybrid search over one policy (``policy``) or every loaded policy.

        Without ``version``, each policy's latest version is searched. Clauses labelled with
        ``category`` are boosted; without it, with the categories the query is routed to.
        The dense side embeds ``query`` as given; BM25 reads it as ``ask`` reads a question
        (:func:`~nlp.answer.retrieval_query`: without the company's own name, "the app", "the
        site", with the policy's words for the practice asked about).
        ``where`` passes ``policy``, ``version``, ``top_k`` and ``category`` as one
        :class:`~nlp.types.ClauseQuery`.
        """
        if where is None:
            where = ClauseQuery(
                policy=policy, version=version, top_k=top_k, categories=categories_of(category)
            )
        return self._search(_check_text(query, "query"), where, query_vector)

    def _search(
        self, query: str, where: ClauseQuery, query_vector: Any | None, words: str | None = None
    ) -> list[Hit]:
        """Search with ``query`` embedded (unless ``query_vector`` is given) and ``words`` for
        BM25 (``None``: the query read as a question, with the policy's company names)."""
        k = where.top_k or self.settings.retrieval.top_k
        index = self.index
        cats = where.categories
        query_vector = self.embed_query(query) if query_vector is None else query_vector
        if cats is None and self.classifier is not None:
            # Routed like a question (``ask`` routes once and passes its categories down).
            cats = tuple(self.route(query, query_vector))
        if where.policy is not None or len(self._policies) == 1:
            p = self.policy(where.policy)
            label = self._version_label(p, where.version)
            one = replace(where, policy=p.id, version=label, top_k=k, categories=cats)
            if words is None:
                words = retrieval_query(parse_question(query, names=self._names_of(p, label)))
            return index.search(words, where=one, query_vector=query_vector)
        latest = {p.id: self._version_label(p, where.version) for p in self._policies.values()}
        every = ClauseQuery(top_k=k * 4, categories=cats)
        words = retrieval_query(parse_question(query)) if words is None else words
        hits = index.search(words, where=every, query_vector=query_vector)
        hits = [h for h in hits if latest.get(h.clause.policy_id) == h.clause.version]
        return hits[:k]

    def _names_of(self, p: Policy, label: str) -> frozenset[str]:
        """The words that name the company of version ``label`` of policy ``p`` (cached)."""
        names = self._names.get((p.id, label))
        if names is None:
            texts = [c.text for c in self.clauses(p.id, label)]
            names = self._names[(p.id, label)] = company_names(p.name, texts)
        return names

    def ask(
        self,
        question: str,
        *,
        policy: str | None = None,
        version: str | None = None,
        top_k: int | None = None,
        category: str | Sequence[str] | None = None,
        where: ClauseQuery | None = None,
    ) -> Answer:
        """Answer a question about one version of one policy, with the clauses it rests on.

        ``where`` passes ``policy``, ``version``, ``top_k`` and ``category`` as one
        :class:`~nlp.types.ClauseQuery`.
        """
        if where is None:
            where = ClauseQuery(
                policy=policy, version=version, top_k=top_k, categories=categories_of(category)
            )
        question = _check_text(question, "question")
        p = self.policy(where.policy)
        label = self._version_label(p, where.version)
        # One encode serves routing and retrieval.
        vector = self.embed_query(question)
        cats = where.categories
        if cats is None and self.classifier is not None:
            cats = tuple(self.route(question, vector))
        settings = self.settings.answer
        depth = ClauseQuery(
            policy=p.id,
            version=label,
            top_k=max(settings.search_depth, where.top_k or 0),
            categories=cats,
        )
        clauses = self.clauses(p.id, label)
        names = self._names_of(p, label)
        # BM25 reads the question in policy words, without the company's own name; the dense
        # side keeps the question's vector.
        words = retrieval_query(parse_question(question, names=names))
        hits = self._search(question, depth, vector, words)
        if where.top_k:
            settings = settings.model_copy(update={"max_citations": where.top_k})
        return answer_question(
            question,
            hits,
            clauses,
            policy=p.id,
            version=label,
            statements=self.statements_for(
                [h.clause for h in hits] + lead_ins([h.clause for h in hits], clauses)
            ),
            names=names,
            settings=settings,
            similarity=self._phrases,
        )


def load_corpus(
    folder: str | Path,
    *,
    pattern: str = "**/*",
    lens: PolicyLens | None = None,
    settings: Settings | None = None,
    classifier: Any | None = None,
) -> Corpus:
    """Load every policy file under ``folder`` into a research ``Corpus`` (a new lens by default).

    The same as ``PolicyLens(settings).corpus(folder, pattern=..., classifier=...)``; see
    :func:`nlp.research.load_corpus` for how files are found, named and skipped.

    >>> corpus = load_corpus("tests/data/corpus")  # reading loads no model
    >>> corpus.ids
    ['kitemail', 'lumenchat', 'orbitfit']
    """
    lens = lens if lens is not None else PolicyLens(settings)
    return lens.corpus(folder, pattern=pattern, classifier=classifier)


def _check_text(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InputError(f"the {what} is empty; pass some words")
    return text
