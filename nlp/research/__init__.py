"""Research: many policies at once, as a corpus of tables (``corpus``, its statements in
``practices``) or a resumable batch run (``batch``: its inputs, ``inputs``; its outputs and
manifest, ``output``; where its tasks run, ``engines`` and ``ray_engine``).
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
from nlp.research.practices import FLOW_PRACTICES, PRACTICE_COLUMNS, flow_summary

__all__ = [
    "CLAUSE_COLUMNS",
    "Corpus",
    "CorpusLens",
    "FLOW_PRACTICES",
    "PRACTICE_COLUMNS",
    "SkippedFile",
    "coverage_matrix",
    "find_mentions",
    "flow_summary",
    "load_corpus",
]
