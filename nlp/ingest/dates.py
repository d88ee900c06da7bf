"""Find effective dates and version headers in policy text, in English and the languages of
``nlp/data/dates.json`` (German, French, Spanish, Italian, Dutch, Portuguese, Chinese...).

A *version header* is a short line that names a version and a date, such as
``New Version (Effective as of February 27,2020)`` or ``Last updated: 12 March 2024``. A document
holding several versions is split at such lines; a single-version document takes its date from
one near the top.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

__all__ = [
    "META_DATE_NAMES",
    "TITLE_WORDS",
    "effective_date_in",
    "find_date",
    "is_split_header",
    "parse_iso",
    "self_dated_in",
    "starts_with_month",
    "version_header_date",
]

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "dates.json"


@functools.lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    """``nlp/data/dates.json``: month names, date phrases and title words of other languages."""
    data: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return data


def _phrases(words: list[str]) -> str:
    """An alternation of phrases, each matched as whole words (scripts without spaces: anywhere)."""
    out = []
    for w in sorted(set(words), key=len, reverse=True):
        body = r"\s+".join(re.escape(part) for part in w.split())
        out.append(
            body if re.search(r"[\u3000-\u9fff\uac00-\ud7af]", w) else rf"(?<!\w){body}(?!\w)"
        )
    return "|".join(out)


_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_OTHER_MONTHS: dict[str, int] = {
    name: num for names in _data()["months"].values() for name, num in names.items()
}
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    rf"|{'|'.join(sorted(map(re.escape, _OTHER_MONTHS), key=len, reverse=True))})\.?"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)(?!\d)"

# Each pattern names its groups mon/day/year (or num for a numeric month); order matters.
_DATE_PATTERNS = [
    re.compile(r"\b(?P<year>(?:19|20)\d\d)[-./](?P<num>[01]?\d)[-./](?P<day>[0-3]?\d)\b"),
    re.compile(rf"\b{_MONTH}\s*{_DAY}\s*,?\s*{_YEAR}\b", re.I),  # February 27,2020
    # 27 February 2020, 3. März 2024, 3 de marzo de 2024, 1er mars 2024
    re.compile(rf"\b{_DAY}\.?\s*(?:of\s+|de\s+|del\s+)?{_MONTH}\s*,?\s*(?:de\s+)?{_YEAR}\b", re.I),
    # 02/27/2020; with dots (03.12.2024) day first, as in Europe
    re.compile(r"\b(?P<a>[0-3]?\d)(?P<sep>[/.])(?P<b>[0-3]?\d)(?P=sep)(?P<year>(?:19|20)\d\d)\b"),
    # "06 16, 2022": a month and a day as numbers, written as a spelled-out date is
    re.compile(r"\b(?P<num>[01]?\d)\s+(?P<day>[0-3]?\d),\s*(?P<year>(?:19|20)\d\d)\b"),
    re.compile(rf"\b{_MONTH}\s*,?\s*(?:de\s+)?{_YEAR}\b", re.I),  # February 2020 -> the 1st
    # 2024年3月3日, 2024년 3월 3일
    re.compile(r"(?P<year>(?:19|20)\d\d)\s*[年년]\s*(?P<num>[01]?\d)\s*[月월]\s*(?P<day>[0-3]?\d)"),
]

_OTHER_EFFECTIVE = _phrases([w for ws in _data()["effective"].values() for w in ws])
_VERSION_WORDS = re.compile(
    r"\b(version|effective|updated|modified|revised|revision|amended|last changed|as of|dated)\b"
    rf"|{_OTHER_EFFECTIVE}",
    re.I,
)
_EFFECTIVE_WORDS = re.compile(
    r"\b(effective|last\s+updated?|updated\s+on|last\s+modified|last\s+revised|revised\s+on"
    r"|last\s+changed|version|as\s+of|date\s+of\s+last)\b"
    rf"|{_OTHER_EFFECTIVE}"
    rf"|{'|'.join(f'(?:{p})' for p in _data()['effective_patterns'])}",
    re.I,
)
TITLE_WORDS = re.compile(
    r"\b(privacy|policy|notice|statement|cookies?|terms|data protection)\b"
    rf"|{_phrases([w for ws in _data()['titles'].values() for w in ws])}",
    re.I,
)
"""Words that make a short line the title of a policy, in the languages of ``dates.json``."""


META_DATE_NAMES: tuple[str, ...] = tuple(n.lower() for n in _data()["meta"])
"""HTML ``<meta>`` names/properties carrying a page's date, best first (``dates.json``)."""


def parse_iso(value: str) -> date | None:
    """The date of an ISO 8601 value ("2024-11-14", "2024-11-14T09:00:00Z"), or ``None``."""
    m = re.match(r"\s*((?:19|20)\d\d)-([01]\d)-([0-3]\d)", value)
    if not m:
        found = find_date(value) if len(value) < 60 else None
        return found[0] if found else None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


_MONTH_START = re.compile(rf"{_MONTH}(?!\w)", re.I)


def starts_with_month(text: str) -> bool:
    """True when ``text`` begins with a month name ("März 2024", "March 3") of a known language."""
    return bool(_MONTH_START.match(text))


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
            name = mon.lower().rstrip(".")
            month = _OTHER_MONTHS.get(name) or _MONTHS[name[:3]]
            day = int(g.get("day") or 1)
        elif num:
            month, day = int(num), int(g["day"] or 1)
        else:
            a, b = int(g["a"] or 0), int(g["b"] or 0)
            # Day-first when the first number cannot be a month or dots separate them (European
            # dates); else the US order.
            day_first = a > 12 or (g.get("sep") == "." and b <= 12)
            month, day = (b, a) if day_first else (a, b)
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


_SELF_DATED = re.compile("|".join(f"(?:{p})" for p in _data()["self_dated"]), re.I)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?。])\s+")


def self_dated_in(text: str) -> date | None:
    """The date of a sentence of ``text`` that dates the document itself, if any.

    >>> self_dated_in("We may change it. This Privacy Policy was last updated on 2020/08/01.")
    datetime.date(2020, 8, 1)
    >>> self_dated_in("Effective May 25, 2018, the GDPR gives you new rights.") is None
    True
    """
    if not _SELF_DATED.search(text):
        return None
    for sentence in _SENTENCE_BREAK.split(text):
        if len(sentence) <= 250 and _SELF_DATED.search(sentence):
            found = find_date(sentence)
            if found:
                return found[0]
    return None


def effective_date_in(line: str) -> date | None:
    """The date a line states as effective/updated ("Last updated: March 3, 2024"), if any."""
    if len(line) > 200 or not _EFFECTIVE_WORDS.search(line):
        return None
    found = find_date(line)
    return found[0] if found else None
