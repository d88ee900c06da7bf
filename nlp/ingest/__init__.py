"""Ingest: read a policy as people find it (text, Markdown, HTML, PDF) into clean versions.

Bytes are decoded, PDF text and HTML structure are turned into blocks, web-archive and PDF debris is
dropped, and a file holding several dated versions is split into ``PolicyVersion`` objects whose
clean text carries a layout the segment stage reads.
"""

from nlp.ingest.reader import SUPPORTED_FORMATS, decode_text, load_policy, parse_policy, slugify

__all__ = ["SUPPORTED_FORMATS", "decode_text", "load_policy", "parse_policy", "slugify"]
