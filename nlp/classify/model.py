"""Clause classification: one-vs-rest logistic regression over sentence embeddings + TF-IDF.

Three estimators, all following scikit-learn's conventions (``__init__`` only stores parameters,
fitted attributes end in ``_``, ``fit`` returns ``self``):

* :class:`MultiLabelLogit` works on numbers: one logistic regression per label, with per-label
  decision thresholds and support for unknown targets (``-1``) so that a corpus that does not
  annotate a label neither teaches it nor counts against it. It passes scikit-learn's
  ``parametrize_with_checks``.
* :class:`TfidfFeatures` turns texts into word uni/bigram TF-IDF vectors.
* :class:`ClauseClassifier` joins the texts' sentence embeddings and their TF-IDF vectors, fits a
  :class:`MultiLabelLogit`, names its labels, tunes thresholds and saves/loads itself as JSON +
  ``.npz`` (never pickle; loading executes no code).

Persistence goes through documented state: each estimator's ``to_state()`` returns a JSON-able
dict and a dict of numpy arrays, and ``from_state(state, arrays)`` rebuilds the fitted estimator
from exactly those, without fitting anything. A saved classifier (format version 2) is
``model.json``::

    {"format": "policylens-clause-classifier", "format_version": 2,
     "scheme": ..., "labels": [...], "params": {ClauseClassifier params},
     "thresholds": [per label],            # shared with the estimator
     "embedding": {"model": model id, "dim": width},
     "tfidf": null | {"params": {TfidfFeatures params}, "vocabulary": [term of column 0, ...]},
     "estimator": {"params": {MultiLabelLogit params}, "classes": [0, 1], "multilabel": true},
     ...metadata (created, training data, metrics, library versions)}

and ``weights.npz`` (``allow_pickle=False``): ``coef`` and ``intercept`` (float32; ``fit`` rounds
the weights to float32, so nothing is lost) and ``idf`` (float64).

Example
-------
>>> clf = ClauseClassifier.load("models/policylens")             # doctest: +SKIP
>>> clf.predict(["We keep your data for 5 years."], embeddings=embeddings)  # doctest: +SKIP
[('retention',)]
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from nlp.classify.taxonomy import scheme_labels
from nlp.config import ClassifySettings
from nlp.embed.protocol import TextEncoder
from nlp.errors import InputError, ModelError
from nlp.types import Clause, Prediction

FORMAT = "policylens-clause-classifier"
FORMAT_VERSION = 2
MODEL_JSON = "model.json"
WEIGHTS_NPZ = "weights.npz"
# The documented keys of model.json; any other key is metadata.
_STATE_KEYS = frozenset(
    ("format", "format_version", "scheme", "labels", "params", "thresholds", "embedding")
    + ("tfidf", "estimator")
)

__all__ = [
    "ClauseClassifier",
    "MultiLabelLogit",
    "TfidfFeatures",
    "label_clauses",
    "load_classifier",
    "model_dir_for",
    "tune_thresholds",
]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic


def _state_error(what: str, exc: Exception) -> ModelError:
    """A ModelError for a state that lacks a field or holds one of the wrong shape."""
    return ModelError(f"the saved {what} is incomplete or damaged ({exc!r}); retrain it")


class MultiLabelLogit(ClassifierMixin, BaseEstimator):
    """One logistic regression per output, each with its own decision threshold.

    ``y`` may be 1-D (binary or multiclass: one-vs-rest, predicting the best class) or a 2-D
    multi-label indicator matrix in which ``-1`` marks an unknown target (that row is left out
    of that label's fit).

    Parameters
    ----------
    C : float
        Inverse L2 regularisation strength of every logistic regression.
    class_weight : None or "balanced"
        Passed to each ``LogisticRegression``.
    max_iter : int
        L-BFGS iterations per label.
    threshold : float
        Initial decision threshold on the probability of every label (multi-label mode).

    Attributes
    ----------
    classes_ : ndarray
        Class labels (1-D ``y``) or ``[0, 1]`` (multi-label).
    coef_ : ndarray of shape (n_outputs, n_features)
    intercept_ : ndarray of shape (n_outputs,)
    thresholds_ : ndarray of shape (n_outputs,)
        Probability each output must reach to be predicted (multi-label mode).
    n_iter_ : ndarray of shape (n_outputs,)
        Solver iterations per output (0 for an output with a single known class).
    multilabel_ : bool

    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); Y = np.array([[0, 1], [0, 1], [1, 0], [1, 0]])
    >>> MultiLabelLogit(C=10.0).fit(X, Y).predict(np.array([[3.0]])).tolist()
    [[1, 0]]
    """

    def __init__(
        self,
        C: float = 1.0,
        class_weight: str | None = None,
        max_iter: int = 1000,
        threshold: float = 0.5,
    ) -> None:
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.threshold = threshold

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        return tags

    def fit(self, X: Any, y: Any, sample_weight: np.ndarray | None = None) -> MultiLabelLogit:
        """Fit one logistic regression per output; returns ``self``."""
        X, y = validate_data(
            self, X, y, accept_sparse="csr", multi_output=True, dtype=np.float64, y_numeric=False
        )
        y = np.asarray(y)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
            if sample_weight.shape != (X.shape[0],):
                raise ValueError("sample_weight must have one weight per sample")
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim == 1:
            if type_of_target(y) not in {"binary", "multiclass"}:
                raise ValueError(f"Unknown label type: {type_of_target(y)}")
            self.multilabel_ = False
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                raise ValueError(
                    "y contains only one class; classification needs at least 2 classes"
                )
            cols = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
            Y = np.stack([(y == c).astype(np.int8) for c in cols], axis=1)
        else:
            Y = y.astype(np.int64)
            if not np.isin(Y, (-1, 0, 1)).all():
                raise ValueError("multi-label y must hold 1 (positive), 0 (negative), -1 (unknown)")
            self.multilabel_ = True
            self.classes_ = np.array([0, 1])
        n_out = Y.shape[1]
        self.coef_ = np.zeros((n_out, X.shape[1]), dtype=np.float64)
        self.intercept_ = np.zeros(n_out, dtype=np.float64)
        self.n_iter_ = np.zeros(n_out, dtype=np.int64)
        for j in range(n_out):
            known = Y[:, j] >= 0
            yj = Y[known, j]
            if yj.size == 0:
                continue  # nothing known: probability 0.5, the threshold decides
            if yj.min() == yj.max():
                # A label with one class only: a constant, confident score of that class.
                self.intercept_[j] = 8.0 if yj[0] == 1 else -8.0
                continue
            lr = LogisticRegression(
                C=self.C, class_weight=self.class_weight, max_iter=self.max_iter
            )
            sw = None if sample_weight is None else sample_weight[known]
            lr.fit(X[known], yj, sample_weight=sw)
            self.coef_[j] = lr.coef_[0]
            self.intercept_[j] = lr.intercept_[0]
            self.n_iter_[j] = int(np.max(lr.n_iter_))
        self.thresholds_ = np.full(n_out, float(self.threshold))
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """Logit of every output, shape (n_samples, n_outputs) (``(n_samples,)`` when binary)."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False, dtype=np.float64)
        z = np.asarray(X @ self.coef_.T) + self.intercept_
        if not self.multilabel_ and len(self.classes_) == 2:
            return z.ravel()
        return z

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of every output (multi-label), or of every class (1-D ``y``)."""
        z = self.decision_function(X)
        if self.multilabel_:
            return _sigmoid(z)
        if z.ndim == 1:
            p = _sigmoid(z)
            return np.stack([1.0 - p, p], axis=1)
        p = _sigmoid(z)
        total = p.sum(axis=1, keepdims=True)
        return p / np.where(total == 0, 1.0, total)

    def predict(self, X: Any) -> np.ndarray:
        """Multi-label: 0/1 matrix (probability >= threshold). 1-D ``y``: the best class."""
        proba = self.predict_proba(X)
        if self.multilabel_:
            return (proba >= self.thresholds_).astype(np.int64)
        return self.classes_[np.argmax(proba, axis=1)]

    def set_thresholds(self, thresholds: Sequence[float] | np.ndarray) -> MultiLabelLogit:
        """Replace the per-output decision thresholds (multi-label mode); returns ``self``."""
        check_is_fitted(self)
        t = np.asarray(thresholds, dtype=np.float64)
        if t.shape != self.thresholds_.shape:
            raise ValueError(f"need {self.thresholds_.shape[0]} thresholds, got shape {t.shape}")
        self.thresholds_ = t
        return self

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The fitted estimator as ``(state, arrays)``, the input of :meth:`from_state`.

        ``state`` (JSON-able): ``params`` (:meth:`get_params`), ``classes`` (list),
        ``multilabel`` (bool) and ``thresholds`` (list, one per output). ``arrays``: ``coef``
        (n_outputs, n_features) and ``intercept`` (n_outputs,), float64. ``n_iter_`` describes a
        fit, not the model, and is not kept.
        """
        check_is_fitted(self)
        state = {
            "params": self.get_params(),
            "classes": self.classes_.tolist(),
            "multilabel": bool(self.multilabel_),
            "thresholds": [float(t) for t in self.thresholds_],
        }
        return state, {"coef": self.coef_.copy(), "intercept": self.intercept_.copy()}

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
    ) -> MultiLabelLogit:
        """The fitted estimator that :meth:`to_state` described; fits nothing.

        >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
        >>> est = MultiLabelLogit().fit(X, y)
        >>> again = MultiLabelLogit.from_state(*est.to_state())
        >>> bool((again.predict_proba(X) == est.predict_proba(X)).all())
        True
        """
        try:
            est = cls(**state["params"])
            coef = np.asarray(arrays["coef"], dtype=np.float64)
            intercept = np.asarray(arrays["intercept"], dtype=np.float64)
            thresholds = np.asarray(state["thresholds"], dtype=np.float64)
            classes = np.asarray(state["classes"])
            multilabel = bool(state["multilabel"])
        except (KeyError, TypeError, ValueError) as exc:
            raise _state_error("MultiLabelLogit", exc) from exc
        n_out = coef.shape[0] if coef.ndim == 2 else -1
        if intercept.shape != (n_out,) or thresholds.shape != (n_out,):
            raise _state_error("MultiLabelLogit", ValueError(f"coef of shape {coef.shape}"))
        est.classes_ = classes
        est.multilabel_ = multilabel
        est.coef_ = coef
        est.intercept_ = intercept
        est.thresholds_ = thresholds
        est.n_features_in_ = coef.shape[1]
        return est


class TfidfFeatures(TransformerMixin, BaseEstimator):
    """Texts -> word uni/bigram TF-IDF vectors (lowercased, sublinear tf, smoothed idf, unit L2).

    ``fit`` chooses the vocabulary and idf with scikit-learn's ``TfidfVectorizer``; ``transform``
    counts the vocabulary's terms with a ``CountVectorizer`` of that fixed vocabulary and weights
    them as ``TfidfVectorizer`` does (``1 + log(tf)``, times idf, then unit L2 norm), so the
    fitted state is only the vocabulary and the idf, and a restored transformer needs nothing
    else.

    Parameters
    ----------
    max_features, min_df, max_df
        As in ``TfidfVectorizer``: vocabulary size, and the document frequencies (count, or
        fraction of documents) outside which a term is dropped.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Term -> column.
    idf_ : ndarray of shape (n_terms,)

    >>> tf = TfidfFeatures(min_df=1, max_df=1.0).fit(["we sell data", "we keep data"])
    >>> tf.transform(["we sell"]).shape
    (1, 8)
    """

    _NGRAMS = (1, 2)

    def __init__(self, max_features: int = 12000, min_df: int = 2, max_df: float = 0.5) -> None:
        self.max_features = max_features
        self.min_df = min_df
        self.max_df = max_df

    def fit(self, texts: Sequence[str], y: Any = None) -> TfidfFeatures:
        """Learn the vocabulary and idf of ``texts``; returns ``self``."""
        vec = TfidfVectorizer(
            lowercase=True,
            ngram_range=self._NGRAMS,
            min_df=self.min_df,
            max_df=self.max_df,
            sublinear_tf=True,
            max_features=self.max_features,
            dtype=np.float64,
        ).fit(list(texts))
        self.vocabulary_ = {str(t): int(j) for t, j in vec.vocabulary_.items()}
        self.idf_ = np.asarray(vec.idf_, dtype=np.float64)
        return self

    def _counter(self) -> CountVectorizer:
        counter: CountVectorizer | None = getattr(self, "_counter_cache", None)
        if counter is None or counter.vocabulary is not self.vocabulary_:
            # Building one validates the whole vocabulary (~4 ms): once per vocabulary, not per
            # question routed.
            counter = CountVectorizer(
                lowercase=True,
                ngram_range=self._NGRAMS,
                vocabulary=self.vocabulary_,
                dtype=np.float64,
            )
            self._counter_cache = counter
        return counter

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF rows of ``texts``, shape ``(len(texts), n_terms)``, CSR."""
        check_is_fitted(self, ("vocabulary_", "idf_"))
        X = sp.csr_matrix(self._counter().transform(list(texts)), dtype=np.float64)
        np.log(X.data, X.data)
        X.data += 1.0
        X.data *= self.idf_[X.indices]
        return normalize(X, norm="l2", copy=False)

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """``({"params": ..., "vocabulary": [term of column 0, column 1, ...]}, {"idf": ...})``."""
        check_is_fitted(self, ("vocabulary_", "idf_"))
        terms = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        return {"params": self.get_params(), "vocabulary": terms}, {"idf": self.idf_.copy()}

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
    ) -> TfidfFeatures:
        """The fitted transformer that :meth:`to_state` described; fits nothing."""
        try:
            tf = cls(**state["params"])
            terms = [str(t) for t in state["vocabulary"]]
            idf = np.asarray(arrays["idf"], dtype=np.float64)
        except (KeyError, TypeError, ValueError) as exc:
            raise _state_error("TF-IDF vocabulary", exc) from exc
        if idf.shape != (len(terms),) or len(set(terms)) != len(terms):
            shape = ValueError(f"{len(terms)} terms but idf of shape {idf.shape}")
            raise _state_error("TF-IDF vocabulary", shape)
        tf.vocabulary_ = {t: j for j, t in enumerate(terms)}
        tf.idf_ = idf
        return tf


def best_f1_threshold(
    scores: np.ndarray, truth: np.ndarray, *, min_positives: int = 3, default: float = 0.5
) -> float:
    """The probability threshold in [0.05, 0.95] that maximises F1 of one label.

    Labels with fewer than ``min_positives`` positives keep ``default``: a threshold fitted to one
    or two examples says nothing. Ties go to the threshold nearest 0.5.
    """
    truth = np.asarray(truth).astype(bool)
    if truth.sum() < min_positives:
        return default
    grid = np.round(np.arange(0.05, 0.951, 0.025), 3)
    best, best_t = -1.0, default
    for t in sorted(grid, key=lambda v: abs(v - 0.5)):
        pred = scores >= t
        tp = float(np.sum(pred & truth))
        f1 = 2 * tp / (pred.sum() + truth.sum()) if (pred.sum() + truth.sum()) else 0.0
        if f1 > best + 1e-12:
            best, best_t = f1, float(t)
    return best_t


def tune_thresholds(scores: np.ndarray, Y: np.ndarray, *, min_positives: int = 3) -> np.ndarray:
    """Per-label F1-maximising thresholds; rows whose target is ``-1`` are ignored per label."""
    out = np.full(scores.shape[1], 0.5)
    for j in range(scores.shape[1]):
        known = Y[:, j] >= 0
        out[j] = best_f1_threshold(scores[known, j], Y[known, j] == 1, min_positives=min_positives)
    return out


class ClauseClassifier(BaseEstimator):
    """Multi-label clause classifier over sentence embeddings and (optionally) TF-IDF.

    ``fit``/``predict`` take the texts *and* their sentence embeddings (from
    ``nlp.embed.Encoder``; keyword ``embeddings``), so that embeddings computed once for search are
    reused here and the estimator itself never loads a neural model.

    Parameters
    ----------
    scheme : {"policylens", "opp115"}
        Label scheme; fixes the label names and their order.
    C : float
        Regularisation of the per-label logistic regressions.
    use_tfidf : bool
        Append word uni/bigram TF-IDF features to the embeddings.
    max_features : int
        TF-IDF vocabulary size.
    embedding_weight : float
        Scale of the (unit-norm) embedding block relative to the (unit-norm) TF-IDF block.
    min_labels : int
        0: a clause may get no label. 1: when no label passes its threshold, the one closest to
        passing (highest score/threshold) is given, since every clause is about something.

    >>> clf = ClauseClassifier(scheme="policylens")
    >>> clf.scheme
    'policylens'
    """

    def __init__(
        self,
        scheme: str = "policylens",
        C: float = 4.0,
        use_tfidf: bool = True,
        max_features: int = 12000,
        embedding_weight: float = 1.0,
        class_weight: str | None = None,
        min_labels: int = 1,
    ) -> None:
        self.scheme = scheme
        self.C = C
        self.use_tfidf = use_tfidf
        self.max_features = max_features
        self.embedding_weight = embedding_weight
        self.class_weight = class_weight
        self.min_labels = min_labels

    # -- features ------------------------------------------------------------------------------

    def _features(self, texts: Sequence[str], embeddings: np.ndarray) -> Any:
        emb = np.asarray(embeddings, dtype=np.float64)
        if emb.ndim != 2 or emb.shape[0] != len(texts):
            raise InputError(
                f"got {len(texts)} texts but embeddings of shape {emb.shape}; pass one embedding "
                "row per text"
            )
        if hasattr(self, "embedding_dim_") and emb.shape[1] != self.embedding_dim_:
            raise ModelError(
                f"this classifier was trained on {self.embedding_dim_}-dim embeddings "
                f"({self.embedding_model_}); got {emb.shape[1]}-dim ones: use the same encoder"
            )
        block = sp.csr_matrix(emb * self.embedding_weight)
        if self.vectorizer_ is None:
            return block
        return sp.hstack([block, self.vectorizer_.transform(list(texts))], format="csr")

    # -- fit / predict ------------------------------------------------------------------------

    def fit(
        self,
        texts: Sequence[str],
        Y: np.ndarray,
        *,
        embeddings: np.ndarray,
        sample_weight: np.ndarray | None = None,
        embedding_model: str = "",
    ) -> ClauseClassifier:
        """Fit on texts, their embeddings and a 0/1/-1 label matrix in the scheme's label order."""
        self.labels_ = scheme_labels(self.scheme)
        Y = np.asarray(Y)
        if Y.shape != (len(texts), len(self.labels_)):
            raise InputError(
                f"Y has shape {Y.shape}; expected ({len(texts)}, {len(self.labels_)}) for the "
                f"{self.scheme} scheme"
            )
        self.embedding_dim_ = int(np.asarray(embeddings).shape[1])
        self.embedding_model_ = embedding_model
        self.vectorizer_ = (
            TfidfFeatures(max_features=self.max_features).fit(texts) if self.use_tfidf else None
        )
        X = self._features(texts, embeddings)
        est = MultiLabelLogit(C=self.C, class_weight=self.class_weight).fit(X, Y, sample_weight)
        # Keep the weights at the precision they are saved in, so a loaded model scores exactly
        # like the one that was trained.
        state, arrays = est.to_state()
        self.estimator_ = MultiLabelLogit.from_state(
            state, {k: v.astype(np.float32) for k, v in arrays.items()}
        )
        self.thresholds_ = self.estimator_.thresholds_
        self.metadata_: dict[str, Any] = {}
        return self

    def predict_scores(self, texts: Sequence[str], *, embeddings: np.ndarray) -> np.ndarray:
        """Probability of every label, shape ``(len(texts), n_labels)``."""
        check_is_fitted(self, "estimator_")
        if len(texts) == 0:
            return np.zeros((0, len(self.labels_)))
        return self.estimator_.predict_proba(self._features(texts, embeddings))

    def decide(self, scores: np.ndarray) -> np.ndarray:
        """0/1 label matrix from scores: thresholds, then the ``min_labels`` fallback."""
        check_is_fitted(self, "estimator_")
        pred = scores >= self.thresholds_
        if self.min_labels > 0 and len(scores):
            empty = ~pred.any(axis=1)
            best = np.argmax(scores / self.thresholds_, axis=1)
            pred[empty, best[empty]] = True
        return pred.astype(np.int64)

    def predict(self, texts: Sequence[str], *, embeddings: np.ndarray) -> list[tuple[str, ...]]:
        """Label names of every text, in the scheme's canonical order."""
        pred = self.decide(self.predict_scores(texts, embeddings=embeddings))
        return [tuple(self.labels_[j] for j in np.flatnonzero(row)) for row in pred]

    def predictions(self, clauses: Sequence[Clause], embeddings: np.ndarray) -> list[Prediction]:
        """One :class:`~nlp.types.Prediction` per clause (labels and all label scores).

        ``embeddings`` are those of each clause's :meth:`~nlp.types.Clause.contextual_text`, the
        text it is classified by (and the one the search index embeds).
        """
        texts = [c.contextual_text() for c in clauses]
        scores = self.predict_scores(texts, embeddings=embeddings)
        pred = self.decide(scores)
        return [
            Prediction(
                clause_id=c.id,
                labels=tuple(self.labels_[j] for j in np.flatnonzero(row)),
                scores={
                    name: round(float(s), 4) for name, s in zip(self.labels_, srow, strict=True)
                },
            )
            for c, row, srow in zip(clauses, pred, scores, strict=True)
        ]

    def label_clauses(self, clauses: Sequence[Clause], encoder: TextEncoder) -> list[Clause]:
        """Encode ``clauses`` with ``encoder`` and return them with ``labels`` set.

        For callers that hold no embeddings yet; with embeddings at hand use the module-level
        :func:`label_clauses`.
        """
        if not clauses:
            return []
        return label_clauses(
            clauses, self, encoder.encode([c.contextual_text() for c in clauses])
        )

    def set_thresholds(self, thresholds: Sequence[float] | np.ndarray) -> ClauseClassifier:
        """Replace the per-label thresholds (e.g. tuned on validation); returns ``self``."""
        check_is_fitted(self, "estimator_")
        t = np.asarray(thresholds, dtype=np.float64)
        if t.shape != (len(self.labels_),) or not ((t > 0) & (t < 1)).all():
            raise InputError(f"need {len(self.labels_)} thresholds strictly between 0 and 1")
        self.thresholds_ = self.estimator_.set_thresholds(t).thresholds_
        return self

    # -- persistence --------------------------------------------------------------------------

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The fitted classifier as ``(state, arrays)``: the content of ``model.json`` and
        ``weights.npz`` (see the module docstring), built from its parts' ``to_state``."""
        check_is_fitted(self, "estimator_")
        est_state, est_arrays = self.estimator_.to_state()
        thresholds = est_state.pop("thresholds")  # kept once, at the top: the classifier's
        arrays = {
            # fit rounded the weights to float32, so storing them so loses nothing
            "coef": est_arrays["coef"].astype(np.float32),
            "intercept": est_arrays["intercept"].astype(np.float32),
        }
        tfidf: dict[str, Any] | None = None
        if self.vectorizer_ is not None:
            tfidf, tfidf_arrays = self.vectorizer_.to_state()
            arrays["idf"] = tfidf_arrays["idf"]
        state = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "scheme": self.scheme,
            "labels": list(self.labels_),
            "params": self.get_params(),
            "thresholds": thresholds,
            "embedding": {"model": self.embedding_model_, "dim": self.embedding_dim_},
            "tfidf": tfidf,
            "estimator": est_state,
            **self.metadata_,
        }
        return state, arrays

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
    ) -> ClauseClassifier:
        """The fitted classifier that :meth:`to_state` described; fits nothing.

        Keys of ``state`` other than the documented ones are its metadata (``metadata_``).
        """
        if state.get("format") != FORMAT or state.get("format_version") != FORMAT_VERSION:
            raise ModelError(
                f"not a policylens classifier of format version {FORMAT_VERSION} (got "
                f"{state.get('format')!r} version {state.get('format_version')!r}); retrain it "
                "with `policylens train`"
            )
        try:
            clf = cls(**state["params"])
            labels = tuple(state["labels"])
            dim = int(state["embedding"]["dim"])
            model = str(state["embedding"]["model"])
            tfidf_state = state["tfidf"]
            est_state = {**state["estimator"], "thresholds": state["thresholds"]}
        except (KeyError, TypeError, ValueError) as exc:
            raise _state_error("classifier", exc) from exc
        if labels != scheme_labels(clf.scheme):
            raise ModelError(f"the saved labels do not match the {clf.scheme} scheme")
        clf.labels_ = labels
        clf.embedding_dim_ = dim
        clf.embedding_model_ = model
        clf.vectorizer_ = (
            None if tfidf_state is None else TfidfFeatures.from_state(tfidf_state, arrays)
        )
        clf.estimator_ = MultiLabelLogit.from_state(est_state, arrays)
        clf.thresholds_ = clf.estimator_.thresholds_
        clf.metadata_ = {k: v for k, v in state.items() if k not in _STATE_KEYS}
        return clf

    def save(self, directory: str | Path, *, metadata: dict[str, Any] | None = None) -> Path:
        """Write :meth:`to_state` to ``directory`` as ``model.json`` and ``weights.npz``, with
        ``metadata`` added to the classifier's; returns the folder."""
        check_is_fitted(self, "estimator_")
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        self.metadata_ = {**self.metadata_, **(metadata or {})}
        state, arrays = self.to_state()
        np.savez_compressed(out / WEIGHTS_NPZ, **arrays)  # type: ignore[arg-type]
        (out / MODEL_JSON).write_text(
            json.dumps(state, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return out

    @classmethod
    def load(cls, directory: str | Path) -> ClauseClassifier:
        """Load a classifier saved by :meth:`save`. Reads JSON and a pickle-free ``.npz`` only."""
        path = Path(directory)
        model_json = path / MODEL_JSON
        if not model_json.is_file():
            raise ModelError(
                f"no classifier in {path} ({MODEL_JSON} missing); train one with "
                "`policylens train` or point POLICYLENS_CLASSIFY__MODEL_DIR at a model folder"
            )
        try:
            state = json.loads(model_json.read_text(encoding="utf-8"))
            with np.load(path / WEIGHTS_NPZ, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read the classifier in {path}: {exc}; retrain it") from exc
        try:
            return cls.from_state(state, arrays)
        except ModelError as exc:
            raise ModelError(f"{model_json}: {exc}") from exc


def label_clauses(
    clauses: Sequence[Clause], classifier: ClauseClassifier, embeddings: np.ndarray
) -> list[Clause]:
    """Return ``clauses`` with ``labels`` set by ``classifier`` (``dataclasses.replace``).

    ``embeddings`` are the clauses' sentence embeddings in the same order, of their
    :meth:`~nlp.types.Clause.contextual_text` (the vectors the index already computed), so
    labelling costs no extra encoding.

    >>> emb = encoder.encode([c.contextual_text() for c in clauses])  # doctest: +SKIP
    >>> label_clauses(clauses, clf, emb)[0].labels          # doctest: +SKIP
    ('collection',)
    """
    if len(clauses) != len(embeddings):
        raise InputError(f"got {len(clauses)} clauses but {len(embeddings)} embeddings")
    if not clauses:
        return []
    labels = classifier.predict([c.contextual_text() for c in clauses], embeddings=embeddings)
    return [dataclasses.replace(c, labels=lab) for c, lab in zip(clauses, labels, strict=True)]


def model_dir_for(settings: ClassifySettings, scheme: str | None = None) -> Path:
    """Folder of the shipped model of ``scheme`` (default ``settings.scheme``).

    ``settings.model_dir`` names the model of ``settings.scheme``; the other scheme's model sits
    beside it (``models/policylens`` and ``models/opp115``).
    """
    scheme = scheme or settings.scheme
    scheme_labels(scheme)  # validates the name
    base = Path(settings.model_dir)
    return base if scheme == settings.scheme else base.parent / scheme


def load_classifier(settings: ClassifySettings, scheme: str | None = None) -> ClauseClassifier:
    """Load the classifier of ``scheme`` from the folder the settings point at."""
    return ClauseClassifier.load(model_dir_for(settings, scheme))
