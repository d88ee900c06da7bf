"""The policylens label set and how the labels of public corpora map onto it.

The labels, their definitions, the OPP-115 and APPCorp mappings and the cue lists that split the
merged source categories live in ``nlp/data/taxonomy.json`` (data, not code); this module loads
them and applies them. ``docs/taxonomy.md`` explains the choices.

Example
-------
>>> from nlp.classify.taxonomy import LABELS, map_source_labels
>>> LABELS[:3]
('collection', 'use', 'sharing')
>>> map_source_labels("opp115", ["Data Retention"], "We keep logs for 30 days.")
('retention',)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from nlp.errors import InputError

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "taxonomy.json"

OPP115_LABELS: tuple[str, ...] = (
    "First Party Collection/Use",
    "Third Party Sharing/Collection",
    "User Access, Edit and Deletion",
    "Data Retention",
    "Data Security",
    "International and Specific Audiences",
    "Do Not Track",
    "Policy Change",
    "User Choice/Control",
    "Introductory/Generic",
    "Practice not covered",
    "Privacy contact information",
)
"""The 12 OPP-115 segment labels of the majority split, in the order of its label file."""

APPCORP_LABELS: tuple[str, ...] = (
    "First_Party_Collection_and_Use",
    "Third_Party_Share_and_Collection",
    "User_Right_and_Control",
    "Data_Retention",
    "Data_Security",
    "Specific_Audiences",
    "International_Data_Transfer",
    "Cookies_and_Similar_Technologies",
    "Policy_Change",
    "Policy_Contact_Information",
    "Policy_Introductory",
)
"""The 11 APPCorp paragraph labels."""

SOURCES = ("opp115", "appcorp")
SCHEMES = ("policylens", "opp115")


@dataclass(frozen=True, slots=True)
class Label:
    """One label of the policylens taxonomy."""

    name: str
    definition: str
    asked_for: bool


@lru_cache(maxsize=1)
def load_taxonomy() -> dict[str, Any]:
    """Return the parsed ``nlp/data/taxonomy.json`` (cached; treat it as read-only)."""
    with DATA_FILE.open(encoding="utf-8") as fh:
        return json.load(fh)


def labels() -> tuple[Label, ...]:
    """The policylens labels in their canonical order."""
    return tuple(
        Label(d["name"], d["definition"], bool(d["asked_for"])) for d in load_taxonomy()["labels"]
    )


LABELS: tuple[str, ...] = tuple(label.name for label in labels())
"""Label names of the policylens scheme, canonical order."""

ASKED_FOR: tuple[str, ...] = tuple(label.name for label in labels() if label.asked_for)
"""The six categories the toolkit is asked to find: collection, use, sharing, retention, rights,
cookies."""


def scheme_labels(scheme: str) -> tuple[str, ...]:
    """Label names of a scheme: ``"policylens"`` (12 of ours) or ``"opp115"`` (12 native)."""
    if scheme == "policylens":
        return LABELS
    if scheme == "opp115":
        return OPP115_LABELS
    raise InputError(f"unknown label scheme {scheme!r}; use one of: {', '.join(SCHEMES)}")


@cache
def _compiled_cues(split: str) -> dict[str, tuple[re.Pattern[str], ...]]:
    spec = load_taxonomy()["splits"][split]
    return {
        label: tuple(re.compile(p, re.IGNORECASE) for p in patterns)
        for label, patterns in spec["cues"].items()
    }


def split_by_cues(split: str, text: str) -> tuple[str, ...]:
    """Apply a named cue split (``"first_party"`` or ``"audiences"``) to one segment's text.

    Returns the labels whose cues occur in ``text`` (canonical order), or the split's default when
    none does.

    >>> split_by_cues("first_party", "We collect your e-mail address.")
    ('collection',)
    >>> split_by_cues("first_party", "We use your data to improve the app.")
    ('use',)
    """
    found = {
        label for label, pats in _compiled_cues(split).items() if any(p.search(text) for p in pats)
    }
    if not found:
        found = set(load_taxonomy()["splits"][split]["default"])
    return tuple(label for label in LABELS if label in found)


def mapping(source: str) -> dict[str, dict[str, Any]]:
    """The label mapping of a source corpus (``"opp115"`` or ``"appcorp"``), as stored."""
    try:
        return load_taxonomy()["mappings"][source]["labels"]
    except KeyError as exc:
        raise InputError(f"unknown source {source!r}; use one of: {', '.join(SOURCES)}") from exc


def unsupervised_labels(source: str) -> tuple[str, ...]:
    """Labels a source corpus does not annotate at all (its segments say nothing about them)."""
    return tuple(load_taxonomy()["mappings"][source].get("unsupervised", ()))


def map_source_labels(source: str, source_labels: Iterable[str], text: str) -> tuple[str, ...]:
    """Map the labels of one source segment to policylens labels.

    Merged source categories (first-party collection/use, specific audiences) are split by the cue
    lists in the data file, applied to ``text``.

    >>> map_source_labels("appcorp", ["Policy_Change"], "We may update this policy.")
    ('changes',)
    """
    table = mapping(source)
    out: set[str] = set()
    for name in source_labels:
        try:
            entry = table[name]
        except KeyError as exc:
            raise InputError(
                f"{source} label {name!r} has no mapping; add it to nlp/data/taxonomy.json"
            ) from exc
        if "split" in entry:
            out.update(split_by_cues(entry["split"], text))
        else:
            out.update(entry["to"])
    return tuple(label for label in LABELS if label in out)


def keywords(label: str) -> tuple[str, ...]:
    """Lower-case keyword cues of a label, used by question routing."""
    return tuple(load_taxonomy()["keywords"].get(label, ()))


def validate_labels(names: Sequence[str], scheme: str = "policylens") -> tuple[str, ...]:
    """Check that every name is a label of ``scheme``; return them in canonical order."""
    known = scheme_labels(scheme)
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise InputError(
            f"unknown {scheme} label(s) {', '.join(unknown)}; known labels: {', '.join(known)}"
        )
    return tuple(label for label in known if label in set(names))
