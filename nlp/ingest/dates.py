"""Find effective dates and version headers in policy text (private helper of ``nlp.ingest``).

A *version header* is a short line that names a version and a date, such as
``New Version (Effective as of February 27,2020)`` or ``Last updated: 12 March 2024``. A document
holding several versions is split at such lines; a single-version document takes its date from
one near the top.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)(?!\d)"

# Each pattern names its groups mon/day/year (or num for a numeric month); order matters.
_DATE_PATTERNS = [
    re.compile(r"\b(?P<year>(?:19|20)\d\d)[-./](?P<num>[01]?\d)[-./](?P<day>[0-3]?\d)\b"),
    re.compile(rf"\b{_MONTH}\s*{_DAY}\s*,?\s*{_YEAR}\b", re.I),  # February 27,2020
    re.compile(rf"\b{_DAY}\s*(?:of\s+)?{_MONTH}\s*,?\s*{_YEAR}\b", re.I),  # 27 February 2020
    re.compile(r"\b(?P<a>[0-3]?\d)[/.](?P<b>[0-3]?\d)[/.](?P<year>(?:19|20)\d\d)\b"),  # 02/27/2020
    re.compile(rf"\b{_MONTH}\s*,?\s*{_YEAR}\b", re.I),  # February 2020 -> the 1st
]

_VERSION_WORDS = re.compile(
    r"\b(version|effective|updated|modified|revised|revision|amended|last changed|as of|dated)\b",
    re.I,
)
_EFFECTIVE_WORDS = re.compile(
    r"\b(effective|last\s+updated?|updated\s+on|last\s+modified|last\s+revised|revised\s+on"
    r"|last\s+changed|version|as\s+of|date\s+of\s+last)\b",
    re.I,
)


def find_date(text: str) -> tuple[date, int, int] | None:
    """Return the first calendar date written in ``text`` with its span, or ``None``."""
    best: tuple[date, int, int] | None = None
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            d = _to_date(m.groupdict())
            if d is None:
                continue
            if best is None or m.start() < best[1]:
                best = (d, m.start(), m.end())
            break
        if best is not None and pattern is _DATE_PATTERNS[1]:
            # A spelled-out month date is unambiguous: prefer it to later numeric guesses.
            break
    return best


def _to_date(g: dict[str, str | None]) -> date | None:
    try:
        year = int(g["year"] or 0)
        mon, num = g.get("mon"), g.get("num")
        if mon:
            month = _MONTHS[mon[:3].lower()]
            day = int(g.get("day") or 1)
        elif num:
            month, day = int(num), int(g["day"] or 1)
        else:
            a, b = int(g["a"] or 0), int(g["b"] or 0)
            # Day-first when the first number cannot be a month; else the US order.
            month, day = (b, a) if a > 12 else (a, b)
        return date(year, month, day)
    except (KeyError, ValueError, TypeError):
        return None


def version_header_date(line: str) -> date | None:
    """The date of ``line`` if it reads as a version header ("Old version (Effective ...)")."""
    if len(line) > 120 or len(line.split()) > 16:
        return None
    if not _VERSION_WORDS.search(line):
        return None
    found = find_date(line)
    return found[0] if found else None


_SPLIT_HEADER = re.compile(
    r"^\W*(?:(?:the\s+)?(?:new|old|current|previous|prior|latest|earlier|archived|original"
    r"|updated|revised|former)\s+)?(?:(?:privacy\s+)?(?:policy|notice|statement)\s+)?"
    r"(?:version|v)\b\s*[\w.]*",
    re.I,
)


def is_split_header(line: str) -> bool:
    """True for a line opening a version ("New Version (Effective ...)", "Version 2, May 2024")."""
    return bool(_SPLIT_HEADER.match(line)) and version_header_date(line) is not None


def effective_date_in(line: str) -> date | None:
    """The date a line states as effective/updated ("Last updated: March 3, 2024"), if any."""
    if len(line) > 200 or not _EFFECTIVE_WORDS.search(line):
        return None
    found = find_date(line)
    return found[0] if found else None
