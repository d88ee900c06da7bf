"""The question patterns: spaCy ``SpanRuler``-style ``{label, pattern, id}`` entries read from JSON.

The data lives in ``nlp/data/question_patterns.json`` (versioned). A pattern is a list of
phrases; a phrase is matched token by token on lower-cased, singularised words (the practices
stage's tokens), a token may list alternatives with ``/`` and ``*`` matches any one word. The same
file holds the small tables the reader and the decision use (auxiliaries and question words,
which practices entail which, the focus evidence of information questions).

>>> rules = load_question_patterns()
>>> found = rules.match(tokens_of("Do you sell my pics?"))
>>> sorted({(m.label, m.id) for m in found if m.label != "FILLER"})
[('DATA_TYPE', 'photos'), ('FIRST_PARTY', 'first_party'), ('PRACTICE', 'sell')]
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.config import PACKAGE_DIR
from nlp.practices.tokens import Token, lemma, tokenize

__all__ = [
    "PATTERNS_FILE",
    "PatternMatch",
    "QuestionPatterns",
    "Topic",
    "load_question_patterns",
    "tokens_of",
]

PATTERNS_FILE = PACKAGE_DIR / "data" / "question_patterns.json"
_FORMAT, _VERSION = "policylens-question-patterns", 1
# Possessives ("imgur's", "kid's") are read as their noun: the name, not a new word.
_POSSESSIVE = re.compile(r"(?i)(\w)['’]s\b")


def _alt(word: str) -> str:
    """A pattern token's alternative as compared: its lemma, or ``=WORD`` (capitals, as written)."""
    if len(word) >= 2 and word.replace(".", "").isupper():
        return "=" + word
    return lemma(word)


def tokens_of(text: str) -> list[Token]:
    """The question's tokens, possessive ``'s`` dropped (offsets into ``text`` still hold)."""
    out = []
    for t in tokenize(text):
        if t.text in {"'s", "’s"}:
            continue
        word = _POSSESSIVE.sub(r"\1", t.text) if t.text.lower() not in _KEEP_APOSTROPHE else t.text
        out.append(Token(t.text, t.start, t.end, lemma(word)))
    return out


# Contractions whose apostrophe is part of the word the patterns list ("what's" asks "what").
_KEEP_APOSTROPHE = frozenset({"what's", "where's", "who's", "how's", "it's", "that's", "there's"})


@dataclass(frozen=True, slots=True)
class PatternMatch:
    """One pattern found in a question: tokens ``[first, last)``, its label and id."""

    label: str
    id: str
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class Topic:
    """A kind of question answered from the wording of the clause that treats it.

    ``rules`` are ``(pattern, verdict, reason)``, read in order; a ``None`` pattern compares ages.
    ``asked_with_age``: words that ask the topic when the question states an age;
    ``by_rule``: the rules are read in order over all the clauses, not clause by clause;
    ``permission``: ``(pattern, verdict, reason, says)``, the wording by which a clause lets a
    parent lift its age limit, and what the answer then opens with.
    """

    id: str
    evidence: re.Pattern[str]
    rules: tuple[tuple[re.Pattern[str] | None, str, str], ...]
    absent: tuple[str, str] | None = None
    asked_with_age: tuple[str, ...] = ()
    by_rule: bool = False
    permission: tuple[re.Pattern[str], str, str, str] | None = None


class QuestionPatterns:
    """The compiled pattern entries and the reader's tables of one data file."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        # By first token lemma: (phrase as tuple of alternative sets, label, id), longest first.
        self._by_first: dict[str, list[tuple[tuple[frozenset[str], ...], str, str]]] = {}
        self._wild_first: list[tuple[tuple[frozenset[str], ...], str, str]] = []
        for entry in doc["patterns"]:
            phrases = entry["pattern"]
            for phrase in [phrases] if isinstance(phrases, str) else phrases:
                seq = tuple(frozenset(_alt(a) for a in tok.split("/")) for tok in phrase.split())
                if not seq:
                    continue
                item = (seq, entry["label"], entry["id"])
                if "*" in seq[0]:
                    self._wild_first.append(item)
                for first in seq[0]:
                    self._by_first.setdefault(first.lstrip("="), []).append(item)
        self.aux = frozenset(doc["aux"])
        self.wh = frozenset(doc["wh"])
        self.tell_verbs = frozenset(doc["tell_verbs"])
        self.subordinators = frozenset(doc["subordinators"])
        self.discourse = frozenset(doc["discourse"])
        self.prepositions = frozenset(doc["prepositions"])
        self.holders = frozenset(doc.get("holders", ()))
        self.holder_types = frozenset(doc.get("holder_types", ()))
        self.anaphora = re.compile(doc["anaphora"], re.IGNORECASE)
        self.data_anaphora = re.compile(doc.get("data_anaphora", "(?!)"), re.IGNORECASE)
        # Cues that keep a clause's wording alone from answering yes (a denial, a condition).
        self.wording_guard = re.compile(doc["wording_guard"], re.IGNORECASE)
        self.wording_nouns = frozenset(doc.get("wording_nouns", ()))
        # Words that make a condition a refusal ("if I turn off location"), so that two
        # conditions on the same thing are the same only when both refuse or neither does.
        self.refusal_cues = re.compile(doc["refusal_cues"], re.IGNORECASE)
        self.user_subjects = frozenset(lemma(w) for w in doc["user_subjects"])
        self.company_nouns = frozenset(lemma(w) for w in doc.get("company_nouns", ()))
        self.verb_objects = frozenset(doc.get("verb_objects", ()))
        self.referring_subjects = frozenset(doc.get("referring_subjects", ()))
        self.not_names = frozenset(doc["not_names"])
        self.query_terms: dict[str, str] = dict(doc["query_terms"])
        self.negligible_conditions = re.compile(doc["negligible_conditions"], re.IGNORECASE)
        # How a condition listing exceptions opens ("except with our service providers").
        self.listed_exceptions = re.compile(doc["listed_exceptions"], re.IGNORECASE)
        self.practice_excludes: dict[str, dict[str, frozenset[str]]] = {
            p: {slot: frozenset(ids) for slot, ids in ex.items()}
            for p, ex in doc["practice_excludes"].items()
        }
        # What a notification is about: a question about being told of one of these events is
        # answered only by a clause that names the same one.
        self.notice_events: dict[str, re.Pattern[str]] = {
            k: re.compile(v, re.IGNORECASE) for k, v in doc["notice_events"].items()
        }
        self.implies: dict[str, frozenset[str]] = {
            k: frozenset(v) for k, v in doc["practice_implies"].items()
        }
        self.opposes: dict[str, frozenset[str]] = {
            k: frozenset(v) for k, v in doc["practice_opposes"].items()
        }
        self.third_party_practices: dict[str, frozenset[str]] = {
            k: frozenset(v) for k, v in doc.get("third_party_practices", {}).items()
        }
        self.places_make_transfer = frozenset(doc["places_make_transfer"])
        self.recipient_object: dict[str, str] = dict(doc.get("recipient_object", {}))
        self.place_scopes: dict[str, str] = {
            k: v["excludes"] for k, v in doc["place_scopes"].items()
        }
        self.scope_names: dict[str, str] = {k: v["says"] for k, v in doc["place_scopes"].items()}
        self.topics: dict[str, Topic] = {
            tid: Topic(
                tid,
                re.compile(t["evidence"], re.IGNORECASE),
                tuple(
                    (re.compile(r["when"], re.IGNORECASE) if r["when"] != "AGE" else None,
                     r["verdict"], r["reason"])
                    for r in t["rules"]
                ),
                (t["absent"]["verdict"], t["absent"]["reason"]) if "absent" in t else None,
                tuple(t.get("asked_with_age", ())),
                bool(t.get("by_rule", False)),
                (
                    re.compile(t["permission"]["when"], re.IGNORECASE),
                    t["permission"]["verdict"], t["permission"]["reason"], t["permission"]["says"],
                ) if "permission" in t else None,
            )
            for tid, t in doc["topics"].items()
        }
        ages = doc["age_patterns"]
        self.policy_age = re.compile(ages["policy"], re.IGNORECASE)
        self.question_age = re.compile(ages["question"], re.IGNORECASE)
        self.default_age = int(ages["no_age_default"])
        self.generic_focus: str = doc.get("generic_focus", "method")
        self.focus_evidence: dict[str, re.Pattern[str]] = {
            k: re.compile(v, re.IGNORECASE) for k, v in doc["focus_evidence"].items()
        }
        self.focus_concrete: dict[str, re.Pattern[str]] = {
            k: re.compile(v, re.IGNORECASE) for k, v in doc.get("focus_concrete", {}).items()
        }

    def match(self, tokens: Sequence[Token]) -> list[PatternMatch]:
        """Every pattern occurrence (overlaps kept: the reader decides which reading wins)."""
        lemmas = [t.lemma for t in tokens]
        exact = ["=" + t.text for t in tokens]
        found: list[PatternMatch] = []
        for i, first in enumerate(lemmas):
            cands = self._by_first.get(first, [])
            if tokens[i].text != first:
                cands = cands + self._by_first.get(tokens[i].text, [])
            for seq, label, nid in cands:
                n = len(seq)
                if i + n > len(lemmas):
                    continue
                if all(
                    "*" in alts or lemmas[i + j] in alts or exact[i + j] in alts
                    for j, alts in enumerate(seq)
                ):
                    found.append(PatternMatch(label, nid, i, i + n))
        return found


def read_patterns(path: Path) -> dict[str, Any]:
    """The parsed pattern file at ``path``, checked to be of the format this module reads."""
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("format") != _FORMAT or doc.get("version") != _VERSION:
        raise ValueError(f"{path} is not a {_FORMAT} file of version {_VERSION}")
    return doc


@functools.lru_cache(maxsize=4)
def _load(path: str) -> QuestionPatterns:
    return QuestionPatterns(read_patterns(Path(path)))


def load_question_patterns(path: Path | None = None) -> QuestionPatterns:
    """The patterns of ``path`` (default: the bundled file), read once."""
    return _load(str(path or PATTERNS_FILE))
