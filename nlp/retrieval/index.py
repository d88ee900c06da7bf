"""Hybrid clause retrieval: dense cosine similarity and BM25, fused by their scaled scores.

``ClauseIndex`` keeps the clauses, their normalised embedding matrix and a BM25 term-weight matrix.
Dense vectors embed :meth:`nlp.types.Clause.contextual_text` (heading, lead-in, text); BM25
indexes :func:`clause_text_for_bm25` (lead-in, text). Rows are grouped by policy and version, so
filtering on a policy slices a contiguous block instead of masking the whole index; BM25 scores
are gathered from the CSC columns of the query's terms only.

The scoring maths are plain functions on arrays (:func:`bm25_idf`, :func:`bm25_weights`,
:func:`top_k_indices`, :func:`convex_fusion`, :func:`reciprocal_rank_fusion`), so they can be
tested and reused alone.

Example
-------
>>> from nlp.types import Clause
>>> clauses = [Clause("c1", "acme", "v1", (), 0, 28, "We store your data in China."),
...            Clause("c2", "acme", "v1", (), 29, 53, "We never sell your data.")]
>>> index = ClauseIndex.build(clauses, encoder)
>>> [h.clause.text for h in index.search("Is my data sent to China?", top_k=1)]
['We store your data in China.']
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from nlp.config import RetrievalSettings
from nlp.embed import TextEncoder, normalize_rows
from nlp.errors import InputError, ModelError, NotFoundError
from nlp.types import Clause, ClauseQuery, Hit, categories_of

__all__ = [
    "ClauseIndex",
    "bm25_idf",
    "clause_text_for_bm25",
    "bm25_weights",
    "convex_fusion",
    "reciprocal_rank_fusion",
    "tokenize",
    "top_k_indices",
]

# Function words that carry no topic; kept short so "not", "no", "all", "any" still count.
STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as into about than then so
    is are was were be been being am do does did doing have has had having
    i me my mine we us our ours you your yours he him his she her hers it its they them their
    theirs this that these those there here what which who whom whose when where why how
    will would shall should can could may might must also such other very just s t""".split()
)

_WORD_RE = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    """Fold English plurals: "cookies"/"cookie" and "policies"/"policy" meet in one token."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    # After the "s" is gone "policie" and "cookie" both end in "ie"; "y" joins them with "policy".
    if len(word) > 3 and word.endswith("ie"):
        word = word[:-2] + "y"
    return word


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens of ``text`` without stopwords, plurals folded.

    >>> tokenize("We may transfer your cookies to the United States.")
    ['transfer', 'cooky', 'united', 'state']
    """
    return [_stem(w) for w in _WORD_RE.findall(text.lower()) if w not in STOPWORDS]


def clause_text_for_bm25(clause: Clause) -> str:
    """The words BM25 indexes for ``clause``: its list lead-in and its text, not its heading.

    The heading goes into the embedding (see :meth:`nlp.types.Clause.contextual_text`), but
    repeated on every clause of a section it lets generic heading words ("data", "processing")
    match each of them; on the seed questions dropping it from BM25 put the expected clause first
    for 2 more of 20 questions.
    """
    context = clause.context.strip()
    if context and not clause.text.startswith(context):
        return f"{context} {clause.text}"
    return clause.text


def bm25_idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Lucene's BM25 inverse document frequency, ``log(1 + (N - df + 0.5) / (df + 0.5))``.

    Always positive, so a term found in half (or all) of a tiny corpus still counts.
    """
    df = np.asarray(df, dtype=np.float64)
    return np.log1p((n_docs - df + 0.5) / (df + 0.5))


def bm25_weights(tf: sp.csr_matrix, *, k1: float = 1.5, b: float = 0.75) -> sp.csc_matrix:
    """Per (document, term) BM25 weights from raw term counts ``tf`` (documents x terms).

    A document's score for a query is the sum of the columns of its query terms.
    """
    tf = sp.csr_matrix(tf, dtype=np.float64)
    n_docs = tf.shape[0]
    doc_len = np.asarray(tf.sum(axis=1)).ravel()
    avgdl = float(doc_len.mean()) if n_docs and doc_len.mean() > 0 else 1.0
    df = np.bincount(tf.indices, minlength=tf.shape[1])
    idf = bm25_idf(df, n_docs)
    # Expand each row's length normaliser over its stored entries.
    norm = k1 * (1.0 - b + b * doc_len / avgdl)
    row_norm = np.repeat(norm, np.diff(tf.indptr))
    data = tf.data * (k1 + 1.0) / (tf.data + row_norm) * idf[tf.indices]
    out = sp.csr_matrix((data.astype(np.float32), tf.indices, tf.indptr), shape=tf.shape)
    csc = out.tocsc()
    csc.sort_indices()
    return csc


def top_k_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest ``scores``, best first (argpartition, then a small sort)."""
    n = scores.shape[0]
    if k <= 0 or n == 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
    return part[np.argsort(-scores[part], kind="stable")]


def reciprocal_rank_fusion(
    rankings: Sequence[np.ndarray], weights: Sequence[float], k: float = 60.0
) -> tuple[np.ndarray, np.ndarray]:
    """Fuse ranked id lists: ``score(d) = sum_r w_r / (k + rank_r(d))``, ranks from 1.

    Returns ``(ids, scores)`` of the union of the lists, in no particular order.
    """
    fused: dict[int, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        if w == 0:
            continue
        for rank, doc in enumerate(np.asarray(ranking).tolist(), start=1):
            fused[doc] = fused.get(doc, 0.0) + w / (k + rank)
    ids = np.fromiter(fused.keys(), dtype=np.int64, count=len(fused))
    scores = np.fromiter(fused.values(), dtype=np.float64, count=len(fused))
    return ids, scores


def convex_fusion(
    candidates: np.ndarray, dense: np.ndarray, sparse: np.ndarray, alpha: float
) -> np.ndarray:
    """``alpha * dense' + (1 - alpha) * sparse'`` for ``candidates`` (row indices into both).

    Each retriever's scores are scaled to [0, 1] over the candidates: cosine from the lowest
    to the highest candidate, BM25 from 0 to the highest. A query whose BM25 scores are flat
    (generic words in every clause) moves the order little; one with a peak (a rare word only
    one clause has) moves it a lot; ranks alone cannot tell the two apart (Bruch et al. 2023,
    "An Analysis of Fusion Functions for Hybrid Retrieval").

    >>> convex_fusion(np.array([0, 1]), np.array([0.9, 0.5]), np.array([0.0, 4.0]), 0.5)
    array([0.5, 0.5])
    """
    d = dense[candidates].astype(np.float64)
    lo, hi = (float(d.min()), float(d.max())) if d.size else (0.0, 0.0)
    d = (d - lo) / (hi - lo) if hi > lo else np.zeros_like(d)
    s = sparse[candidates].astype(np.float64)
    top = float(s.max()) if s.size else 0.0
    s = s / top if top > 0 else np.zeros_like(s)
    return alpha * d + (1.0 - alpha) * s


@dataclass(frozen=True)
class _State:
    """Everything a search reads; replaced whole on add/remove so readers never see half."""

    clauses: tuple[Clause, ...]
    embeddings: np.ndarray  # (n, dim) float32, unit rows
    tf: sp.csr_matrix  # raw term counts, kept so adding a policy does not re-tokenize the rest
    vocab: dict[str, int]
    weights: sp.csc_matrix  # BM25 weights
    policy_ranges: dict[str, tuple[int, int]]
    version_ranges: dict[tuple[str, str], tuple[int, int]]


def _group_order(clauses: Sequence[Clause]) -> np.ndarray:
    """Stable permutation putting each policy's clauses together, versions contiguous inside."""
    policy_rank: dict[str, int] = {}
    version_rank: dict[tuple[str, str], int] = {}
    p_key = np.empty(len(clauses), dtype=np.int64)
    v_key = np.empty(len(clauses), dtype=np.int64)
    for i, c in enumerate(clauses):
        p_key[i] = policy_rank.setdefault(c.policy_id, len(policy_rank))
        v_key[i] = version_rank.setdefault((c.policy_id, c.version), len(version_rank))
    return np.lexsort((np.arange(len(clauses)), v_key, p_key))


def _ranges(keys: list[Any]) -> dict[Any, tuple[int, int]]:
    out: dict[Any, tuple[int, int]] = {}
    for i, key in enumerate(keys):
        lo, _ = out.get(key, (i, i))
        out[key] = (lo, i + 1)
    return out


def _term_counts(texts: Iterable[str], vocab: dict[str, int]) -> sp.csr_matrix:
    """Raw term-count rows of ``texts``, growing ``vocab`` in place with new terms."""
    indptr = [0]
    indices: list[int] = []
    data: list[int] = []
    for text in texts:
        counts: dict[int, int] = {}
        for tok in tokenize(text):
            j = vocab.setdefault(tok, len(vocab))
            counts[j] = counts.get(j, 0) + 1
        indices.extend(counts.keys())
        data.extend(counts.values())
        indptr.append(len(indices))
    return sp.csr_matrix(
        (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32), indptr),
        shape=(len(indptr) - 1, max(len(vocab), 1)),
    )


def _widen(m: sp.csr_matrix, n_cols: int) -> sp.csr_matrix:
    return sp.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], n_cols))


class ClauseIndex:
    """Clauses searchable by meaning (embeddings) and by words (BM25), fused by rank.

    Parameters
    ----------
    clauses
        The clauses to search, of any number of policies and versions.
    embeddings
        Their vectors, shape ``(len(clauses), dim)``, in the same order (normalised here).
    settings
        Fusion constant, weights, candidates per retriever, BM25 parameters, category boost.
    encoder
        Used to embed queries when ``search`` gets no ``query_vector``; :meth:`build` sets it.

    Example
    -------
    >>> from nlp.types import Clause
    >>> clauses = [Clause("c1", "acme", "v1", (), 0, 28, "We store your data in China."),
    ...            Clause("c2", "acme", "v1", (), 29, 53, "We never sell your data.")]
    >>> index = ClauseIndex.build(clauses, encoder)  # e.g. nlp.embed.Encoder()
    >>> hits = index.search("Do you sell my data?", policy_id="acme", top_k=1)
    >>> hits[0].clause.text, round(hits[0].dense, 2), round(hits[0].sparse, 2)
    ('We never sell your data.', 0.22, 0.88)
    """

    def __init__(
        self,
        clauses: Sequence[Clause],
        embeddings: np.ndarray,
        settings: RetrievalSettings | None = None,
        *,
        encoder: TextEncoder | None = None,
    ) -> None:
        self.settings = settings or RetrievalSettings()
        self.encoder = encoder
        self._write_lock = threading.Lock()
        emb = self._check_embeddings(clauses, embeddings)
        vocab: dict[str, int] = {}
        tf = _term_counts((clause_text_for_bm25(c) for c in clauses), vocab)
        self._state = self._make_state(list(clauses), emb, tf, vocab)

    @classmethod
    def build(
        cls,
        clauses: Sequence[Clause],
        encoder: TextEncoder,
        settings: RetrievalSettings | None = None,
    ) -> ClauseIndex:
        """Embed ``clauses`` with ``encoder`` (cached) and index them.

        >>> from nlp.ingest import load_policy
        >>> from nlp.segment import segment_policy
        >>> policy = load_policy("corpora/000_ce4448d9c54926ad.txt")
        >>> index = ClauseIndex.build(segment_policy(policy), encoder)  # e.g. nlp.embed.Encoder()
        >>> len(index) > 300
        True
        """
        texts = [c.contextual_text() for c in clauses]
        emb = encoder.encode(texts) if texts else np.zeros((0, _dim_of(encoder)), np.float32)
        return cls(clauses, emb, settings, encoder=encoder)

    # -- construction helpers ------------------------------------------------------------------

    @staticmethod
    def _check_embeddings(clauses: Sequence[Clause], embeddings: np.ndarray) -> np.ndarray:
        emb = np.asarray(embeddings, dtype=np.float32)
        if emb.ndim != 2 or emb.shape[0] != len(clauses):
            raise InputError(
                f"embeddings must have one row per clause: got shape {emb.shape} for "
                f"{len(clauses)} clauses"
            )
        return normalize_rows(emb)

    def _make_state(
        self,
        clauses: list[Clause],
        emb: np.ndarray,
        tf: sp.csr_matrix,
        vocab: dict[str, int],
    ) -> _State:
        order = _group_order(clauses)
        if not np.array_equal(order, np.arange(len(order))):
            clauses = [clauses[i] for i in order]
            emb = emb[order]
            tf = tf[order]
        s = self.settings
        return _State(
            clauses=tuple(clauses),
            embeddings=np.ascontiguousarray(emb),
            tf=tf,
            vocab=vocab,
            weights=bm25_weights(tf, k1=s.bm25_k1, b=s.bm25_b),
            policy_ranges=_ranges([c.policy_id for c in clauses]),
            version_ranges=_ranges([(c.policy_id, c.version) for c in clauses]),
        )

    # -- updates -------------------------------------------------------------------------------

    def add(
        self, clauses: Sequence[Clause], embeddings: np.ndarray, *, replace: bool = False
    ) -> None:
        """Add clauses with their known vectors (BM25 statistics are recomputed).

        With ``replace=True`` the clauses already indexed for the policies in ``clauses`` are
        dropped in the same step, so a re-uploaded policy never disappears from searches running
        meanwhile. Only the new clauses are tokenized; concurrent searches see the old index or
        the new one, never a mix.
        """
        emb = self._check_embeddings(clauses, embeddings)
        with self._write_lock:
            old = self._state
            old_dim = old.embeddings.shape[1]
            if old.embeddings.shape[0] and emb.shape[0] and emb.shape[1] != old_dim:
                raise ModelError(
                    f"new vectors have {emb.shape[1]} dimensions, the index {old_dim}; "
                    "embed every policy with the same model"
                )
            old_clauses = list(old.clauses)
            old_emb, old_tf = old.embeddings, old.tf
            if replace:
                gone = {c.policy_id for c in clauses}
                keep = np.array([c.policy_id not in gone for c in old_clauses], dtype=bool)
                if not keep.all():
                    old_clauses = [c for c, k in zip(old_clauses, keep, strict=True) if k]
                    old_emb, old_tf = old_emb[keep], old_tf[keep]
            vocab = dict(old.vocab)
            new_tf = _term_counts((clause_text_for_bm25(c) for c in clauses), vocab)
            width = max(len(vocab), 1)
            tf = sp.vstack([_widen(old_tf, width), _widen(new_tf, width)], format="csr")
            all_emb = np.vstack([old_emb, emb]) if old_emb.shape[0] else emb
            self._state = self._make_state(old_clauses + list(clauses), all_emb, tf, vocab)

    def relabel(self, clauses: Iterable[Clause]) -> int:
        """Swap indexed clauses for these same clauses (same id) carrying new labels.

        Vectors and BM25 statistics stay as they are (labels change neither), so labelling an
        indexed policy costs no re-indexing. Returns how many clauses were swapped.
        """
        new = {(c.policy_id, c.id): c for c in clauses}
        with self._write_lock:
            old = self._state
            swapped = tuple(new.get((c.policy_id, c.id), c) for c in old.clauses)
            count = sum(a is not b for a, b in zip(old.clauses, swapped, strict=True))
            if count:
                self._state = replace(old, clauses=swapped)
            return count

    def remove(self, policy_id: str, version: str | None = None) -> int:
        """Drop the clauses of ``policy_id`` (only of ``version`` when given); return how many."""
        with self._write_lock:
            old = self._state
            keep = np.array(
                [
                    not (c.policy_id == policy_id and (version is None or c.version == version))
                    for c in old.clauses
                ],
                dtype=bool,
            )
            dropped = int((~keep).sum())
            if dropped:
                clauses = [c for c, k in zip(old.clauses, keep, strict=True) if k]
                self._state = self._make_state(
                    clauses, old.embeddings[keep], old.tf[keep], dict(old.vocab)
                )
            return dropped

    # -- read access ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._state.clauses)

    @property
    def clauses(self) -> tuple[Clause, ...]:
        """The indexed clauses, grouped by policy and version."""
        return self._state.clauses

    @property
    def embeddings(self) -> np.ndarray:
        """Unit-norm float32 vectors, row ``i`` for ``clauses[i]``."""
        return self._state.embeddings

    @property
    def policy_ids(self) -> list[str]:
        """Ids of the policies in the index, in insertion order."""
        return list(self._state.policy_ranges)

    def versions(self, policy_id: str) -> list[str]:
        """Version labels indexed for ``policy_id``."""
        return [v for (p, v) in self._state.version_ranges if p == policy_id]

    # -- search --------------------------------------------------------------------------------

    def _row_ranges(
        self, state: _State, policy_id: str | None, version: str | None
    ) -> list[tuple[int, int]]:
        if policy_id is not None:
            if policy_id not in state.policy_ranges:
                known = ", ".join(list(state.policy_ranges)[:10]) or "none"
                raise NotFoundError(
                    f"no clauses of policy {policy_id!r} in the index (indexed: {known}); "
                    "load the policy first"
                )
            if version is None:
                return [state.policy_ranges[policy_id]]
            rng = state.version_ranges.get((policy_id, version))
            if rng is None:
                known = ", ".join(v for (p, v) in state.version_ranges if p == policy_id)
                raise NotFoundError(
                    f"policy {policy_id!r} has no indexed version {version!r}; "
                    f"indexed versions: {known}"
                )
            return [rng]
        if version is None:
            return [(0, len(state.clauses))]
        ranges = [r for (_, v), r in state.version_ranges.items() if v == version]
        if not ranges:
            raise NotFoundError(f"no policy in the index has a version {version!r}")
        return ranges

    def _query_vector(self, query: str, query_vector: np.ndarray | None, dim: int) -> np.ndarray:
        if query_vector is None:
            if self.encoder is None:
                raise ModelError(
                    "this index has no encoder to embed the query; pass query_vector= or "
                    "build the index with ClauseIndex.build(clauses, encoder)"
                )
            encode_query = getattr(self.encoder, "encode_query", None)
            if encode_query is not None:
                query_vector = encode_query(query)
            else:
                query_vector = self.encoder.encode([query])[0]
        q = np.asarray(query_vector, dtype=np.float32).ravel()
        if q.shape[0] != dim:
            raise ModelError(
                f"query vector has {q.shape[0]} dimensions but the index {dim}; embed the query "
                "with the model that embedded the clauses"
            )
        norm = float(np.linalg.norm(q))
        return q / norm if norm > 0 else q

    def _bm25(self, state: _State, query: str, ranges: list[tuple[int, int]]) -> np.ndarray:
        """BM25 scores of the rows in ``ranges`` (concatenated), from the query terms' columns."""
        sizes = [hi - lo for lo, hi in ranges]
        scores = np.zeros(sum(sizes), dtype=np.float32)
        cols = sorted({state.vocab[t] for t in tokenize(query) if t in state.vocab})
        if not cols:
            return scores
        w = state.weights
        offset = 0
        for (lo, hi), size in zip(ranges, sizes, strict=True):
            row_parts: list[np.ndarray] = []
            data_parts: list[np.ndarray] = []
            for j in cols:
                start, stop = w.indptr[j], w.indptr[j + 1]
                rows = w.indices[start:stop]
                # Rows of a CSC column are sorted: cut the filter's block out by binary search.
                a, z = np.searchsorted(rows, [lo, hi])
                if z > a:
                    row_parts.append(rows[a:z])
                    data_parts.append(w.data[start + a : start + z])
            if row_parts:
                # One bincount over every query term's entries instead of one per term.
                scores[offset : offset + size] = np.bincount(
                    np.concatenate(row_parts) - lo,
                    weights=np.concatenate(data_parts),
                    minlength=size,
                )
            offset += size
        return scores

    def search(
        self,
        query: str,
        *,
        top_k: int | None = None,
        policy_id: str | None = None,
        version: str | None = None,
        categories: Collection[str] | None = None,
        query_vector: np.ndarray | None = None,
        where: ClauseQuery | None = None,
    ) -> list[Hit]:
        """The ``top_k`` clauses best matching ``query``, best first.

        Dense cosine and BM25 each propose ``settings.candidates`` clauses from the filtered rows
        (``policy_id``, ``version``); they are fused (``settings.fusion``: the convex combination
        of their scaled scores, :func:`convex_fusion`, or reciprocal-rank fusion with
        ``settings.rrf_k`` and the retriever weights), and clauses whose labels meet
        ``categories`` get ``settings.category_boost`` added. ``Hit.score`` is the fused score,
        ``Hit.dense`` the cosine similarity and ``Hit.sparse`` the BM25 score.

        ``where`` (a :class:`~nlp.types.ClauseQuery` with a version label, not a year) passes
        ``policy``, ``version``, ``categories`` and ``top_k`` at once instead of the keywords.

        >>> from nlp.types import Clause
        >>> clauses = [Clause("c1", "acme", "v1", (), 0, 28, "We store your data in China."),
        ...            Clause("c2", "acme", "v1", (), 29, 53, "We never sell your data.")]
        >>> index = ClauseIndex.build(clauses, encoder)
        >>> [h.clause.id for h in index.search("Do you sell my data?", policy_id="acme", top_k=1)]
        ['c2']
        """
        if where is None:
            where = ClauseQuery(
                policy=policy_id,
                version=version,
                categories=categories_of(categories),
                top_k=top_k,
            )
        s = self.settings
        top_k = s.top_k if where.top_k is None else where.top_k
        if top_k < 1:
            raise InputError(f"top_k must be at least 1, got {top_k}")
        if not query or not query.strip():
            raise InputError("the query is empty; ask a question or give some words to search")
        state = self._state
        if not state.clauses:
            raise NotFoundError("the index holds no clauses; load and index a policy first")
        ranges = self._row_ranges(state, where.policy, where.version)
        if len(ranges) == 1:
            lo, hi = ranges[0]
            rows = np.arange(lo, hi)
        else:
            rows = np.concatenate([np.arange(lo, hi) for lo, hi in ranges])

        n_cand = max(s.candidates, top_k)
        use_dense = s.dense_weight != 0 or query_vector is not None or self.encoder is not None
        if use_dense:
            q = self._query_vector(query, query_vector, state.embeddings.shape[1])
            if len(ranges) == 1:
                dense = state.embeddings[ranges[0][0] : ranges[0][1]] @ q
            else:
                dense = state.embeddings[rows] @ q
        else:
            dense = np.zeros(rows.shape[0], dtype=np.float32)
        sparse = self._bm25(state, query, ranges)

        dense_rank = top_k_indices(dense, n_cand) if s.dense_weight != 0 else np.zeros(0, int)
        sparse_rank = np.zeros(0, dtype=np.int64)
        if s.sparse_weight != 0:
            matched = np.flatnonzero(sparse > 0)
            sparse_rank = matched[top_k_indices(sparse[matched], n_cand)]
        if s.fusion == "convex" and s.dense_weight != 0 and s.sparse_weight != 0:
            ids = np.unique(np.concatenate([dense_rank, sparse_rank]))
            fused = convex_fusion(ids, dense, sparse, s.convex_alpha)
        else:
            ids, fused = reciprocal_rank_fusion(
                [dense_rank, sparse_rank], [s.dense_weight, s.sparse_weight], k=s.rrf_k
            )
        if ids.size == 0:
            return []
        if where.categories:
            wanted = set(where.categories)
            boost = np.array(
                [bool(wanted.intersection(state.clauses[rows[i]].labels)) for i in ids.tolist()]
            )
            fused = fused + s.category_boost * boost
        # Ties (e.g. a clause found by one retriever only, at equal ranks) go to the closer meaning.
        order = np.lexsort((-sparse[ids], -dense[ids], -fused))[:top_k]
        return [
            Hit(
                clause=state.clauses[int(rows[i])],
                score=float(fused[o]),
                dense=float(dense[i]),
                sparse=float(sparse[i]),
            )
            for o, i in zip(order.tolist(), ids[order].tolist(), strict=True)
        ]

    def __repr__(self) -> str:
        st = self._state
        return f"ClauseIndex({len(st.clauses)} clauses, {len(st.policy_ranges)} policies)"


def _dim_of(encoder: Any) -> int:
    return int(getattr(encoder, "dim", 0) or 0)
