"""Route a question to the categories of clauses likely to answer it.

Two signals, combined by taking the larger per label:

* keyword cues of each label (``nlp/data/taxonomy.json``, ``keywords``): "how long" -> retention,
  "sell" -> sharing, "cookie" -> cookies... A matched cue scores
  ``RetrievalSettings.route_keyword_score``.
* the clause classifier applied to the question's embedding (optional): policy clauses and
  questions about them share vocabulary, so a question about deleting an account scores high on
  ``rights``.

Categories scoring under ``RetrievalSettings.route_min_score`` are not routed to. The
question-answering stage boosts clauses carrying the routed labels (``RetrievalSettings
.category_boost``); routing never filters, so a wrong route costs ranking, not recall.

Example
-------
>>> route_question("How long do you keep my data?")
[('retention', 0.9)]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

import numpy as np

from nlp.classify.model import ClauseClassifier
from nlp.classify.taxonomy import LABELS, keywords
from nlp.config import RetrievalSettings
from nlp.errors import InputError

__all__ = ["keyword_scores", "route_question"]


@cache
def _cue_patterns() -> dict[str, tuple[re.Pattern[str], ...]]:
    # Cues match at word starts, so "age" does not fire inside "page" nor "track" inside "stack".
    return {
        label: tuple(re.compile(r"\b" + re.escape(k), re.IGNORECASE) for k in keywords(label))
        for label in LABELS
    }


def keyword_scores(question: str, settings: RetrievalSettings | None = None) -> dict[str, float]:
    """``settings.route_keyword_score`` for every label one of whose cues occurs in ``question``.

    >>> keyword_scores("Do you use cookies?")
    {'cookies': 0.9}
    """
    score = (settings or RetrievalSettings()).route_keyword_score
    return {
        label: score
        for label, pats in _cue_patterns().items()
        if any(p.search(question) for p in pats)
    }


def route_question(
    question: str,
    *,
    classifier: ClauseClassifier | None = None,
    embedding: np.ndarray | Sequence[float] | None = None,
    top_n: int = 3,
    min_score: float | None = None,
    settings: RetrievalSettings | None = None,
) -> list[tuple[str, float]]:
    """Likely categories of ``question``, best first, as ``(label, score)`` pairs.

    Parameters
    ----------
    question
        The user's question.
    classifier, embedding
        A policylens-scheme classifier and the question's sentence embedding (both or neither).
        Without them only keyword cues are used.
    top_n
        At most this many categories.
    min_score
        Categories scoring below this are dropped (default ``settings.route_min_score``);
        ``other`` is never routed to.
    settings
        Keyword score and minimum score (default ``RetrievalSettings()``).

    >>> route_question("Do you sell my information to advertisers?")
    [('sharing', 0.9)]
    """
    if not question or not question.strip():
        raise InputError("the question is empty; ask something about the policy")
    settings = settings or RetrievalSettings()
    floor = settings.route_min_score if min_score is None else min_score
    scores: dict[str, float] = dict(keyword_scores(question, settings))
    if classifier is not None and embedding is not None:
        if classifier.scheme != "policylens":
            raise InputError("routing needs a classifier of the policylens scheme")
        emb = np.asarray(embedding, dtype=np.float32).reshape(1, -1)
        probs = classifier.predict_scores([question], embeddings=emb)[0]
        for label, p in zip(classifier.labels_, probs, strict=True):
            scores[label] = max(scores.get(label, 0.0), float(p))
    ranked = sorted(
        (
            (label, round(s, 4))
            for label, s in scores.items()
            if s >= floor and label != "other"
        ),
        key=lambda kv: (-kv[1], LABELS.index(kv[0])),
    )
    return ranked[:top_n]
