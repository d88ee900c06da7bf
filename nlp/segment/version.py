"""The version of what ingest and segment produce, which keys every cache of parsed policies."""

from __future__ import annotations

__all__ = ["PARSE_VERSION"]

PARSE_VERSION = 5
"""Bump when the output of ``nlp.ingest`` or ``nlp.segment`` changes for some input.

Parsed policies and their clauses are cached under this number (``nlp.pipeline``), so a cache
written by older code is never read back as current. ``tests/test_segment.py`` holds a digest of
the output on a few fixtures and fails when the output changes while this number does not; then
bump it and rewrite ``tests/data/parse_golden.json`` with ``python tests/test_segment.py
--update-golden``.
"""
