"""Tokens with character offsets and a light lemma, shared by the matcher, tagger and rules."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Token", "lemma", "tokenize"]

_TOKEN_RE = re.compile(r"\w+(?:[-'’.]\w+)*|n't|[^\w\s]")
_KEEP_S = ("ss", "us", "is", "as", "os", "ys")


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its text, its offsets in the string it was cut from, and its lemma."""

    text: str
    start: int
    end: int
    lemma: str


def lemma(word: str) -> str:
    """Lower-cased singular of ``word``: enough for plurals in surface forms ("cookies" = "cookie").

    >>> [lemma(w) for w in ["Cookies", "addresses", "IP", "status", "parties"]]
    ['cookie', 'address', 'ip', 'status', 'party']
    """
    w = word.lower().replace("’", "'")
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        # "cookies", "movies": the singular keeps its "ie"
        return w[:-1] if w.endswith(("kies", "vies", "fies", "bies")) else w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(_KEEP_S):
        return w[:-1]
    return w


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Cut ``text`` into tokens; offsets are into ``text`` shifted by ``offset``."""
    return [
        Token(m.group(), m.start() + offset, m.end() + offset, lemma(m.group()))
        for m in _TOKEN_RE.finditer(text)
    ]
