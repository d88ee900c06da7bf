"""Research: many policies at once, as a corpus of tables (``corpus``) or a resumable batch run
(``batch``: its inputs, ``inputs``; its outputs and manifest, ``output``; where its tasks run,
``engines`` and ``ray_engine``).
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
