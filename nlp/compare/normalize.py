"""Normalisation: the differences of form between two wordings, removed.

Case, whitespace, punctuation and quotes, Markdown emphasis and link syntax (``[text](url)`` ->
``text``), web-archive URL prefixes, page counters, list markers and enumerators ("F. ", "(a) ",
"2.1 ") and the letters or numbers of cross-references are form; two clauses whose words are equal
after removing them differ at most cosmetically. A version's own date stamp ("Last updated: March
1, 2024") is form too: its key (:func:`stamp_key`) leaves the date out.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence

from nlp.ingest.clean import MD_IMAGE, MD_LINK, MD_LINK_TAIL

__all__ = [
    "is_date_stamp",
    "norm_words",
    "normalize_section",
    "normalize_text",
    "stamp_key",
    "text_similarity",
    "word_ratio",
]

_ARCHIVE_PREFIX = re.compile(r"https?://web\.archive\.org/web/[0-9a-z_*]+/", re.I)
_ANGLE_URL = re.compile(r"<(https?://[^>\s]+)>")
_PAGE_COUNTER = re.compile(
    r"\b(?:page\s+)?\d{1,4}\s*(?:/|of)\s*\d{1,4}\b(?=\s*$)|\bpage\s+\d{1,4}\b", re.I
)
# A cross-reference names a section by letter or number; renumbering is form, not substance.
# Articles are left alone: "Article 6(1)(a)" becoming "(f)" of the GDPR changes the legal basis.
_XREF = re.compile(
    r"\b((?i:sections?|paragraphs?|clauses?|parts?))\s*[\"'“”‘’*_(]*"
    r"(?:[A-Z]|[IVXLC]{1,6}|\d{1,3}(?:\.\d{1,3})*)\b\.?(?:[)\"'“”‘’*_]*)"
)
_ENUMERATOR = re.compile(
    r"^\s*(?:[-*+•·▪◦●–—]\s+|\(?(?:\d{1,3}(?:\.\d{1,3})*|[A-Za-z]|[ivxlcIVXLC]{1,6})[.)](?=\s))\s*"
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# "Last updated: March 1, 2024": the version's own date stamp, already its label, so form only.
_DATE_STAMP = re.compile(
    r"^(?=.*\d)\W*(?P<key>last\s+(?:updated|modified|revised|changed)|(?:date\s+)?(?:updated|revised)(?:\s+on)?"
    r"|effective(?:\s+date|\s+as\s+of|\s+from|\s+on)?|(?:policy\s+)?version(?:\s+date)?)"
    r"\s*[:\-–—]?\s*(?:\d{1,4}(?:st|nd|rd|th)?|[ ,./()-]"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?)+$",
    re.IGNORECASE,
)


def normalize_text(text: str) -> str:
    """The words of ``text`` with differences of form removed, lower-cased, space-separated.

    Two clauses that normalise alike differ at most cosmetically.

    >>> normalize_text('See section **H "HOW TO CONTACT US"** [below](https://x.example/#h).')
    'see section how to contact us below'
    >>> normalize_text("F. CHANGES TO THIS  PRIVACY POLICY")
    'changes to this privacy policy'
    """
    return " ".join(norm_words(text))


def norm_words(text: str) -> list[str]:
    """The normalised, lower-cased words of ``text`` (what :func:`normalize_text` joins)."""
    t = unicodedata.normalize("NFKC", text)
    t = _ARCHIVE_PREFIX.sub("", t)
    t = MD_IMAGE.sub(" ", t)
    t = MD_LINK.sub(r"\1", t)
    t = MD_LINK_TAIL.sub(" ", t)
    t = _ANGLE_URL.sub(r"\1", t)
    t = _PAGE_COUNTER.sub(" ", t)
    t = _XREF.sub(r"\1 ", t)
    t = _ENUMERATOR.sub("", t, count=1)
    return [w.lower() for w in _WORD.findall(t)]


def stamp_key(text: str) -> str:
    """For a date stamp ("Last updated: May 2, 2024"), a key without the date; else ``""``."""
    m = _DATE_STAMP.match(text.strip())
    return "\x00" + " ".join(norm_words(m.group("key"))) if m else ""


def is_date_stamp(text: str) -> bool:
    """Whether ``text`` is a version's date stamp ("Last updated: March 1, 2024")."""
    return bool(_DATE_STAMP.match(text.strip()))


def normalize_section(section: Sequence[str]) -> tuple[str, ...]:
    """A section path with enumerators and case removed ("H. HOW TO CONTACT US" -> "how to...")."""
    return tuple(n for n in (normalize_text(s) for s in section) if n)


def text_similarity(a: str, b: str) -> float:
    """Word-level similarity of two texts in [0, 1] (``difflib`` ratio on normalised words).

    >>> text_similarity("We keep logs for 30 days.", "We keep logs for 90 days.")
    0.8333333333333334
    """
    return word_ratio(norm_words(a), norm_words(b))


def word_ratio(a: Sequence[str], b: Sequence[str]) -> float:
    """``difflib`` similarity of two word lists in [0, 1]; two empty lists are equal."""
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
