"""Retrieval: a hybrid index (dense vectors + BM25, score-fused) over clauses, and question routing.

Both import scipy or scikit-learn, so their names load on first use.
"""

from importlib import import_module
from typing import Any

_LAZY = {
    "ClauseIndex": "nlp.retrieval.index",
    "clause_text_for_bm25": "nlp.retrieval.index",
    "convex_fusion": "nlp.retrieval.index",
    "reciprocal_rank_fusion": "nlp.retrieval.index",
    "tokenize": "nlp.retrieval.index",
    "route_question": "nlp.retrieval.routing",
    "keyword_scores": "nlp.retrieval.routing",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nlp.retrieval' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = list(_LAZY)
