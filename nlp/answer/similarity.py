"""Closeness in meaning of a question's slot phrase and a statement's free-text slot phrase.

The ontology decides first: a phrase it maps to a node is matched by identity or subsumption
only, so two things it tells apart ("Brazil" and "Argentina", "voice" and "video recordings")
never match by similarity, however close their vectors are (they are: both pairs score above 0.7
with the shipped encoder, above "calendar" and "events and reminders you create"). Similarity
speaks only for a statement's phrase the ontology does not know ("governmental requests"), and
only above ``AnswerSettings.slot_similarity``, a threshold measured on the lay-question train split
(``bench/tune_answer.py --similarity``).

The encoder is the one retrieval uses; phrases are embedded in one batch per question and their
vectors remembered per text, so a policy asked about again costs no encode.

>>> import numpy as np
>>> sims = PhraseSimilarity(lambda texts: np.array([[1.0, 0.0] if "gov" in t else [0.0, 1.0]
...                                                  for t in texts]))
>>> sims.prime(["government", "governmental requests", "cookies"])
>>> sims.score("government", "governmental requests"), sims.score("government", "cookies")
(1.0, 0.0)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

__all__ = ["PhraseSimilarity", "phrase_key"]

# Words that say nothing of what a phrase names; dropped before embedding so "my data" and
# "your information" are compared by their nouns.
_EMPTY = frozenset(
    {"my", "your", "our", "the", "a", "an", "their", "his", "her", "its", "of", "any", "all",
     "some", "me", "this", "that", "these", "those", "such"}
)
_LIMIT = 50_000


def phrase_key(text: str) -> str:
    """The text a phrase is embedded and remembered by: lower-cased, determiners dropped."""
    words = [w.strip(".,;:()“”\"'’") for w in text.lower().split()]
    kept = [w for w in words if w and w not in _EMPTY]
    return " ".join(kept or [w for w in words if w])


class PhraseSimilarity:
    """Cosine similarity of short phrases, vectors remembered per phrase.

    ``encode(texts)`` returns one vector per text (any scale: rows are normalised here). Only
    :meth:`prime` encodes; :meth:`score` of a phrase never primed is ``0.0``, so the cost of a
    question is the one batch its caller chose to prime.
    """

    def __init__(self, encode: Callable[[Sequence[str]], Any], limit: int = _LIMIT) -> None:
        self._encode = encode
        self._limit = limit
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def prime(self, phrases: Iterable[str]) -> None:
        """Embed, in one batch, the phrases not yet remembered."""
        keys = {phrase_key(p) for p in phrases}
        with self._lock:
            todo = sorted(k for k in keys if k and k not in self._vectors)
        if not todo:
            return
        vecs = np.asarray(self._encode(todo), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs = (vecs / np.where(norms == 0, 1.0, norms)).astype(np.float32)
        with self._lock:
            if len(self._vectors) + len(todo) > self._limit:
                self._vectors.clear()
            self._vectors.update(zip(todo, vecs, strict=True))

    def score(self, a: str, b: str) -> float:
        """Cosine of two primed phrases (``0.0`` when either was not primed)."""
        va = self._vectors.get(phrase_key(a))
        vb = self._vectors.get(phrase_key(b))
        if va is None or vb is None:
            return 0.0
        return round(float(va @ vb), 6)

    def best(self, phrases: Sequence[str], other: str) -> float:
        """The highest :meth:`score` of ``other`` against any of ``phrases``."""
        return max((self.score(p, other) for p in phrases), default=0.0)
