"""policylens: privacy policies as people find them, cut into cited clauses and answered."""

from nlp.answer import answer_question, parse_question
from nlp.compare import ClauseChange, Comparison, compare_files, compare_policies, compare_versions
from nlp.config import Settings
from nlp.corpus import (
    CLAUSE_COLUMNS,
    Corpus,
    SkippedFile,
    coverage_matrix,
    find_mentions,
    load_corpus,
)
from nlp.errors import InputError, ModelError, NotFoundError, PolicylensError
from nlp.pipeline import PolicyLens
from nlp.types import Answer, Citation, Clause, Hit, Policy, PolicyVersion, Prediction

__all__ = [
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
    "Hit",
    "InputError",
    "ModelError",
    "NotFoundError",
    "Policy",
    "PolicyLens",
    "PolicylensError",
    "PolicyVersion",
    "Prediction",
    "Settings",
    "answer_question",
    "parse_question",
]
