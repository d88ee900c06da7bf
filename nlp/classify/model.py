"""Clause classification: per-label logistic regressions over sentence embeddings + TF-IDF.

:class:`ClauseClassifier` joins the texts' sentence embeddings and their TF-IDF vectors, names
its labels, tunes thresholds and saves/loads itself as JSON + ``.npz`` (never pickle; loading
executes no code). ``fit`` trains with the scikit-learn estimators of
``nlp.classify.estimators`` (:class:`~nlp.classify.estimators.MultiLabelLogit`,
:class:`~nlp.classify.estimators.TfidfFeatures`); scoring, fitted or loaded, runs on numpy alone
(``nlp.classify.features``), so answering a question never imports scikit-learn or SciPy.

Persistence goes through documented state: ``to_state()`` returns a JSON-able dict and a dict of
numpy arrays, and ``from_state(state, arrays)`` rebuilds the fitted classifier from exactly those,
without fitting anything. A saved classifier (format version 2) is ``model.json``::

    {"format": "policylens-clause-classifier", "format_version": 2,
     "scheme": ..., "labels": [...], "params": {ClauseClassifier params},
     "thresholds": [per label],
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
import inspect
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlp.classify.features import LinearScorer, TfidfRows, state_error
from nlp.classify.taxonomy import scheme_labels
from nlp.config import ClassifySettings
from nlp.embed.protocol import TextEncoder
from nlp.errors import InputError, ModelError
from nlp.extras import require
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
    "label_clauses",
    "load_classifier",
    "model_dir_for",
    "tune_thresholds",
]


_PARAMS = (
    "scheme", "C", "use_tfidf", "max_features", "embedding_weight", "class_weight", "min_labels"
)


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


class ClauseClassifier:
    """Multi-label clause classifier over sentence embeddings and (optionally) TF-IDF.

    ``fit``/``predict`` take the texts *and* their sentence embeddings (from
    ``nlp.embed.Encoder``; keyword ``embeddings``), so that embeddings computed once for search are
    reused here and the classifier itself never loads a neural model. Parameters follow
    scikit-learn's conventions (``get_params``; fitted attributes end in ``_``) without importing
    it until ``fit``.

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

    def get_params(self, deep: bool = True) -> dict[str, Any]:  # noqa: ARG002 - sklearn's signature
        """The constructor parameters, as scikit-learn's ``get_params`` gives them."""
        return {name: getattr(self, name) for name in _PARAMS}

    def __repr__(self) -> str:
        defaults = inspect.signature(type(self).__init__).parameters
        changed = {k: v for k, v in self.get_params().items() if v != defaults[k].default}
        return f"ClauseClassifier({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def _check_fitted(self) -> None:
        if not hasattr(self, "scorer_"):
            raise ModelError("this ClauseClassifier is not fitted yet: call fit() or load() first")

    # -- features ------------------------------------------------------------------------------

    def _embeddings(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
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
        return emb

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
        require("train", "sklearn", purpose="training a classifier")
        import scipy.sparse as sp

        from nlp.classify.estimators import MultiLabelLogit, TfidfFeatures

        labels = scheme_labels(self.scheme)
        Y = np.asarray(Y)
        if Y.shape != (len(texts), len(labels)):
            raise InputError(
                f"Y has shape {Y.shape}; expected ({len(texts)}, {len(labels)}) for the "
                f"{self.scheme} scheme"
            )
        emb = self._embeddings(texts, embeddings)
        tfidf = TfidfFeatures(max_features=self.max_features).fit(texts) if self.use_tfidf else None
        X = sp.csr_matrix(emb * self.embedding_weight)
        if tfidf is not None:
            X = sp.hstack([X, tfidf.transform(list(texts))], format="csr")
        est = MultiLabelLogit(C=self.C, class_weight=self.class_weight).fit(X, Y, sample_weight)
        est_state, est_arrays = est.to_state()
        tfidf_state, arrays = (None, {}) if tfidf is None else tfidf.to_state()
        # Keep the weights at the precision they are saved in, so a loaded model scores exactly
        # like the one that was trained.
        arrays = {
            **arrays,
            "coef": est_arrays["coef"].astype(np.float32),
            "intercept": est_arrays["intercept"].astype(np.float32),
        }
        thresholds = est_state.pop("thresholds")
        self._restore(
            labels=labels,
            dim=int(emb.shape[1]),
            model=embedding_model,
            tfidf_state=tfidf_state,
            est_state=est_state,
            thresholds=thresholds,
            arrays=arrays,
        )
        self.metadata_: dict[str, Any] = {}
        return self

    def predict_scores(self, texts: Sequence[str], *, embeddings: np.ndarray) -> np.ndarray:
        """Probability of every label, shape ``(len(texts), n_labels)``."""
        self._check_fitted()
        if len(texts) == 0:
            return np.zeros((0, len(self.labels_)))
        return self.scorer_.scores(list(texts), self._embeddings(texts, embeddings))

    def decide(self, scores: np.ndarray) -> np.ndarray:
        """0/1 label matrix from scores: thresholds, then the ``min_labels`` fallback."""
        self._check_fitted()
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
        self._check_fitted()
        t = np.asarray(thresholds, dtype=np.float64)
        if t.shape != (len(self.labels_),) or not ((t > 0) & (t < 1)).all():
            raise InputError(f"need {len(self.labels_)} thresholds strictly between 0 and 1")
        self.thresholds_ = t
        return self

    # -- persistence --------------------------------------------------------------------------

    def _restore(
        self,
        *,
        labels: tuple[str, ...],
        dim: int,
        model: str,
        tfidf_state: Mapping[str, Any] | None,
        est_state: Mapping[str, Any],
        thresholds: Sequence[float],
        arrays: Mapping[str, np.ndarray],
    ) -> None:
        """Set every fitted attribute from saved state (shared by ``fit`` and ``from_state``)."""
        try:
            coef = np.asarray(arrays["coef"])
            intercept = np.asarray(arrays["intercept"])
            thresh = np.asarray(thresholds, dtype=np.float64)
            rows = None
            if tfidf_state is not None:
                terms = [str(t) for t in tfidf_state["vocabulary"]]
                idf = np.asarray(arrays["idf"], dtype=np.float64)
                if idf.shape != (len(terms),) or len(set(terms)) != len(terms):
                    raise ValueError(f"{len(terms)} terms but idf of shape {idf.shape}")
                rows = TfidfRows({t: j for j, t in enumerate(terms)}, idf)
            if intercept.shape != (len(labels),) or thresh.shape != (len(labels),):
                raise ValueError(f"{len(labels)} labels but intercept of shape {intercept.shape}")
        except (KeyError, TypeError, ValueError) as exc:
            raise state_error("classifier", exc) from exc
        self.labels_ = labels
        self.embedding_dim_ = dim
        self.embedding_model_ = model
        self.scorer_ = LinearScorer(
            coef, intercept, dim=dim, dense_weight=self.embedding_weight, tfidf=rows
        )
        self.thresholds_ = thresh
        # The estimators' saved parameters, kept for the record; the arrays are the scorer's.
        self._saved: dict[str, Any] = {
            "tfidf": None if tfidf_state is None else dict(tfidf_state),
            "estimator": dict(est_state),
        }

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The fitted classifier as ``(state, arrays)``: the content of ``model.json`` and
        ``weights.npz`` (see the module docstring)."""
        self._check_fitted()
        state = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "scheme": self.scheme,
            "labels": list(self.labels_),
            "params": self.get_params(),
            "thresholds": [float(t) for t in self.thresholds_],
            "embedding": {"model": self.embedding_model_, "dim": self.embedding_dim_},
            "tfidf": self._saved["tfidf"],
            "estimator": self._saved["estimator"],
            **self.metadata_,
        }
        scorer = self.scorer_
        arrays: dict[str, np.ndarray] = {
            # float32 weights widened to float64 for scoring narrow back exactly
            "coef": np.hstack([scorer.dense_coef.T, scorer.term_coef.T]).astype(np.float32),
            "intercept": scorer.intercept.astype(np.float32),
        }
        if scorer.tfidf is not None:
            arrays["idf"] = scorer.tfidf.idf.copy()
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
            est_state = dict(state["estimator"])
            thresholds = list(state["thresholds"])
        except (KeyError, TypeError, ValueError) as exc:
            raise state_error("classifier", exc) from exc
        if labels != scheme_labels(clf.scheme):
            raise ModelError(f"the saved labels do not match the {clf.scheme} scheme")
        clf._restore(
            labels=labels,
            dim=dim,
            model=model,
            tfidf_state=tfidf_state,
            est_state=est_state,
            thresholds=thresholds,
            arrays=arrays,
        )
        clf.metadata_ = {k: v for k, v in state.items() if k not in _STATE_KEYS}
        return clf

    def save(self, directory: str | Path, *, metadata: dict[str, Any] | None = None) -> Path:
        """Write :meth:`to_state` to ``directory`` as ``model.json`` and ``weights.npz``, with
        ``metadata`` added to the classifier's; returns the folder."""
        self._check_fitted()
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
