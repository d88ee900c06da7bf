"""The block: one heading, paragraph, list item or table row, as every reader produces it.

The text, HTML and PDF readers turn a document into a list of ``Block`` objects; the later steps
(debris, joins, headings, versions) edit that list, and :mod:`nlp.ingest.layout` renders it as
clean text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = ["Block"]


@dataclass
class Block:
    """One structural unit before rendering: a heading, paragraph, list item or table row."""

    kind: str  # "heading" | "para" | "item" | "row"
    text: str = ""
    level: int = 0  # heading level (1 = outermost)
    indent: int = 0  # columns of indentation of a list item in the source
    style: str = ""  # marker style of a list item ("-", "o", "1.", "(a)"); "" = depth preset
    marker: str = ""  # ordered marker kept in the text ("1.", "(a)"); "" for bullets
    depth: int = 1  # list nesting depth, 1 = top level
    cells: list[str] = field(default_factory=list)
    header: bool = False  # table header row
    emph: bool = False  # the whole block was bold: a heading candidate
    title: bool = False  # the page marks it as a title (<dt>, <summary>, accordion or tab label)
    address: bool = False  # a postal address (<address>, or shaped like one): never a heading
    explicit: bool = False  # a row from real table markup (never a page-break continuation)
    date_line: date | None = None
