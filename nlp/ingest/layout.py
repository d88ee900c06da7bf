"""The clean-text layout: ingest writes it (:func:`render`), segment reads it (:func:`read_layout`).

Every ``PolicyVersion.text`` follows one plain-text layout, so later stages (and people) can read
structure without re-guessing it:

* blocks are separated by one blank line; a block never contains a newline, except that the items
  of one list and the rows of one table are consecutive lines;
* a heading is a line of its own; its span and level are recorded in ``PolicyVersion.headings``
  as ``(start, end, level)``, level 1 the outermost. The document title is not in the text but in
  ``PolicyVersion.title``;
* a paragraph is one line (hard wraps and page breaks are re-joined);
* a list item is one line: two spaces of indentation per nesting level beyond the first, then its
  marker, a space and the text (:data:`ITEM_LINE`). Bullets of any glyph become ``-``; ordered
  markers are kept as written (``1.``, ``(a)``, ``b)``);
* a table row is one line whose cells are separated by a tab (tabs appear nowhere else);
* no markup: no Markdown, no HTML, no entities; whitespace collapsed to single spaces.

Example
-------
>>> text = "Sharing\\n\\nWe share data with these partners:\\n\\n- banks;\\n  - in the EU."
>>> [(ln.kind, ln.depth) for ln in read_layout(text)]
[('heading', 0), ('blank', 0), ('para', 0), ('blank', 0), ('item', 1), ('item', 2)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.ingest.blocks import Block
from nlp.ingest.headings import detect_headings, is_numbered_title

__all__ = ["ITEM_LINE", "LayoutLine", "heading_spans", "read_layout", "render"]

ITEM_LINE = re.compile(
    r"^(?P<indent> *)(?P<marker>-|\d{1,3}[.)]|\((?:[a-z]|[ivx]{1,4}|\d{1,3})\)|[a-z][.)]) (?=\S)"
)
"""A list-item line of the layout: ``indent`` (two spaces a level), ``marker``, one space."""


def render(blocks: list[Block]) -> tuple[str, tuple[tuple[int, int, int], ...]]:
    """Lay blocks out as clean text (see the module docstring) and record heading spans."""
    parts: list[str] = []
    headings: list[tuple[int, int, int]] = []
    pos = 0
    prev_kind = ""
    for b in blocks:
        if b.kind == "item":
            marker = b.marker or "-"
            line = "  " * (b.depth - 1) + f"{marker} {b.text}"
        elif b.kind == "row":
            cells = list(b.cells)
            while cells and not cells[-1]:
                cells.pop()
            line = "\t".join(cells)
        else:
            line = b.text
        line = line.replace("\n", " ").rstrip()
        if not line.strip():
            continue
        if parts:
            sep = "\n" if b.kind == prev_kind and b.kind in ("item", "row") else "\n\n"
            parts.append(sep)
            pos += len(sep)
        if b.kind == "heading":
            headings.append((pos, pos + len(line), max(1, b.level)))
        parts.append(line)
        pos += len(line)
        prev_kind = b.kind
    return "".join(parts), tuple(headings)


def heading_spans(text: str) -> tuple[tuple[int, int, int], ...]:
    """Detect the headings of a clean text laid out as in the module docstring (no spans kept).

    Used when a ``PolicyVersion`` was built without recorded ``headings`` (by hand, or by an older
    release). Returns ``(start, end, level)`` spans, like ``PolicyVersion.headings``.
    """
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    blocks: list[Block] = []
    starts: list[int] = []
    for k, (start, line) in enumerate(lines):
        if not line.strip():
            continue
        alone = (k == 0 or not lines[k - 1][1].strip()) and (
            k + 1 == len(lines) or not lines[k + 1][1].strip()
        )
        m = ITEM_LINE.match(line)
        if "\t" in line:
            kind = "row"
        elif m and not (
            alone and m.group("marker")[0].isdigit() and is_numbered_title(line[m.end() :])
        ):
            kind = "item"
        else:
            kind = "para" if alone else "item"
        blocks.append(Block(kind, line.strip()))
        starts.append(start)
    detect_headings(blocks)
    return tuple(
        (s, s + len(text[s:].split("\n", 1)[0].rstrip()), b.level)
        for s, b in zip(starts, blocks, strict=True)
        if b.kind == "heading"
    )


@dataclass(frozen=True, slots=True)
class LayoutLine:
    """One line of a clean text: where it is, what it is, and for a list item its depth."""

    start: int
    end: int
    kind: str  # "heading" | "para" | "item" | "row" | "blank"
    level: int = 0  # heading level
    depth: int = 0  # list depth (1 = top level)
    body_start: int = 0  # start of the item text after its marker


def read_layout(text: str, headings: tuple[tuple[int, int, int], ...] = ()) -> list[LayoutLine]:
    """The lines of a clean text with their kinds; ``headings`` as recorded, else detected."""
    spans = headings or heading_spans(text)
    heading_at = {s: lvl for s, _e, lvl in spans}
    out: list[LayoutLine] = []
    pos = 0
    for raw in text.split("\n"):
        start, end = pos, pos + len(raw)
        pos = end + 1
        if not raw.strip():
            out.append(LayoutLine(start, end, "blank"))
            continue
        if start in heading_at:
            out.append(LayoutLine(start, end, "heading", level=heading_at[start]))
            continue
        if "\t" in raw:
            out.append(LayoutLine(start, end, "row"))
            continue
        m = ITEM_LINE.match(raw)
        if m:
            depth = len(m.group("indent")) // 2 + 1
            out.append(LayoutLine(start, end, "item", depth=depth, body_start=start + m.end()))
            continue
        out.append(LayoutLine(start, end, "para"))
    return out
