"""What a web page's structure says beyond its tags: titles, addresses, consent banners, dates.

The HTML reader asks this module which elements title a section although they are no ``<h1>``
-``<h6>`` (ARIA ``role="heading"`` with ``aria-level``, ``<dt>``, ``<summary>``, accordion and
tab labels), which lines are postal addresses (never headings), which containers are cookie
banners or consent walls (dropped), and what date the page carries outside its text
(``<time datetime>``, ``<meta>``). The word lists and patterns are data:
``nlp/data/page_structure.json``.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from nlp.ingest import dates

__all__ = [
    "CHROME_CLASSES",
    "TITLE_TAG",
    "is_consent_container",
    "looks_like_address",
    "mark_titles",
    "page_date",
]

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "page_structure.json"
TITLE_TAG = "dt"
"""The tag every non-heading title is renamed to, so the reader handles one kind of title."""
# A "heading" holding more than this is a container misusing the role, not a title.
_MAX_TITLE_CHARS = 200


@functools.lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return data


CHROME_CLASSES = frozenset(_data()["chrome_classes"])
_CONSENT = frozenset(c.lower() for c in _data()["consent_classes"])
_CONSENT_TEXT = re.compile(
    "|".join(rf"\b{re.escape(t)}\b" for t in _data()["consent_text"]), re.I
)
_STREET = "|".join(
    sorted({re.escape(w) for ws in _data()["street_words"].values() for w in ws}, key=len)[::-1]
)
# "1601 Willow Road", "Hauptstraße 5", "12 rue de la Paix", "Via Roma 10", "Suite 400"
_STREET_LINE = re.compile(
    rf"^\s*(?:\d{{1,6}}[a-z]?\s+(?:[\w.'’-]+\s+){{0,5}}(?:{_STREET})\b\.?"
    rf"|(?:[\w.'’-]+\s+){{0,3}}[\w'’-]*(?:{_STREET})\.?\s+\d{{1,5}}[a-z]?\b"
    rf"|\d{{1,5}}[a-z]?,?\s+(?:{_STREET})\s+[\w'’ -]+"
    rf"|(?:suite|floor|unit|building)\s+\w+)",
    re.I,
)
_ADDRESS_PATTERNS = [re.compile(p) for p in _data()["address_patterns"]]


def looks_like_address(text: str) -> bool:
    """True for a short line shaped like part of a postal address.

    >>> [looks_like_address(t) for t in ("1601 Willow Road", "Menlo Park, CA 94025",
    ...  "Hauptstraße 5", "How we use your data", "Section 5 Road safety")]
    [True, True, True, False, False]
    """
    t = text.strip()
    if not t or len(t) > 120:
        return False
    if _STREET_LINE.match(t) and len(t.split()) <= 10:
        return True
    return any(p.search(t) for p in _ADDRESS_PATTERNS)


def _class_tokens(tag: Any) -> set[str]:
    raw = tag.get("class")
    classes: list[str] = raw.split() if isinstance(raw, str) else list(raw or [])
    if tag.get("id"):
        classes.append(str(tag.get("id")))
    tokens = {t for c in classes for t in re.split(r"[-_\s]+", str(c).lower()) if t}
    return tokens | {str(c).lower() for c in classes}


def is_consent_container(tag: Any, total_chars: int) -> bool:
    """True for a cookie banner or consent wall: by its classes, or short with banner buttons."""
    text_len = len(tag.get_text(" ", strip=True))
    if text_len >= 0.3 * max(1, total_chars):
        return False  # a cookie *policy* the page wraps in a "cookie" class is content
    tokens = _class_tokens(tag)
    # Whole names, or a platform's name starting a longer one ("onetrust-banner-sdk"); never a
    # short generic token ("cmp-text" is any text component of some site builders).
    if any(t in _CONSENT or any(t.startswith(c) for c in _CONSENT if len(c) >= 7) for t in tokens):
        return True
    label = str(tag.get("aria-label", "")).lower()
    role = str(tag.get("role", "")).lower()
    if role in ("dialog", "alertdialog", "region") and ("cookie" in label or "consent" in label):
        return True
    if text_len < 1500 and tag.name in ("div", "section", "aside"):
        buttons = " ".join(b.get_text(" ", strip=True) for b in tag.find_all(["button", "a"]))
        return bool(_CONSENT_TEXT.search(buttons))
    return False


def _aria_level(tag: Any) -> int:
    try:
        return max(1, min(6, int(str(tag.get("aria-level", "2")).strip())))
    except ValueError:
        return 2


def mark_titles(root: Any) -> None:
    """Rename the elements that title a section to ``h1``-``h6`` or to :data:`TITLE_TAG`.

    ARIA headings become ``h<aria-level>``; ``<summary>``, tabs and accordion toggles (an element
    with ``aria-expanded`` or ``aria-controls``) become titles; a tab's title moves to the start
    of the panel it controls, since tab lists sit apart from their panels.
    """
    for tag in root.find_all(attrs={"role": re.compile(r"^\s*heading\s*$", re.I)}):
        if tag.attrs is None or len(tag.get_text(" ", strip=True)) > _MAX_TITLE_CHARS:
            continue
        if tag.find_parent(["h1", "h2", "h3", "h4", "h5", "h6"]) is None:
            tag.name = f"h{_aria_level(tag)}"
    toggles = root.find_all(
        lambda t: t.name == "summary"
        or str(t.get("role", "")).lower() == "tab"
        or ((t.has_attr("aria-expanded") or t.has_attr("aria-controls"))
            and t.name in ("button", "div", "span", "a", "p"))
    )  # fmt: skip
    for tag in toggles:
        if tag.attrs is None or tag.find_parent(["h1", "h2", "h3", "h4", "h5", "h6"]):
            continue
        text = tag.get_text(" ", strip=True)
        if not text or len(text) > _MAX_TITLE_CHARS or tag.find(["p", "ul", "ol", "table"]):
            continue
        panel_id = str(tag.get("aria-controls", "")).split(" ")[0]
        panel = root.find(id=panel_id) if panel_id else None
        tag.name = TITLE_TAG
        is_tab = str(tag.get("role", "")).lower() == "tab"
        if is_tab and panel is not None and tag not in panel.parents:
            panel.insert(0, tag.extract())


def page_date(soup: Any, root: Any) -> tuple[date, str] | None:
    """A date the page states outside its running text: ``<time datetime>``, then ``<meta>``."""
    for tag in root.find_all("time"):
        if tag.attrs is None:
            continue
        value = str(tag.get("datetime") or "")
        found = dates.parse_iso(value) if value else None
        if found is not None:
            return found, "time"
    best: tuple[int, date] | None = None
    for meta in soup.find_all("meta"):
        key = str(meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key not in dates.META_DATE_NAMES:
            continue
        found = dates.parse_iso(str(meta.get("content") or ""))
        rank = dates.META_DATE_NAMES.index(key)
        if found is not None and (best is None or rank < best[0]):
            best = (rank, found)
    return (best[1], "meta") if best else None
