"""The cue tables of the practices stage (``nlp/data/practice_patterns.json``) and the exact rules.

Rules only where they are exact: practice verbs and their inflections, negation cues inside one
predication, condition phrases, durations ("30 days", "two years"), and which slot a list lead-in
hands to its items. Everything here reads tokens; nothing is learned.
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
from nlp.practices.scope import NegationScope
from nlp.practices.tokens import Token, tokenize
from nlp.types import Retention

__all__ = [
    "DEFAULT_PATTERNS", "Patterns", "VerbHit", "find_retention", "inflections", "load_patterns",
]

DEFAULT_PATTERNS = PACKAGE_DIR / "data" / "practice_patterns.json"

_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "eighteen": 18, "twenty": 20, "thirty": 30, "sixty": 60, "ninety": 90,
    "a": 1, "an": 1,
}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
_DURATION_RE = re.compile(
    r"\b(\d{1,4}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + r")"
    r"(?:\s*\(\d{1,4}\))?[\s-]+(day|week|month|year)s?\b",
    re.IGNORECASE,
)
_KIND_RES: list[tuple[str, re.Pattern[str]]] = [
    ("until_deleted", re.compile(
        r"until (?:you|your account|the account|such time as you)[^.;,]{0,40}"
        r"(?:delet|clos|terminat|cancel|remov|request)\w*", re.I)),
    ("indefinitely", re.compile(
        r"\b(?:indefinitely|permanently|forever|for an unlimited)\b", re.I)),
    ("as_long_as_needed", re.compile(
        r"\b(?:as long as|for as long as|so long as|only for as long as|for the period|no longer "
        r"than)\b[^.;]{0,60}?\b(?:necessary|needed|need|required|reasonabl\w*|active|"
        r"purpose\w*)\b", re.I)),
    ("legal_requirement", re.compile(
        r"\b(?:required|permitted|mandated) (?:or permitted |or required )?by (?:applicable )?"
        r"(?:law|laws|legislation|regulation)\b|\blegal (?:retention|obligation)\w*", re.I)),
]


def inflections(word: str) -> set[str]:
    """Regular inflections of an English verb (and its "-s" noun plural).

    >>> {"shares", "shared", "sharing"} <= inflections("share")
    True
    """
    forms = {word, word + "s", word + "es", word + "ed", word + "ing", word + "d"}
    if word.endswith("e"):
        forms |= {word[:-1] + "ing", word + "d"}
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    if re.search(r"[^aeiou][aeiou][bdgklmnprt]$", word):
        forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}
    irregular = {"sell": {"sold"}, "keep": {"kept"}, "hold": {"held"}, "give": {"given", "gave"},
                 "send": {"sent"}, "tell": {"told"}, "make": {"made", "making"},
                 "let": {"letting"}, "show": {"shown"}}
    return forms | irregular.get(word, set())


@dataclass(frozen=True, slots=True)
class VerbHit:
    """A practice cue in a token list: its practice, the tokens it covers, what it needs."""

    practice: str
    start: int
    end: int
    needs: str | None
    noun: bool


class Patterns:
    """The cue tables, compiled for token matching."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version = str(data.get("version", ""))
        self.verbs: list[tuple[tuple[frozenset[str], ...], str, str | None, bool]] = []
        for entry in data["practices"]:
            for verb in entry["verbs"]:
                words = [t.text.lower() for t in tokenize(verb)]
                # "removal", "disposal" are nouns; "reveal" is a verb.
                last = words[-1]
                noun = last.endswith(("ion", "ity")) or (
                    last.endswith("al") and not last.endswith("eal")) or words[0] == "sale"
                first = frozenset({words[0]}) if noun else frozenset(inflections(words[0]))
                key = (first, *(frozenset({w}) for w in words[1:]))
                self.verbs.append((key, entry["id"], entry.get("needs"), noun))
        self.verbs.sort(key=lambda v: -len(v[0]))
        # First word -> the entries it can open, longest first: a token is checked only against
        # the cues that start with it.
        self._by_first: dict[str, list[tuple[tuple[frozenset[str], ...], str, str | None, bool]]]
        self._by_first = {}
        for entry in self.verbs:
            for form in entry[0][0]:
                self._by_first.setdefault(form, []).append(entry)
        self.negation = frozenset(data["negation"])
        self.negation_exceptions = [tuple(p.split()) for p in data["negation_exceptions"]]
        self.conditions = sorted(
            (tuple(t.text.lower() for t in tokenize(c)) for c in data["conditions"]),
            key=len, reverse=True,
        )
        # first word -> the condition cues it opens, in the order above (longest first)
        self._conditions_by_first: dict[str, list[tuple[str, ...]]] = {}
        for cue in self.conditions:
            self._conditions_by_first.setdefault(cue[0], []).append(cue)
        self.breaks = list(data["clause_breaks"])
        self.lead_in_slots = [(e["slot"], tuple(e["cues"])) for e in data["lead_in_slots"]]
        self.noun_before = frozenset(data["noun_before"])
        self.gerund_after = frozenset(data.get("gerund_after", ()))
        self.modified_nouns = frozenset(data["modified_nouns"])
        self.skip_forms = frozenset(data.get("skip_forms", ()))
        self.non_data_objects = frozenset(data.get("non_data_objects", ()))
        frames = data.get("descriptive_frames", {})
        # first word -> the descriptive frames it opens ("describes" -> "describes how", ...)
        self._descriptive_by_first: dict[str, list[tuple[str, ...]]] = {}
        for verb in frames.get("verbs", ()):
            for then in frames.get("then", ()):
                frame = (*verb.split(), *then.split())
                self._descriptive_by_first.setdefault(frame[0], []).append(frame)
        self.document_nouns = frozenset(data.get("document_nouns", ()))
        self.nominal_predicates = [tuple(t.text.lower() for t in tokenize(c))
                                   for c in data.get("nominal_predicates", ())]
        self.fronted_conditions = [tuple(t.text.lower() for t in tokenize(c))
                                   for c in data.get("fronted_conditions", ())]
        # the words a fronted cue can open with (every word, when an empty cue is listed)
        self._fronted_first: frozenset[str] | None = (
            None if () in self.fronted_conditions
            else frozenset(c[0] for c in self.fronted_conditions))
        self.bare_conditions = frozenset(
            tuple(t.text.lower() for t in tokenize(c)) for c in data.get("bare_conditions", ()))
        self.user_right_cues = tuple(data["user_right_cues"])
        objects = data["notify_objects"]
        self.notify_skip = frozenset(objects["skip"])
        self.notify_objects = frozenset(objects["words"])
        self.first_party = frozenset(data["first_party_subjects"])
        self.subjectless_openers = frozenset(data.get("subjectless_openers", ()))
        self.ellipsis_denial = re.compile(data.get("ellipsis_denial", r"(?!)"), re.IGNORECASE)
        self.to_first_party: str | None = data.get("to_first_party")
        self.scope = NegationScope(data["scope"], self.negation, self.negation_exceptions)

    def verb_hits(self, tokens: list[Token]) -> list[VerbHit]:
        """Practice cues in ``tokens``, longest first, never overlapping; nouns after a determiner
        ("your use of", "the collection of") are not statements and are skipped, -ing forms after
        ``gerund_after`` words ("in the business of selling") are."""
        lowered = [t.text.lower().replace("’", "'") for t in tokens]
        hits: list[VerbHit] = []
        taken: set[int] = set()
        for i in range(len(tokens)):
            if i in taken or lowered[i] in self.skip_forms:
                continue
            for key, practice, needs, noun in self._by_first.get(lowered[i], ()):
                n = len(key)
                if i + n > len(tokens) or any(lowered[i + k] not in key[k] for k in range(n)):
                    continue
                prev = lowered[i - 1] if i else ""
                if n == 1 and not noun and prev in self.noun_before and not (
                    prev in self.gerund_after and lowered[i].endswith("ing")
                ):
                    continue
                nxt = lowered[i + n] if i + n < len(tokens) else ""
                if lowered[i].endswith(("ing", "ed")) and nxt in self.modified_nouns:
                    continue  # "tracking information", "anonymized data": a modifier
                if noun and not (practice in {"sell", "share"} or needs == "user_right"
                                 or self._nominal_subject(lowered, i + n)):
                    continue
                hits.append(VerbHit(practice, i, i + n, needs, noun))
                taken.update(range(i, i + n))
                break
        return hits

    def described_from(self, tokens: Sequence[Token]) -> int:
        """Where the first descriptive frame of ``tokens`` ends ("this policy describes how"):
        the cues after it say what the text is about, they state no practice (``len(tokens)``
        when there is none)."""
        lowered = [t.text.lower() for t in tokens]
        for i, word in enumerate(lowered):
            for frame in self._descriptive_by_first.get(word, ()):
                if tuple(lowered[i : i + len(frame)]) == frame:
                    return i + len(frame)
        return len(tokens)

    def _nominal_subject(self, lowered: list[str], j: int) -> bool:
        """Whether the noun cue ending at ``j`` heads the subject of a ``nominal_predicates``
        verb ("the collection of your location may occur ..."): it states the practice."""
        for k in range(j, min(len(lowered), j + self.scope.max_np)):
            if lowered[k] in self.scope.np_end:
                return False
            if any(tuple(lowered[k : k + len(p)]) == p for p in self.nominal_predicates):
                return True
        return False

    def negated(self, tokens: list[Token], before: int, since: int = 0) -> bool:
        """Whether a negation cue stands in ``tokens[since:before]`` (outside the exceptions)."""
        lowered = [t.text.lower().replace("’", "'") for t in tokens]
        for i in range(since, before):
            if lowered[i] in self.negation or lowered[i].endswith("n't") or lowered[i] == "cannot":
                if any(tuple(lowered[i : i + len(e)]) == e for e in self.negation_exceptions):
                    continue
                if any(tuple(lowered[max(0, i - 1) : i + len(e) - 1]) == e
                       for e in self.negation_exceptions):
                    continue
                return True
        return False

    def condition(self, tokens: list[Token], text: str, offset: int = 0) -> tuple[int, int] | None:
        """Span in ``text`` of the first condition phrase: its cue to the next comma or the end."""
        spans = self.condition_spans(tokens, first=True)
        if not spans:
            return None
        a, b = spans[0]
        return tokens[a].start - offset, tokens[b - 1].end - offset

    def is_event(self, tokens: list[Token], span: tuple[int, int]) -> bool:
        """Whether the condition at ``span`` opens with a fronted cue ("When you sign up, ..."):
        its own verbs still state what happens."""
        low = tuple(t.text.lower() for t in tokens[span[0] : span[1]])
        return any(low[: len(c)] == c for c in self.fronted_conditions)

    def condition_spans(self, tokens: list[Token], first: bool = False) -> list[tuple[int, int]]:
        """Token ranges of the condition phrases: each cue to the next comma, a new subject or
        the end (a bare cue is the whole condition)."""
        lowered = [t.text.lower() for t in tokens]
        out: list[tuple[int, int]] = []
        i = 0
        while i < len(tokens):
            cue = next((c for c in self._conditions_by_first.get(lowered[i], ())
                        if tuple(lowered[i : i + len(c)]) == c), None)
            fronts = self._fronted_first is None or lowered[i] in self._fronted_first
            if cue is None and fronts and all(t.text in {",", "(", "-"} or lowered[k] in {
                    "and", "but", "or"} for k, t in enumerate(tokens[:i])):
                cue = next((c for c in self.fronted_conditions
                            if tuple(lowered[i : i + len(c)]) == c), None)
            if cue is None:
                i += 1
                continue
            stop = len(tokens)
            if cue in self.bare_conditions:
                stop = i + len(cue)
            else:
                depth = 0  # a parenthesis inside the condition is part of it
                for j in range(i + len(cue), len(tokens)):
                    depth += (tokens[j].text == "(") - (tokens[j].text == ")")
                    if depth > 0:
                        continue
                    if tokens[j].text in {",", ";", ":", "."} or (
                        j > i + len(cue) + 1 and (lowered[j] in {"we", "then"} or (
                            lowered[j] == "you" and tokens[j - 1].text == ","))):
                        stop = j
                        break
            out.append((i, stop))
            if first:
                break
            i = max(stop, i + 1)
        return out

    def lead_in_slot(self, lead_in: str) -> str:
        """Which slot a list lead-in hands to its items (``data_types`` when no cue says)."""
        low = lead_in.lower()
        for slot, cues in self.lead_in_slots:
            if any(c in low for c in cues):
                return slot
        return "data_types"


@functools.lru_cache(maxsize=4)
def _load(path: str) -> Patterns:
    return Patterns(json.loads(Path(path).read_text(encoding="utf-8")))


def load_patterns(path: Path | None = None) -> Patterns:
    """The cue tables in ``path`` (default: the bundled ``nlp/data/practice_patterns.json``)."""
    return _load(str(path or DEFAULT_PATTERNS))


def find_retention(text: str) -> Retention | None:
    """The retention period ``text`` states, as a duration in days or one of the kinds.

    >>> find_retention("Logs are deleted after two years.")
    Retention(text='two years', kind='duration', days=730, start=23, end=32)
    >>> find_retention("We keep it as long as necessary to provide the service.").kind
    'as_long_as_needed'
    """
    m = _DURATION_RE.search(text)
    if m:
        raw = m.group(1).lower()
        number = int(raw) if raw.isdigit() else _NUMBERS[raw]
        days = number * _UNIT_DAYS[m.group(2).lower()]
        return Retention(m.group(0), "duration", days, m.start(), m.end())
    for kind, pattern in _KIND_RES:
        m = pattern.search(text)
        if m:
            return Retention(m.group(0), kind, None, m.start(), m.end())  # type: ignore[arg-type]
    return None
