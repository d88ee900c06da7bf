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


# Lemmas of the words seen so far: the same few thousand words make up most of any policy.
_LEMMAS: dict[str, str] = {}
_LEMMAS_MAX = 200_000


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Cut ``text`` into tokens; offsets are into ``text`` shifted by ``offset``."""
    memo = _LEMMAS
    out = []
    for m in _TOKEN_RE.finditer(text):
        word = m.group()
        lem = memo.get(word)
        if lem is None:
            lem = lemma(word)
            if len(memo) < _LEMMAS_MAX:
                memo[word] = lem
        a, b = m.span()
        out.append(Token(word, a + offset, b + offset, lem))
    return out
