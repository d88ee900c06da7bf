"""Segment: cut each clean version into clauses with their section path and character offsets."""

from nlp.segment.clauses import segment_policy, segment_version, split_sentences

__all__ = ["segment_policy", "segment_version", "split_sentences"]
