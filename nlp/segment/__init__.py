"""Segment: cut each clean version into clauses with their section path and character offsets.

The clean text is read back by :func:`nlp.ingest.read_layout` (headings, paragraphs, list items,
table rows); paragraphs and long items are split into sentences (:func:`split_sentences`).
``PARSE_VERSION`` is the version of what ingest and segment produce together.
"""

from nlp.segment.clauses import segment_policy, segment_version, split_sentences
from nlp.segment.version import PARSE_VERSION

__all__ = ["PARSE_VERSION", "segment_policy", "segment_version", "split_sentences"]
