"""Research: many policies at once, as a corpus of tables (``corpus``) or a resumable batch run.
"""

from nlp.research.corpus import (
    CLAUSE_COLUMNS,
    Corpus,
    CorpusLens,
    SkippedFile,
    coverage_matrix,
    find_mentions,
    load_corpus,
)

__all__ = [
    "CLAUSE_COLUMNS",
    "Corpus",
    "CorpusLens",
    "SkippedFile",
    "coverage_matrix",
    "find_mentions",
    "load_corpus",
]
