"""The scikit-learn estimators the clause classifier is trained with.

* :class:`MultiLabelLogit`: one logistic regression per label, with per-label decision thresholds
  and unknown targets (``-1``), so that a corpus that does not annotate a label neither teaches
  it nor counts against it. It passes scikit-learn's ``parametrize_with_checks``.
* :class:`TfidfFeatures`: texts -> word uni/bigram TF-IDF vectors.

Both follow scikit-learn's conventions (``__init__`` only stores parameters, fitted attributes end
in ``_``, ``fit`` returns ``self``) and save through ``to_state()`` / ``from_state()``: a JSON-able
dict and numpy arrays, nothing pickled. Only training imports this module (and scikit-learn);
scoring a saved classifier runs on numpy alone (``nlp.classify.features``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from nlp.classify.features import sigmoid, state_error

__all__ = ["MultiLabelLogit", "TfidfFeatures"]


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
            return sigmoid(z)
        if z.ndim == 1:
            p = sigmoid(z)
            return np.stack([1.0 - p, p], axis=1)
        p = sigmoid(z)
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
            raise state_error("MultiLabelLogit", exc) from exc
        n_out = coef.shape[0] if coef.ndim == 2 else -1
        if intercept.shape != (n_out,) or thresholds.shape != (n_out,):
            raise state_error("MultiLabelLogit", ValueError(f"coef of shape {coef.shape}"))
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
            raise state_error("TF-IDF vocabulary", exc) from exc
        if idf.shape != (len(terms),) or len(set(terms)) != len(terms):
            shape = ValueError(f"{len(terms)} terms but idf of shape {idf.shape}")
            raise state_error("TF-IDF vocabulary", shape)
        tf.vocabulary_ = {t: j for j, t in enumerate(terms)}
        tf.idf_ = idf
        return tf
