"""Compare: align the clauses of two versions or policies; report what was added, removed, changed.
"""

from nlp.compare.diff import (
    CHANGE_KINDS,
    SUBSTANTIVE,
    ClauseChange,
    Comparison,
    compare_files,
    compare_policies,
    compare_versions,
    mark_words,
    normalize_section,
    normalize_text,
    text_similarity,
    word_diff,
)

__all__ = [
    "CHANGE_KINDS",
    "SUBSTANTIVE",
    "ClauseChange",
    "Comparison",
    "compare_files",
    "compare_policies",
    "compare_versions",
    "mark_words",
    "normalize_section",
    "normalize_text",
    "text_similarity",
    "word_diff",
]
