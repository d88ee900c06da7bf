"""policylens: privacy policies as people find them, cut into cited clauses and answered."""

from nlp.answer import answer_question, parse_question
from nlp.compare import ClauseChange, Comparison, compare_files, compare_policies, compare_versions
from nlp.config import Settings
from nlp.embed import Encoder
from nlp.errors import (
    ConflictError,
    InputError,
    ModelError,
    NotFoundError,
    PayloadTooLargeError,
    PolicylensError,
    StoreError,
    UnsupportedFormatError,
)
from nlp.ingest import load_policy, parse_policy
from nlp.pipeline import PolicyLens, load_corpus
from nlp.research.corpus import (
    CLAUSE_COLUMNS,
    Corpus,
    SkippedFile,
    coverage_matrix,
    find_mentions,
)
from nlp.segment import segment_policy, segment_version
from nlp.types import (
    Answer,
    Citation,
    Clause,
    ClauseQuery,
    Hit,
    Policy,
    PolicyVersion,
    Prediction,
    Prepared,
)

# Names whose modules import scikit-learn or scipy load on first use, so `import nlp` stays cheap.
_LAZY = {
    "ClauseIndex": "nlp.retrieval.index",
    "ClauseClassifier": "nlp.classify.model",
    "label_clauses": "nlp.classify.model",
    "load_classifier": "nlp.classify.model",
    "route_question": "nlp.retrieval.routing",
    "BatchClassifier": "nlp.research.batch",
    "PolicyService": "nlp.service.service",
    "SQLiteStore": "nlp.service.store",
    # Deprecated alias of Clause.contextual_text, kept so old imports still work.
    "clause_text_for_embedding": "nlp.embed",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nlp' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "BatchClassifier",
    "ClauseClassifier",
    "ClauseIndex",
    "Encoder",
    "PolicyService",
    "SQLiteStore",
    "label_clauses",
    "load_classifier",
    "load_policy",
    "parse_policy",
    "route_question",
    "segment_policy",
    "segment_version",
    "CLAUSE_COLUMNS",
    "ClauseChange",
    "Comparison",
    "Corpus",
    "SkippedFile",
    "compare_files",
    "compare_policies",
    "compare_versions",
    "coverage_matrix",
    "find_mentions",
    "load_corpus",
    "Answer",
    "Citation",
    "Clause",
    "ClauseQuery",
    "Hit",
    "ConflictError",
    "InputError",
    "ModelError",
    "NotFoundError",
    "PayloadTooLargeError",
    "Policy",
    "PolicyLens",
    "PolicylensError",
    "PolicyVersion",
    "Prediction",
    "Prepared",
    "Settings",
    "StoreError",
    "UnsupportedFormatError",
    "answer_question",
    "parse_question",
]
