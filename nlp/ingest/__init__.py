"""Ingest: read a policy as people find it (text, Markdown, HTML, PDF) into clean versions.

Bytes are decoded (:mod:`~nlp.ingest.decode`), PDF text (:mod:`~nlp.ingest.pdf`), plain text and
Markdown (:mod:`~nlp.ingest.text`) and HTML structure (:mod:`~nlp.ingest.html`) are turned into
blocks, web-archive and PDF debris is dropped (:mod:`~nlp.ingest.clean`,
:mod:`~nlp.ingest.repair`), and a file holding several dated versions is split into
``PolicyVersion`` objects (:mod:`~nlp.ingest.versions`, :mod:`~nlp.ingest.dates`) whose clean
text follows the layout of :mod:`~nlp.ingest.layout`, which the segment stage reads back.
:mod:`~nlp.ingest.formats` is the one table of file suffixes and media types, and the one rule
that names a policy after its file; :func:`~nlp.ingest.files.read_policy_file` the one way a
policy file is read (regular files only, size checked before reading).

When the output of this stage changes, bump ``nlp.segment.PARSE_VERSION``: it keys the parse cache.
"""

from nlp.ingest.decode import decode_text
from nlp.ingest.files import read_policy_file
from nlp.ingest.formats import (
    FORMATS,
    MEDIA_TYPES,
    SUPPORTED_FORMATS,
    format_of,
    normalise_format,
    policy_ids,
    policy_name,
    policy_names,
    slugify,
)
from nlp.ingest.layout import LayoutLine, heading_spans, read_layout
from nlp.ingest.profile import language_warning
from nlp.ingest.reader import load_policy, parse_policy

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "SUPPORTED_FORMATS",
    "LayoutLine",
    "decode_text",
    "format_of",
    "heading_spans",
    "language_warning",
    "load_policy",
    "normalise_format",
    "parse_policy",
    "policy_ids",
    "policy_name",
    "policy_names",
    "read_layout",
    "read_policy_file",
    "slugify",
]
