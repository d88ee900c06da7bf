"""Compare: align the clauses of two versions or policies; report what was added, removed, changed.

Modules, in the order a comparison runs through them:

* ``normalize``: the differences of form (case, punctuation, Markdown links, web-archive prefixes,
  enumerators, cross-reference letters, date stamps) removed from a wording;
* ``align``: clauses paired by equal normalised wording, then by an optimal assignment on
  embedding and word similarity (``compare_versions``);
* ``report``: what happened to each clause (``ClauseChange``), all of them in the order of the
  new text (``Comparison``: counts, frames, JSON, a text report), word-level diffs;
* ``policies``: whole policies loaded in a lens (``compare_policies``) or read from files
  (``compare_files``), reading, encoding and labelling through the functions the caller passes.
"""

from nlp.compare.align import compare_versions
from nlp.compare.normalize import normalize_section, normalize_text, text_similarity
from nlp.compare.policies import LabelFn, ParseFn, compare_files, compare_policies
from nlp.compare.report import (
    CHANGE_KINDS,
    SUBSTANTIVE,
    ChangeKind,
    ClauseChange,
    Comparison,
    mark_words,
    word_diff,
)

__all__ = [
    "CHANGE_KINDS",
    "SUBSTANTIVE",
    "ChangeKind",
    "ClauseChange",
    "Comparison",
    "LabelFn",
    "ParseFn",
    "compare_files",
    "compare_policies",
    "compare_versions",
    "mark_words",
    "normalize_section",
    "normalize_text",
    "text_similarity",
    "word_diff",
]
