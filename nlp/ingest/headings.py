"""Which blocks are headings: numbered, lettered, ALL-CAPS, bold and short title-like lines."""

from __future__ import annotations

import re

from nlp.ingest import clean as _clean
from nlp.ingest import dates
from nlp.ingest.blocks import Block
from nlp.ingest.structure import looks_like_address

__all__ = [
    "NUMBERED_HEADING",
    "detect_headings",
    "heading_shape",
    "is_caps",
    "is_numbered_title",
]

NUMBERED_HEADING = re.compile(
    r"^(?:(?P<num>\d{1,2}(?:\.\d{1,2})*)\.?|(?P<let>[A-Z])\.|(?P<rom>[IVXLC]{1,6})\.|"
    r"(?:section|article|part|chapter)\s+[\dIVX]+[.:]?)\s*(?=\S)",
    re.I,
)


def heading_shape(text: str) -> bool:
    """True when a line is short and shaped like a title (no final comma, URL or date)."""
    t = text.strip()
    n = _clean.word_count(t)
    if not (1 <= n <= 14) or len(t) > 100:
        return False
    if t[-1] in ".,;:。，；：、" and not (t.endswith(".") and is_caps(t)):
        return False
    if re.search(r"https?://|www\.|@", t) or _clean.starts_lower(t):
        return False
    return not dates.effective_date_in(t) and not looks_like_address(t)


def is_caps(text: str) -> bool:
    """True for ALL-CAPS text (80% of at least three letters upper case)."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def detect_headings(blocks: list[Block]) -> list[Block]:
    """Mark heading paragraphs: numbered/lettered, ALL-CAPS, bold, and short title-like lines."""
    explicit = [b.level for b in blocks if b.kind == "heading"]
    base = min(explicit) if explicit else 1
    current = 0  # level of the last structural heading
    for k, b in enumerate(blocks):
        if b.kind == "heading" and dates.effective_date_in(b.text) and len(b.text) < 80:
            b.kind = "para"  # "Effective: December 29, 2022" set as a heading is a date line
            continue
        if b.kind == "heading":
            b.level = b.level - base + 1
            current = b.level
            continue
        if b.kind != "para" or b.address:
            continue
        if b.title and _is_marked_title(b.text):  # <dt>, <summary>, an accordion or tab label
            b.kind, b.level = "heading", current + 1 if current else 1
            continue
        if not heading_shape(b.text):
            continue
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        if nxt is None:
            continue
        m = NUMBERED_HEADING.match(b.text)
        if m and (m.group("num") or m.group("let") or m.group("rom") or m.group(0)):
            num = m.group("num")
            level = num.count(".") + 1 if num else 1
            if m.group("let") and not is_caps(b.text[m.end() :]) and _clean.word_count(b.text) > 8:
                continue
            b.kind, b.level = "heading", level
            current = level
        elif is_caps(b.text):
            b.kind, b.level = "heading", 1
            current = 1
        elif b.emph or (
            nxt.kind in ("para", "item", "row")
            and (
                nxt.kind != "para"
                or _clean.is_sentence(nxt.text)
                or len(nxt.text) > 80
                or (nxt.text.endswith(":") and _clean.word_count(nxt.text) >= 3)
                or (_clean.ends_sentence(nxt.text) and len(nxt.text) > 2 * len(b.text))
            )
            and len(b.text) <= 80
        ):
            b.kind, b.level = "heading", current + 1 if current else 1
        if b.kind == "heading" and b.text.endswith(".") and is_caps(b.text):
            b.text = b.text.rstrip(".")
    return blocks


def _is_marked_title(text: str) -> bool:
    """A title the page marks as one: up to 25 words, not a finished sentence, no date line."""
    t = text.strip()
    return (
        0 < _clean.word_count(t) <= 25
        and t[-1] not in ".,;:。，；：、"
        and not dates.effective_date_in(t)
    )


def is_numbered_title(text: str) -> bool:
    """True for the short, capitalised, unfinished text after "1." that makes it a heading."""
    return (
        0 < _clean.word_count(text) <= 10
        and not _clean.ends_terminal(text)
        and not _clean.starts_lower(text)
    )
