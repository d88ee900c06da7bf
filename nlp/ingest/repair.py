"""Repairs on the block list: debris removed, blocks broken at page ends re-joined, list depths."""

from __future__ import annotations

import re

from nlp.ingest import clean as _clean
from nlp.ingest.blocks import Block
from nlp.ingest.headings import NUMBERED_HEADING, heading_shape
from nlp.ingest.text import URL_START

__all__ = ["assign_depths", "join_broken", "remove_debris"]


def remove_debris(blocks: list[Block]) -> list[Block]:
    """Drop debris blocks anywhere, and the run of site chrome after the last policy text."""
    out: list[Block] = []
    for b in blocks:
        if b.kind == "row":
            b.cells = [_clean.strip_archive_urls(c) for c in b.cells]
            if any(c and _clean.debris_reason(c) is None for c in b.cells):
                out.append(b)
            continue
        b.text = _clean.strip_archive_urls(b.text)
        if _clean.debris_reason(b.text) is None:
            out.append(b)
    # Trailing chrome: labels that introduce nothing ("Follow Us:"), "Report abuse", "Top"...
    while out and out[-1].kind != "row" and _clean.is_trailing_chrome(out[-1].text):
        if out[-1].kind == "item" and _list_has_lead_in(out):
            break  # a list announced by "...:" is content, however short its items
        out.pop()
    return out


def _list_has_lead_in(blocks: list[Block]) -> bool:
    """True when the list ending ``blocks`` follows a paragraph ending with a colon."""
    k = len(blocks) - 1
    while k >= 0 and blocks[k].kind == "item":
        k -= 1
    return k >= 0 and blocks[k].kind == "para" and blocks[k].text.rstrip().endswith(":")


def join_broken(blocks: list[Block]) -> list[Block]:
    """Re-join paragraphs, list items and table rows broken across a page boundary."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if prev is not None and _continues(prev, b):
            if prev.kind == "row":
                _merge_row(prev, b)
            else:
                prev.text = f"{prev.text} {b.text}"
            continue
        out.append(b)
    return out


def _continues(prev: Block, cur: Block) -> bool:
    if cur.kind == "heading" or cur.emph or prev.kind == "heading" or prev.title or cur.title:
        return False
    if prev.kind == "row":
        first = prev.cells[0] if prev.cells else ""
        if prev.explicit or prev.header or len(_clean.words(first)) < 6:
            return False  # only a sentence cut mid-way continues on the next row
        if cur.kind == "row":
            return (
                not cur.explicit
                and bool(cur.cells)
                and _clean.starts_lower(cur.cells[0])
                and not _clean.ends_terminal(first)
            )
        return (
            cur.kind == "para"
            and _clean.starts_lower(cur.text)
            and not all(_clean.ends_terminal(c) for c in prev.cells if c)
        )
    if cur.kind != "para" or prev.kind not in ("para", "item"):
        return False
    if URL_START.match(cur.text) and not _clean.ends_sentence(prev.text):
        return True  # a bare URL under "please visit:" or a list item belongs to it
    if _clean.ends_terminal(prev.text):
        return False
    if _clean.starts_lower(cur.text):
        return True
    if NUMBERED_HEADING.match(cur.text) and heading_shape(cur.text):
        return False
    # A long line stopping on a lower-case word ("For more information about") runs on.
    last = prev.text.split()[-1] if prev.text.split() else ""
    return (
        len(prev.text) >= 60
        and re.fullmatch(r"[a-z][a-z'’-]*", last) is not None
        and len(_clean.words(prev.text)) >= 8
    )


def _merge_row(prev: Block, cur: Block) -> None:
    if cur.kind == "row":
        for k, cell in enumerate(cur.cells):
            if k < len(prev.cells):
                prev.cells[k] = f"{prev.cells[k]} {cell}".strip()
            else:
                prev.cells.append(cell)
        return
    # A loose continuation line: it belongs to the first cell left unfinished.
    for k, cell in enumerate(prev.cells):
        if cell and not _clean.ends_terminal(cell):
            prev.cells[k] = f"{cell} {cur.text}"
            return
    prev.cells[-1] = f"{prev.cells[-1]} {cur.text}".strip()


def assign_depths(blocks: list[Block]) -> None:
    """Nesting depth of list items from their marker style and indentation."""
    stack: list[tuple[int, str]] = []
    for b in blocks:
        if b.kind != "item":
            if b.kind in ("para", "heading", "row"):
                stack.clear()
            continue
        if not b.style:  # depth set by the reader (HTML)
            continue
        while stack and stack[-1][0] > b.indent:
            stack.pop()
        if not stack or stack[-1][0] < b.indent:
            stack.append((b.indent, b.style))  # deeper indentation: a nested list
        elif stack[-1][1] != b.style:
            # Same indentation, another marker: back to a level that used it, else nested.
            styles = [st for _, st in stack]
            if b.style in styles:
                del stack[styles.index(b.style) + 1 :]
            else:
                stack.append((b.indent, b.style))
        b.depth = max(1, len(stack))
