"""Route a question to the categories of clauses likely to answer it.

Two signals, combined by taking the larger per label:

* keyword cues of each label (``nlp/data/taxonomy.json``, ``keywords``): "how long" -> retention,
  "sell" -> sharing, "cookie" -> cookies... A matched cue scores ``keyword_score``.
* the clause classifier applied to the question's embedding (optional): policy clauses and
  questions about them share vocabulary, so a question about deleting an account scores high on
  ``rights``.

The question-answering stage boosts clauses carrying the routed labels (``RetrievalSettings
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
from nlp.errors import InputError

__all__ = ["DEFAULT_MIN_SCORE", "keyword_scores", "route_question"]

KEYWORD_SCORE = 0.9
# Chosen on PrivacyQA *train* questions (bench/bench_routing.py): 0.35 routed the right category
# for 75% of questions with 1.2 categories each, 0.2 for 82% with 1.5, 0.15 for 84% with 1.7.
# A wrongly routed category only costs a small ranking boost, so recall wins, within reason.
DEFAULT_MIN_SCORE = 0.2


@cache
def _cue_patterns() -> dict[str, tuple[re.Pattern[str], ...]]:
    # Cues match at word starts, so "age" does not fire inside "page" nor "track" inside "stack".
    return {
        label: tuple(re.compile(r"\b" + re.escape(k), re.IGNORECASE) for k in keywords(label))
        for label in LABELS
    }


def keyword_scores(question: str) -> dict[str, float]:
    """``KEYWORD_SCORE`` for every label one of whose cues occurs in ``question``."""
    return {
        label: KEYWORD_SCORE
        for label, pats in _cue_patterns().items()
        if any(p.search(question) for p in pats)
    }


def route_question(
    question: str,
    *,
    classifier: ClauseClassifier | None = None,
    embedding: np.ndarray | Sequence[float] | None = None,
    top_n: int = 3,
    min_score: float = DEFAULT_MIN_SCORE,
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
        Categories scoring below this are dropped; ``other`` is never routed to.

    >>> route_question("Do you sell my information to advertisers?")
    [('sharing', 0.9)]
    """
    if not question or not question.strip():
        raise InputError("the question is empty; ask something about the policy")
    scores: dict[str, float] = dict(keyword_scores(question))
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
            if s >= min_score and label != "other"
        ),
        key=lambda kv: (-kv[1], LABELS.index(kv[0])),
    )
    return ranked[:top_n]
