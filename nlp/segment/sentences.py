"""Sentence boundaries by rule, in one regular-expression pass: what segmenting a policy needs.

A sentence ends after a run of terminal marks (``.``, ``!``, ``?`` and their forms in other
scripts), with any closing quotes or brackets, where whitespace and more text follow; a full stop
between a lower-case and an upper-case letter ends one too ("data.We"). An ellipsis and an
initial ("J.", "U.S.") do not. The marks are data (``nlp/data/sentences.json``). These spans are
raw: :mod:`nlp.segment.clauses` repairs them (abbreviations, URLs, enumerators, lower-case
continuations) as it did spaCy's sentencizer's, which this replaces because importing spaCy cost
every ``policylens segment`` most of its time. ``bench/bench_sentences.py`` measures how often the
two agree after repair.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

__all__ = ["is_lead_in", "raw_sentence_spans", "trimmed"]


@functools.cache
def _data() -> dict[str, Any]:
    """``nlp/data/sentences.json``, read once for every rule taken from it."""
    return json.loads(
        resources.files("nlp").joinpath("data/sentences.json").read_text(encoding="utf-8")
    )


@functools.lru_cache(maxsize=1)
def _rules() -> tuple[re.Pattern[str], re.Pattern[str], tuple[str, ...], bool]:
    data = _data()
    terminal = re.escape(data["terminal"])
    closing = re.escape(data["closing"])
    end = re.compile(rf"(?P<marks>[{terminal}]+)[{closing}]*(?=\s+\S)")
    infix = re.compile(r"(?<=[^\W\d_])\.(?=[A-Z])")
    never = data["never_after"]
    return end, infix, tuple(never["ellipses"]), bool(never["initial"])


@functools.cache
def _lead_in_rules() -> tuple[tuple[str, ...], re.Pattern[str]]:
    data = _data()["lead_in"]
    ahead = "|".join(re.escape(w) for w in data["points_ahead"])
    return tuple(data["ends"]), re.compile(rf"\b(?:{ahead})\b", re.IGNORECASE)


def is_lead_in(sentence: str) -> bool:
    """Whether ``sentence``, the last of a paragraph right above a list, leads into the list:
    it ends with a colon or points ahead ("... the parties set out below.").

    >>> is_lead_in("We may share your data with the parties set out below.")
    True
    >>> is_lead_in("We care about your privacy.")
    False
    """
    ends, ahead = _lead_in_rules()
    s = sentence.rstrip()
    return s.endswith(ends) or bool(ahead.search(s))


def _is_initial(text: str, dot: int) -> bool:
    """A capital standing alone before the full stop at ``dot`` ("J.", the "S." of "U.S.")."""
    if dot < 1 or text[dot] != "." or not text[dot - 1].isupper():
        return False
    return dot < 2 or not text[dot - 2].isalpha()


def raw_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text``, whitespace trimmed, before any repair.

    >>> t = 'We sell data. "Why?" You asked... J. Smith said it.Then we left!'
    >>> [t[a:b] for a, b in raw_sentence_spans(t)]
    ['We sell data.', '"Why?"', 'You asked... J. Smith said it.', 'Then we left!']
    """
    end, infix, ellipses, initials = _rules()
    cuts: list[int] = []
    for m in end.finditer(text):
        marks = m.group("marks")
        if marks.endswith(ellipses):
            continue
        if initials and marks == "." and _is_initial(text, m.start("marks")):
            continue
        cuts.append(m.end())
    for m in infix.finditer(text):
        if text[m.start() - 1].islower() and not _inside_address(text, m.start()):
            cuts.append(m.end())
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in sorted(set(cuts)):
        spans.append((start, cut))
        start = cut
    spans.append((start, len(text)))
    return trimmed(text, spans)


def trimmed(text: str, spans: list[tuple[int, int]] | list[list[int]]) -> list[tuple[int, int]]:
    """``spans`` without the whitespace at their ends; spans of whitespace alone are dropped."""
    out = []
    for a, b in spans:
        seg = text[a:b]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        if b - trail > a + lead:
            out.append((a + lead, b - trail))
    return out


def _inside_address(text: str, dot: int) -> bool:
    """Whether the full stop at ``dot`` sits in a URL, a file name or an e-mail address."""
    start = max(text.rfind(" ", 0, dot), text.rfind("\n", 0, dot)) + 1
    ends = [i for i in (text.find(" ", dot), text.find("\n", dot)) if i >= 0]
    word = text[start : min(ends) if ends else len(text)]
    return "@" in word or "/" in word or word.lower().startswith("www")
