"""Word lists the answer stage reasons with: places, data types, recipients and practice verbs.

The lists are data, kept in ``nlp/data/lexicon.json`` (versioned) and read once when this module
is imported: each entry maps a canonical name to the regular-expression stems that name it in
policy text. Matching is case-insensitive and on word boundaries (see :func:`compile_terms`).

* ``REGIONS``: regions a policy may name instead of a country, with their member countries;
* ``PLACES``, ``DATA_TYPES``, ``RECIPIENTS``: things a question may name, several names each;
* ``ACTIONS``: practice verbs of a question, with the words a policy uses for the same practice;
  ``QUESTION_ACTIONS`` maps a question's word ("sold", "deletion") to its practice;
* ``GENERIC_WORDS``: words of a question that name nothing the policy would have to mention;
  ``ASK_WORDS`` open a yes/no question, ``INFO_WORDS`` a request for information.

>>> PLACES["United Kingdom"][:2]
('United Kingdom', 'UK')
>>> region_of("Norway")
['European Economic Area', 'Europe']
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "ACTIONS",
    "ASK_WORDS",
    "DATA_FILE",
    "DATA_TYPES",
    "GENERIC_WORDS",
    "INFO_WORDS",
    "PLACES",
    "QUESTION_ACTIONS",
    "RECIPIENTS",
    "REGIONS",
    "Term",
    "compile_terms",
    "read_lexicon",
    "region_of",
]

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "lexicon.json"
_FORMAT, _VERSION = "policylens-lexicon", 1


def read_lexicon(path: Path) -> dict[str, Any]:
    """The parsed lexicon file at ``path``, checked to be of the format this module reads."""
    with path.open(encoding="utf-8") as fh:
        doc: dict[str, Any] = json.load(fh)
    if doc.get("format") != _FORMAT or doc.get("version") != _VERSION:
        raise ValueError(f"{path} is not a {_FORMAT} file of version {_VERSION}")
    return doc


def _stems(section: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """A name -> stems table with the stems as tuples (hashable, for ``compile_terms``)."""
    return {name: tuple(stems) for name, stems in section.items()}


_DOC = read_lexicon(DATA_FILE)
REGIONS: dict[str, frozenset[str]] = {r: frozenset(m) for r, m in _DOC["regions"].items()}
PLACES: dict[str, tuple[str, ...]] = _stems(_DOC["places"])
DATA_TYPES: dict[str, tuple[str, ...]] = _stems(_DOC["data_types"])
RECIPIENTS: dict[str, tuple[str, ...]] = _stems(_DOC["recipients"])
ACTIONS: dict[str, tuple[str, ...]] = _stems(_DOC["actions"])
QUESTION_ACTIONS: dict[str, str] = dict(_DOC["question_actions"])
GENERIC_WORDS: frozenset[str] = frozenset(_DOC["generic_words"])
ASK_WORDS: frozenset[str] = frozenset(_DOC["ask_words"])
INFO_WORDS: frozenset[str] = frozenset(_DOC["info_words"])
del _DOC


@dataclass(frozen=True, slots=True)
class Term:
    """A thing a question names, with the patterns that find it in policy text."""

    kind: str  # "place", "data", "recipient", "word"
    name: str
    pattern: re.Pattern[str]


@cache
def compile_terms(stems: tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive, word-bounded regex for a tuple of stems."""
    # Short upper-case abbreviations (US, UK, EU) only match as written, so "us" is not the USA.
    upper = [s for s in stems if re.fullmatch(r"[A-Z]{2,4}", s)]
    other = [s for s in stems if s not in upper]
    parts = []
    if other:
        parts.append(r"(?i:\b(?:" + "|".join(other) + r")\b)")
    if upper:
        parts.append(r"\b(?:" + "|".join(upper) + r")\b")
    return re.compile("|".join(parts))


def region_of(place: str) -> list[str]:
    """Regions (EEA, EU, Europe) that include ``place``."""
    return [r for r, members in REGIONS.items() if place in members]
