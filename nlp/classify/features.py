"""The clause classifier's inference arithmetic in numpy alone: TF-IDF rows and linear scores.

Training uses scikit-learn (``nlp.classify.estimators``); scoring a saved model needs only its
arrays, and importing scikit-learn (with SciPy) costs a CLI call seconds. :class:`TfidfRows`
reproduces what ``TfidfFeatures.transform`` computes (scikit-learn's default word analyzer, uni-
and bigrams, ``1 + log(tf)`` times idf, unit L2 norm) term by term, and :class:`LinearScorer`
applies the per-label logistic regressions to a dense block plus those sparse rows. A test checks
both against the scikit-learn path on the same model.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from nlp.errors import ModelError

__all__ = ["LinearScorer", "TfidfRows", "sigmoid", "state_error"]

# scikit-learn's default ``token_pattern`` (words of two or more word characters).
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow for large ``|z|``."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def state_error(what: str, exc: Exception) -> ModelError:
    """A ModelError for a saved state that lacks a field or holds one of the wrong shape."""
    return ModelError(f"the saved {what} is incomplete or damaged ({exc!r}); retrain it")


class TfidfRows:
    """Texts -> sparse TF-IDF rows ``(columns, values)`` over a fixed vocabulary and idf.

    >>> rows = TfidfRows({"we": 0, "sell": 1, "we sell": 2}, np.ones(3))
    >>> cols, vals = rows.row("We sell.")
    >>> cols.tolist(), [round(v, 3) for v in vals.tolist()]
    ([0, 1, 2], [0.577, 0.577, 0.577])
    """

    def __init__(
        self, vocabulary: Mapping[str, int], idf: np.ndarray, ngrams: tuple[int, int] = (1, 2)
    ) -> None:
        self.vocabulary = dict(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float64)
        self.ngrams = ngrams

    def _terms(self, text: str) -> list[str]:
        tokens = _TOKEN.findall(text.lower())
        low, high = self.ngrams
        terms = list(tokens) if low == 1 else []
        for n in range(max(low, 2), high + 1):
            terms.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return terms

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The non-zero columns of ``text``'s row (ascending) and their values."""
        vocab = self.vocabulary
        counts = Counter(vocab[t] for t in self._terms(text) if t in vocab)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        cols = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
        tf = np.fromiter((counts[c] for c in cols), dtype=np.float64, count=len(cols))
        vals = (np.log(tf) + 1.0) * self.idf[cols]
        return cols, vals / np.linalg.norm(vals)

    def dense(self, texts: Sequence[str]) -> np.ndarray:
        """The rows of ``texts`` as a dense matrix (for tests and small inputs)."""
        out = np.zeros((len(texts), len(self.idf)))
        for i, text in enumerate(texts):
            cols, vals = self.row(text)
            out[i, cols] = vals
        return out


class LinearScorer:
    """Per-label logistic regressions over ``[dense block * weight, TF-IDF rows]``.

    ``coef`` has one row per label and ``dim + n_terms`` columns (the dense block first, as the
    classifier's features are laid out); ``tfidf`` is ``None`` for an embeddings-only model.
    """

    def __init__(
        self,
        coef: np.ndarray,
        intercept: np.ndarray,
        *,
        dim: int,
        dense_weight: float = 1.0,
        tfidf: TfidfRows | None = None,
    ) -> None:
        coef = np.asarray(coef, dtype=np.float64)
        n_terms = 0 if tfidf is None else len(tfidf.idf)
        if coef.ndim != 2 or coef.shape[1] != dim + n_terms:
            raise state_error(
                "classifier weights", ValueError(f"coef of shape {coef.shape} for {dim}+{n_terms}")
            )
        self.dense_coef = np.ascontiguousarray(coef[:, :dim].T)
        # Term-major, so that a row's columns are one contiguous gather.
        self.term_coef = np.ascontiguousarray(coef[:, dim:].T)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.dense_weight = dense_weight
        self.tfidf = tfidf

    def logits(self, texts: Sequence[str], dense: np.ndarray) -> np.ndarray:
        """Logit of every label, shape ``(len(texts), n_labels)``."""
        z = (np.asarray(dense, dtype=np.float64) * self.dense_weight) @ self.dense_coef
        if self.tfidf is not None:
            for i, text in enumerate(texts):
                cols, vals = self.tfidf.row(text)
                if len(cols):
                    z[i] += vals @ self.term_coef[cols]
        return z + self.intercept

    def scores(self, texts: Sequence[str], dense: np.ndarray) -> np.ndarray:
        """Probability of every label (independent sigmoids: multi-label)."""
        return sigmoid(self.logits(texts, dense))
