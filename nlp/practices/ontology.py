"""The practices ontology: data types, recipients, purposes, places and audiences as trees of nodes.

Loaded from versioned JSON (``nlp/data/ontology.json``). A node has an id, a parent and surface
forms. Three ways to name a phrase: an exact surface match (case-insensitive, singular or plural,
longest match first; a form written ``=US`` matches one word in those capitals only, so the
pronoun "us" and words in capitals, "CONTACT US", name no country), the nearest node by
embedding similarity when it clears the measured threshold, or nothing (the phrase is kept as
free text by the caller).

>>> onto = load_ontology()
>>> onto.is_a("ip_address", "identifiers")
True
>>> [m.id for m in onto.match("We collect your IP address and email.", "data_types")]
['ip_address', 'email_address']
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp.config import PACKAGE_DIR
from nlp.practices.tokens import Token, lemma, tokenize
from nlp.types import Span

__all__ = [
    "VOCABULARIES", "Node", "Ontology", "cased_regex", "load_ontology", "match_lemma",
    "DEFAULT_ONTOLOGY",
]

DEFAULT_ONTOLOGY = PACKAGE_DIR / "data" / "ontology.json"
VOCABULARIES = ("data_types", "recipients", "purposes", "places", "audience")


def match_lemma(token: Token) -> str:
    """The lemma surface forms are matched on: a possessive is its noun ("child's" -> "child").

    >>> [match_lemma(t) for t in tokenize("your child's cookies")]
    ['your', 'child', 'cookie']
    """
    return lemma(token.lemma[:-2]) if token.lemma.endswith("'s") else token.lemma


@dataclass(frozen=True, slots=True)
class Node:
    """One concept of a vocabulary: its id, its parent's id (``None`` at the top), its phrases."""

    id: str
    parent: str | None
    surface: tuple[str, ...]
    vocabulary: str
    cased: tuple[str, ...] = ()


class Ontology:
    """Trees of nodes per vocabulary, with subsumption and phrase matching.

    Parameters
    ----------
    nodes:
        Every node of every vocabulary; ids are unique within a vocabulary.
    version:
        The data file's version string, recorded in model cards and outputs.
    """

    def __init__(self, nodes: Iterable[Node], version: str = "") -> None:
        self.version = version
        self.nodes: dict[str, dict[str, Node]] = {v: {} for v in VOCABULARIES}
        for node in nodes:
            self.nodes.setdefault(node.vocabulary, {})[node.id] = node
        self._phrases: dict[str, dict[tuple[str, ...], str]] = {}
        self._longest: dict[str, int] = {}
        self._opens: dict[str, dict[str, tuple[int, ...]]] = {}
        self._cased: dict[str, dict[str, str]] = {}
        for vocab, table in self.nodes.items():
            self._cased[vocab] = {f: n.id for n in table.values() for f in n.cased}
            phrases: dict[tuple[str, ...], str] = {}
            for node in table.values():
                # A purpose's id ("service") is too common a word to match as itself.
                own = () if vocab == "purposes" else (node.id.replace("_", " "),)
                for form in (*own, *node.surface):
                    key = tuple(t.lemma for t in tokenize(form))
                    phrases.setdefault(key, node.id)
            self._phrases[vocab] = phrases
            self._longest[vocab] = max((len(k) for k in phrases), default=0)
            # first lemma -> the lengths of the phrases it opens, longest first: most tokens
            # open none and are passed over with one lookup
            lengths: dict[str, set[int]] = {}
            for key in phrases:
                if key:
                    lengths.setdefault(key[0], set()).add(len(key))
            self._opens[vocab] = {w: tuple(sorted(n, reverse=True)) for w, n in lengths.items()}
        # Node vectors per vocabulary, with the encode function that made them: the ontology is
        # shared (loaded once per file), and another encoder's vectors must not be reused.
        self._vectors: dict[str, tuple[Callable[..., np.ndarray], list[str], np.ndarray]] = {}

    # -- the trees -------------------------------------------------------------------------
    def vocabulary_of(self, node_id: str) -> str | None:
        """The vocabulary holding ``node_id`` (the first one when several do)."""
        return next((v for v, table in self.nodes.items() if node_id in table), None)

    def ancestors(self, node_id: str, vocabulary: str | None = None) -> list[str]:
        """``node_id`` and its ancestors up to the root, nearest first."""
        vocab = vocabulary or self.vocabulary_of(node_id)
        table = self.nodes.get(vocab or "", {})
        chain: list[str] = []
        current: str | None = node_id
        while current is not None and current in table and current not in chain:
            chain.append(current)
            current = table[current].parent
        return chain

    def is_a(self, child: str | None, ancestor: str, vocabulary: str | None = None) -> bool:
        """Whether ``child`` is ``ancestor`` or one of its descendants."""
        return child is not None and ancestor in self.ancestors(child, vocabulary)

    def descendants(self, node_id: str, vocabulary: str | None = None) -> set[str]:
        """``node_id`` and every node below it."""
        vocab = vocabulary or self.vocabulary_of(node_id)
        table = self.nodes.get(vocab or "", {})
        return {n for n in table if node_id in self.ancestors(n, vocab)}

    # -- naming phrases --------------------------------------------------------------------
    def match_tokens(self, tokens: Sequence[Token], vocabulary: str) -> list[tuple[int, int, str]]:
        """Longest exact surface matches as ``(first token, last token + 1, node id)``; a
        possessive names what its noun names ("your child's photo": a child)."""
        phrases = self._phrases[vocabulary]
        opens = self._opens[vocabulary]
        cased = self._cased[vocabulary]
        found: list[tuple[int, int, str]] = []
        i = 0
        lemmas = [match_lemma(t) for t in tokens]
        size = len(tokens)
        while i < size:
            for n in opens.get(lemmas[i], ()):
                if n > size - i:
                    continue
                node = phrases.get(tuple(lemmas[i : i + n]))
                if node is not None:
                    found.append((i, i + n, node))
                    i += n
                    break
            else:
                if tokens[i].text in cased and not _in_capitals(tokens, i):
                    found.append((i, i + 1, cased[tokens[i].text]))
                i += 1
        return found

    def match(self, text: str, vocabulary: str) -> list[Span]:
        """Every exact surface match of ``vocabulary`` in ``text``, as spans with their ids."""
        return self.match_in(text, tokenize(text), vocabulary)

    def match_in(self, text: str, tokens: Sequence[Token], vocabulary: str) -> list[Span]:
        """``match`` over tokens already cut from ``text`` (their offsets index ``text``): the
        caller that reads several vocabularies in one piece tokenises it once."""
        return [
            Span(text[tokens[a].start : tokens[b - 1].end], tokens[a].start, tokens[b - 1].end, nid)
            for a, b, nid in self.match_tokens(tokens, vocabulary)
        ]

    def lookup(self, phrase: str, vocabulary: str) -> str | None:
        """The node whose surface form is ``phrase`` exactly, else the one inside it at its head.

        A phrase such as "your precise location data" names ``precise_location``: the rightmost
        match (English heads come last) wins.
        """
        tokens = tokenize(phrase)
        whole = self._phrases[vocabulary].get(tuple(t.lemma for t in tokens))
        if whole is not None:
            return whole
        found = self.match_tokens(tokens, vocabulary)
        if not found:
            return None
        return max(found, key=lambda m: (m[1], m[1] - m[0]))[2]

    def nearest(
        self,
        phrases: Sequence[str],
        vocabulary: str,
        encode: Callable[[list[str]], np.ndarray],
        threshold: float,
    ) -> list[tuple[str | None, float]]:
        """The most similar node of each phrase by cosine of vectors, when >= ``threshold``."""
        if not phrases:
            return []
        cached = self._vectors.get(vocabulary)
        if cached is None or cached[0] is not encode:
            ids, forms = [], []
            for node in self.nodes[vocabulary].values():
                for form in (node.id.replace("_", " "), *node.surface):
                    ids.append(node.id)
                    forms.append(form)
            self._vectors[vocabulary] = (encode, ids, np.asarray(encode(forms), dtype=np.float32))
        _, ids, matrix = self._vectors[vocabulary]
        sims = np.asarray(encode(list(phrases)), dtype=np.float32) @ matrix.T
        best = sims.argmax(axis=1)
        return [
            (ids[b] if sims[r, b] >= threshold else None, float(sims[r, b]))
            for r, b in enumerate(best)
        ]


def _in_capitals(tokens: Sequence[Token], i: int) -> bool:
    """Whether a word next to ``tokens[i]`` is in capitals too, as in a heading ("HOW TO CONTACT
    US"); a short abbreviation ("US-EU") is not."""
    near = (tokens[j].text for j in (i - 1, i + 1) if 0 <= j < len(tokens))
    return any(w.isalpha() and w.isupper() and len(w) > 2 for w in near)


def cased_regex(form: str) -> str:
    """A regular expression for a form in capitals in running text, with the rule of
    :func:`_in_capitals` (no word of three capitals just before or after it)."""
    return rf"(?-i:(?<![A-Z]{{3}}\s){re.escape(form)}(?!\s[A-Z]{{3}}))"


def _node(n: dict, vocab: str) -> Node:
    forms = n.get("surface", ())
    return Node(n["id"], n.get("parent"), tuple(f for f in forms if not f.startswith("=")), vocab,
                tuple(f[1:] for f in forms if f.startswith("=")))


@functools.lru_cache(maxsize=4)
def _load(path: str) -> Ontology:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    nodes = [_node(n, vocab) for vocab in VOCABULARIES for n in data.get(vocab, [])]
    return Ontology(nodes, version=str(data.get("version", "")))


def load_ontology(path: Path | None = None) -> Ontology:
    """The ontology in ``path`` (default: the bundled ``nlp/data/ontology.json``), loaded once."""
    return _load(str(path or DEFAULT_ONTOLOGY))


def surface_lemmas(text: str) -> tuple[str, ...]:
    """The lemma key a surface form is matched by."""
    return tuple(lemma(t.text) for t in tokenize(text))
