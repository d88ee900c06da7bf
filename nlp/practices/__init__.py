"""Practices: who does what with which data, as statements extracted from every clause.

Each clause gives zero or more ``Statement`` objects (practice, actor, polarity and condition, and
slots: data types, recipients, purposes, places, retention, audience), each slot value a span of
the clause named by the practices ontology (``nlp/data/ontology.json``). The data-type tagger is
learned from PI-Extract; the rest are exact rules over the cue tables in
``nlp/data/practice_patterns.json``. The stage reads clauses (after segment) and, for the
nearest-node fallback, the sentence encoder of the embed stage.
"""

from nlp.practices.api import (
    PracticeExtractor,
    extractor_id,
    format_statement,
    load_extractor,
    statement_row,
)
from nlp.practices.extract import EXTRACT_VERSION, HANDING_OVER, StatementExtractor
from nlp.practices.ontology import Node, Ontology, load_ontology
from nlp.practices.rules import Patterns, find_retention, load_patterns
from nlp.practices.tagger import PracticeTagger

__all__ = [
    "EXTRACT_VERSION",
    "HANDING_OVER",
    "Node",
    "Ontology",
    "Patterns",
    "PracticeExtractor",
    "PracticeTagger",
    "StatementExtractor",
    "extractor_id",
    "find_retention",
    "format_statement",
    "load_extractor",
    "load_ontology",
    "load_patterns",
    "statement_row",
]
