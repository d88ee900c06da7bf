"""The decision of a yes/no question: how a statement matches the frame, and the verdict table.

A statement *reads* on a question when its practice answers the practice asked about (the same
practice, one that entails it when affirmed, one it entails when denied, or its opposite), and
each slot of the question is matched: ``exact`` (the statement names the value, a narrower one, or
leaves the slot open while its clause names the value), ``general`` (only a broader value covers
it: "personal information" for "health data", "outside the EEA" for Brazil) or ``other`` (the
statement is about something else: then it does not read at all). The verdict follows from the
table in ``nlp/data/verdict_table.json`` (match x polarity x condition -> verdict + reason code),
so each decision is a row a test can point at, not a branch in code. When the readings of the
retrieved clauses disagree, the table's ``precedence`` rows say which one decides before
retrieval rank does (a denial of the very practice and thing asked over an affirmation of a
related practice or of a broader thing; a denial under the question's own condition over any
other), see :meth:`VerdictTable.choose`.

>>> table = load_verdict_table()
>>> row = table.decide("general", "affirmed", False)
>>> row.verdict, row.reason
('not_stated', 'not_named_general')
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from nlp.answer.patterns import QuestionPatterns, tokens_of
from nlp.answer.reader import SLOT_LABELS, Question, Slot
from nlp.config import PACKAGE_DIR
from nlp.practices import HANDING_OVER, Ontology
from nlp.practices.ontology import cased_regex
from nlp.practices.tokens import tokenize
from nlp.types import Clause, Span, Statement

__all__ = [
    "MATCH_LEVELS",
    "TABLE_FILE",
    "Matcher",
    "Precedence",
    "Reading",
    "Row",
    "VerdictTable",
    "load_verdict_table",
]

TABLE_FILE = PACKAGE_DIR / "data" / "verdict_table.json"
_FORMAT, _VERSION = "policylens-verdict-table", 1
MATCH_LEVELS = ("exact", "similar", "general_named", "general", "wording", "none")
# Levels of one slot, best first.
_SLOT_ORDER = ("exact", "similar", "general", "open", "other")
# Longer free-text phrases are clause fragments the extractor kept whole, not names of a thing.
_FREE_WORDS = 6
# Surface forms of the question slot's node compared beside its own phrase.
_SURFACE_FORMS = 4
# Clause ids are content hashes, so what a clause names can be remembered across questions.
_MEMO = 200_000

_K = TypeVar("_K")
_V = TypeVar("_V")


def _remember(memo: dict[_K, _V], key: _K, compute: Callable[[], _V]) -> _V:
    """``memo[key]``, computed once; the memo is emptied when it grows past ``_MEMO`` entries."""
    found = memo.get(key)
    if found is None:
        if len(memo) > _MEMO:
            memo.clear()
        found = memo[key] = compute()
    return found
# Words of a slot phrase that say nothing of what it names ("my", "the").
_EMPTY = frozenset(
    {"my", "your", "our", "the", "a", "an", "their", "his", "her", "of", "any", "all", "some", "me"}
)
# Words of a condition that say nothing of what it is about.
_CONDITION_WORDS = _EMPTY | frozenset(
    {"if", "when", "whenever", "once", "after", "before", "unless", "i", "you", "we", "us", "it",
     "they", "do", "does", "did", "be", "is", "are", "have", "has", "to", "for", "with", "on",
     "in", "no", "not", "still", "ever", "use", "using"}
)


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the verdict table; ``condition`` is ``None`` where the row takes either."""

    match: str
    polarity: str
    condition: bool | None
    verdict: str
    reason: str


@dataclass(frozen=True, slots=True)
class Precedence:
    """A rule of which reading decides when the readings of the retrieved clauses disagree:
    when the reading ranked first fits ``over`` and another fits ``prefer``, the best of those
    that fit ``prefer`` decides instead, whatever retrieval ranked first.

    Each side constrains ``polarity`` (``affirmed``/``denied``), ``match`` (levels), ``practice``
    (``same``: the statement's practice is the one asked about; ``related``: a practice that
    implies or opposes it; ``none``: the question asks about no practice), ``names_asked`` (the
    question names something in particular, and the statement covers it) and ``own_condition``
    (the statement's condition is the question's).
    An absent key takes anything.
    """

    prefer: dict[str, Any]
    over: dict[str, Any]
    reason: str

    @staticmethod
    def _fits(side: dict[str, Any], reading: Reading, own_condition: bool) -> bool:
        if "polarity" in side and reading.polarity != side["polarity"]:
            return False
        if "match" in side and reading.match not in side["match"]:
            return False
        if "practice" in side and reading.practice_fit != side["practice"]:
            return False
        if "names_asked" in side and reading.names_asked != bool(side["names_asked"]):
            return False
        return "own_condition" not in side or own_condition == bool(side["own_condition"])

    def prefers(self, reading: Reading, own_condition: bool) -> bool:
        return self._fits(self.prefer, reading, own_condition)

    def overrides(self, reading: Reading, own_condition: bool) -> bool:
        return self._fits(self.over, reading, own_condition)


class VerdictTable:
    """The rows of the decision, read in order; the first that fits decides. ``precedence``
    says which reading decides when they disagree (see :meth:`choose`)."""

    def __init__(self, rows: Sequence[Row], precedence: Sequence[Precedence] = ()) -> None:
        self.rows = tuple(rows)
        self.precedence = tuple(precedence)

    def choose(
        self, ranked: Sequence[Reading], own_condition: Callable[[Reading], bool]
    ) -> tuple[Reading, Precedence | None]:
        """The reading that decides among ``ranked`` (best first by retrieval and match), and
        the precedence rule that chose it over the first (``None`` when the first decides).

        The rules are read in order; the first whose ``over`` fits the first reading and whose
        ``prefer`` fits another picks the first of those others."""
        if not ranked:
            raise ValueError("no reading to choose from")
        top = ranked[0]
        own_top = own_condition(top)
        for rule in self.precedence:
            if not rule.overrides(top, own_top):
                continue
            for other in ranked[1:]:
                if rule.prefers(other, own_condition(other)):
                    return other, rule
        return top, None

    def decide(self, match: str, polarity: str, condition: bool) -> Row:
        for row in self.rows:
            if row.match not in ("*", match):
                continue
            if row.polarity not in ("*", polarity):
                continue
            if row.condition is not None and row.condition != condition:
                continue
            return row
        raise LookupError(f"no verdict row for {match}/{polarity}/{condition}")


def _row(d: dict[str, Any]) -> Row:
    cond = d["condition"]
    return Row(d["match"], d["polarity"], None if cond == "*" else bool(cond), d["verdict"],
               d["reason"])


@functools.lru_cache(maxsize=4)
def _load_table(path: str) -> VerdictTable:
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if doc.get("format") != _FORMAT or doc.get("version") != _VERSION:
        raise ValueError(f"{path} is not a {_FORMAT} file of version {_VERSION}")
    precedence = [
        Precedence(dict(p["prefer"]), dict(p["over"]), p["reason"])
        for p in doc.get("precedence", ())
    ]
    return VerdictTable([_row(r) for r in doc["rows"]], precedence)


def load_verdict_table(path: Path | None = None) -> VerdictTable:
    """The verdict table of ``path`` (default: the bundled ``nlp/data/verdict_table.json``)."""
    return _load_table(str(path or TABLE_FILE))


@dataclass(frozen=True, slots=True)
class Reading:
    """How one statement of a retrieved clause reads on the question."""

    hit: int  # index of the clause's hit among those considered
    statement: Statement
    match: str  # "exact", "general_named" or "general"
    polarity: str  # "affirmed" or "denied", towards the question
    condition: str  # the statement's condition ("" when none)
    general: tuple[Slot, ...] = ()  # the slots only a broader value covers
    similar: tuple[Slot, ...] = ()  # the slots matched by closeness in meaning only
    # "same": the statement's practice is the one asked about; "related": one that implies it
    # when affirmed ("we collect your number" for "do you keep it?"), or is implied or opposed.
    # "none" when the question asks about no practice.
    practice_fit: str = "same"
    # The question names something in particular (not just "my data") that the statement covers.
    names_asked: bool = False


_JOINERS = re.compile(r"(?i)(?:^|[\s,/&])(?:or|and|nor|,|/|&)(?:$|[\s,/&])|,")


def _coordinated(text: str, slots: Sequence[Slot]) -> bool:
    """Whether the question names ``slots`` as alternatives or a list ("X or Y", "X, Y and Z"):
    a coordinator stands between each one and the next."""
    if len(slots) < 2:
        return True
    low = text.lower()
    places = sorted((low.find(s.text.lower()), len(s.text)) for s in slots)
    if any(p < 0 for p, _n in places):
        return True  # where the words are is unknown: read them as alternatives, as before
    return all(
        _JOINERS.search(low[a + n : b]) is not None
        for (a, n), (b, _m) in zip(places, places[1:], strict=False)
    )


class Matcher:
    """Reads statements against a question frame with the ontology and the pattern tables."""

    def __init__(self, rules: QuestionPatterns, ontology: Ontology) -> None:
        self.rules = rules
        self.onto = ontology
        self._regex: dict[tuple[str, str, str], re.Pattern[str]] = {}
        self._any: dict[tuple[str, str], bool] = {}
        self._free: dict[tuple[str, str, str], bool] = {}
        self._events: dict[str, frozenset[str]] = {}
        self._named_before: dict[str, tuple[tuple[Span, ...], tuple[Span, ...]]] = {}

    # -- naming ----------------------------------------------------------------------------
    def names_pattern(self, slot: Slot) -> re.Pattern[str]:
        """The words that name ``slot``'s value or a narrower one in policy text."""
        key = (slot.vocabulary, slot.id, slot.text)
        pat = self._regex.get(key)
        if pat is None:
            table = self.onto.nodes.get(slot.vocabulary, {})
            forms: set[str] = set()
            capitals: set[str] = set()  # forms matched in capitals only ("US")
            for nid in self.onto.descendants(slot.id, slot.vocabulary) or {slot.id}:
                node = table.get(nid)
                if node is not None:
                    forms.update(node.surface)
                    capitals.update(node.cased)
                    if slot.vocabulary != "purposes":
                        forms.add(nid.replace("_", " "))
            own = [w for w in slot.text.split() if w.lower() not in _EMPTY]
            # An abbreviation ("the US", "the us") names it in capitals only: in any case "us"
            # is a pronoun ("contact us").
            exact = [own[0].upper()] if len(own) == 1 and own[0].isalpha() and (
                (own[0].isupper() and len(own[0]) <= 4) or own[0].lower() == "us") else []
            own = [] if exact else [w.lower() for w in own]
            if own:
                forms.add(" ".join(own))
            alts = sorted(
                (r"[\s-]+".join(re.escape(w) for w in f.split()) for f in forms if f.strip()),
                key=len,
                reverse=True,
            ) + [f"(?-i:{re.escape(w)})" for w in exact] + [
                cased_regex(f) for f in sorted(capitals)]
            pat = re.compile(r"(?i)\b(?:" + "|".join(alts) + r")(?:s|es)?\b")
            self._regex[key] = pat
        return pat

    def names_any(self, clause: Clause, vocabulary: str) -> bool:
        """Whether the clause names anything of ``vocabulary``, by the ontology or by the
        patterns questions are read with ("your covered information"), remembered by clause id."""
        def names() -> bool:
            return bool(self.onto.match(clause.text, vocabulary)) or any(
                SLOT_LABELS.get(m.label) == vocabulary
                for m in self.rules.match(tokens_of(clause.text))
            )

        return _remember(self._any, (clause.id, vocabulary), names)

    def clause_names(self, clause: Clause, slot: Slot) -> bool:
        """Whether the clause itself (or its list's lead-in; never its heading) names ``slot``."""
        pat = self.names_pattern(slot)
        return bool(pat.search(clause.text) or (clause.context and pat.search(clause.context)))

    def free_phrase(self, span: Span, slot: Slot) -> bool:
        """Whether ``span`` may match ``slot`` by closeness in meaning: the ontology gives it no
        id and names nothing in it that differs from the slot's value (a phrase naming another
        country or data type is that other thing, however close its vector)."""
        if span.id is not None or not 0 < len(span.text.split()) <= _FREE_WORDS:
            return False
        return _remember(self._free, (span.text, slot.vocabulary, slot.id), lambda: all(
            self.onto.is_a(m.id, slot.id, slot.vocabulary)
            or self.onto.is_a(slot.id, m.id, slot.vocabulary)
            for m in self.onto.match(span.text, slot.vocabulary)
            if m.id is not None
        ))

    def slot_phrases(self, slot: Slot) -> list[str]:
        """What a slot is compared by: its words in the question and its node's surface forms."""
        node = self.onto.nodes.get(slot.vocabulary, {}).get(slot.id)
        forms = list(node.surface[:_SURFACE_FORMS]) if node is not None else []
        return list(dict.fromkeys([slot.text, *forms]))

    def same_condition(self, asked: str, stated: str) -> bool:
        """Whether a statement's condition is the question's own ("if I turn off location" and
        "if you decline permission to collect your geolocation"): both refuse or neither does,
        and they name the same thing (a word, or related nodes of one vocabulary)."""
        if not asked or not stated:
            return False
        cues = self.rules.refusal_cues
        if bool(cues.search(asked)) != bool(cues.search(stated)):
            return False
        words = [{t.lemma for t in tokenize(x) if t.lemma.isalpha()} - _CONDITION_WORDS
                 for x in (asked, stated)]
        if words[0] & words[1]:
            return True
        return any(
            self.onto.is_a(a.id, b.id, vocab) or self.onto.is_a(b.id, a.id, vocab)
            for vocab in ("data_types", "recipients", "purposes")
            for a in self.onto.match(asked, vocab)
            for b in self.onto.match(stated, vocab)
            if a.id and b.id and not self.is_root(vocab, a.id) and not self.is_root(vocab, b.id)
        )

    def events(self, text: str, key: str | None = None) -> frozenset[str]:
        """The notice events (``notice_events``) that ``text`` names, remembered by ``key``
        (default: the text itself): a question's statements and clauses ask again and again."""
        return _remember(self._events, text if key is None else key, lambda: frozenset(
            k for k, pat in self.rules.notice_events.items() if pat.search(text)
        ))

    def with_antecedent_data(
        self, st: Statement, clause: Clause, previous: Clause | None
    ) -> Statement:
        """``st`` with the data types of ``previous``, and its audience when ``st`` names none,
        when ``st`` names no data type and its clause refers back to data (``data_anaphora``:
        "these data attributes ... cannot be accessed by us" after "the games may capture your
        child's name and photograph")."""
        if st.data_types or previous is None or not self.rules.data_anaphora.search(clause.text):
            return st
        # read once per clause: every statement of the clause, and both reading passes, ask
        found, audience = _remember(self._named_before, previous.id, lambda: (
            tuple(self.onto.match(previous.text, "data_types")),
            tuple(self.onto.match(previous.text, "audience")),
        ))
        if not found:
            return st
        return replace(st, data_types=found, audience=st.audience or audience)

    def same_event(self, question: str, clause: Clause, previous: Clause | None = None) -> bool:
        """Whether ``clause`` is about the event the question asks to be told of: the question
        names none, or the clause (its text, its list's lead-in, its section's headings; read
        once per clause id) names the same one; a clause that names no event at all ("we will
        notify you by email") is read with ``previous``, the clause before it in its section.
        A notice of another event ("we will notify you of changes to this policy" for a breach),
        or of none ("we will notify you when someone messages you"), is not."""
        asked = self.events(question)
        if not asked:
            return True
        where = " ".join((clause.text, clause.context, *clause.section))
        named = self.events(where, key=f"\0clause\0{clause.id}")
        if not named and previous is not None:
            named = self.events(previous.text, key=f"\0clause\0{previous.id}\0text")
        return bool(asked & named)

    # -- practice --------------------------------------------------------------------------
    def practice_of(self, asked: str, st: Statement) -> str:
        """The statement's practice as the question reads it (a sharing that names places is a
        transfer abroad for a question about one; what a third party collects or tracks itself is
        what the company shares with it)."""
        if st.actor not in ("first_party", "user", "") and st.practice in \
                self.rules.third_party_practices.get(asked, ()):
            return asked
        moves = st.practice in self.rules.places_make_transfer
        if asked == "transfer_abroad" and st.places and moves:
            return "transfer_abroad"
        return st.practice

    def polarity(self, asked: str | None, st: Statement) -> str | None:
        """``affirmed``/``denied`` when ``st`` answers the practice ``asked``, else ``None``."""
        denied = st.polarity == "denied" or (st.polarity == "conditional" and st.negated)
        practice = st.practice
        if asked is None:
            return "denied" if denied else "affirmed"
        implies = self.rules.implies
        practice = self.practice_of(asked, st)
        if practice in self.rules.opposes.get(asked, ()):
            return None if denied else "denied"
        if denied:
            # Of the broader practices, only "we do not collect" is read as denying the narrower
            # ones: denials of sharing are too often scoped in ways statements do not carry.
            # "We do not collect it except to run the site" permits collection, not a sale: the
            # exception of a broader denial says nothing of the narrower practice.
            broader = (
                practice in implies.get(asked, ()) and practice == "collect"
                and st.polarity != "conditional"
            )
            return "denied" if practice == asked or broader else None
        return "affirmed" if practice == asked or asked in implies.get(practice, ()) else None

    def exception_owner(self, st: Statement, siblings: Sequence[Statement]) -> Statement:
        """``st`` as it is read: a conditional denial whose condition lists exceptions, denied
        together with a broader practice under the same exceptions ("we do not rent, sell or
        share it, except with our service providers"), is a plain denial, for the exceptions
        are the broader practice's (the sharing). A condition of consent ("without your
        consent") holds for every practice denied, and stays."""
        if not (st.polarity == "conditional" and st.negated and st.condition):
            return st
        if not self.rules.listed_exceptions.search(st.condition):
            return st
        broader = self.rules.implies.get(st.practice, frozenset())
        if any(
            o is not st and o.practice in broader and o.polarity == "conditional" and o.negated
            and o.condition == st.condition
            for o in siblings
        ):
            return replace(st, polarity="denied", condition="", negated=False)
        return st

    # -- slots -----------------------------------------------------------------------------
    def is_root(self, vocab: str, nid: str | None) -> bool:
        """Whether ``nid`` is a generic top of its vocabulary ("personal information", "third
        parties"): a root with nodes below it (a flat vocabulary's nodes are not generic)."""
        node = self.onto.nodes.get(vocab, {}).get(nid or "")
        if node is None or node.parent is not None:
            return False
        return len(self.onto.descendants(node.id, vocab)) > 1

    def slot_level(
        self,
        slot: Slot,
        st: Statement,
        clause: Clause,
        carried: bool = False,
        similar: Callable[[Slot, str], bool] | None = None,
    ) -> str:
        """How ``st`` covers the value ``slot`` asks about: ``exact``, ``similar`` (a phrase the
        ontology does not know, close in meaning by ``similar``), ``general`` (a broader value),
        ``open`` (the statement names nothing of the kind) or ``other``."""
        vocab = slot.vocabulary
        spans = getattr(st, vocab, ())
        asked = {t.lemma for t in tokenize(slot.text)} - _EMPTY
        if carried and self.clause_names(clause, slot):
            return "exact"  # the item names what its lead-in's statement is about
        specific = False
        general = False
        close = False
        for sp in spans:
            # The question's own words in the statement's phrase ("employers") name it.
            if asked and asked <= {t.lemma for t in tokenize(sp.text)}:
                return "exact"
            if sp.id is None:
                if similar is not None and not close and self.free_phrase(sp, slot):
                    close = similar(slot, sp.text)
                continue
            if self.onto.is_a(sp.id, slot.id, vocab):
                return "exact"
            if self.onto.is_a(slot.id, sp.id, vocab):
                general = True
            elif vocab == "places" and sp.id in self.rules.place_scopes:
                excluded = self.rules.place_scopes[sp.id]
                if not excluded or not self.onto.is_a(slot.id, excluded, vocab):
                    general = True
                else:
                    specific = True
            elif not self.is_root(vocab, sp.id):
                specific = True
        if not specific and self.clause_names(clause, slot):
            return "exact"
        if close:
            return "similar"
        if specific:
            return "general" if general else "other"
        return "general" if general else "open"

    @staticmethod
    def _denied_to_all(slot: Slot, st: Statement, pol: str) -> bool:
        """Whether ``st`` is a denial of handing over that names no recipient ("we do not share
        your location"): it denies it to everyone, the recipient ``slot`` asks about included."""
        return (pol == "denied" and slot.vocabulary == "recipients"
                and st.practice in HANDING_OVER and not st.recipients)

    def _actor_fits(self, question: Question, actor: str) -> bool:
        """A statement of the company, or of the party the question asks about."""
        if actor in ("first_party", "") or question.subject == "recipient":
            return True
        return any(
            s.vocabulary == "recipients"
            and (
                self.onto.is_a(actor, s.id, "recipients")
                or self.onto.is_a(s.id, actor, "recipients")
            )
            for s in question.slots
        )

    def read(
        self,
        question: Question,
        st: Statement,
        clause: Clause,
        hit: int,
        named_anywhere: Callable[[Slot], bool],
        carried: bool = False,
        similar: Callable[[Slot, str], bool] | None = None,
        previous: Clause | None = None,
    ) -> Reading | None:
        """How ``st`` reads on ``question``; ``None`` when it is about another practice or thing.

        ``carried``: ``st`` is the statement of the clause's lead-in, which the clause elaborates;
        ``similar(slot, phrase)``: whether a free-text phrase of the statement is close enough in
        meaning to the slot (see :meth:`free_phrase`; ``None``: never); ``previous``: the clause
        before it in its section (what a bare notice is about, see :meth:`same_event`).
        """
        asked = question.practices[0] if question.practices else None
        if not self._actor_fits(question, st.actor):
            return None  # what a partner or the user does is not what the company does
        if asked == "notify" and not self.same_event(question.text, clause, previous):
            return None  # told of a change of the policy is not told of a breach
        excluded = self.rules.practice_excludes.get(asked or "", {})
        for field, ids in excluded.items():
            if any(sp.id in ids for sp in getattr(st, field, ())):
                return None
        pol = self.polarity(asked, st)
        if pol is None:
            return None
        by_vocab: dict[str, list[Slot]] = {}
        for s in question.slots:
            if self.is_root(s.vocabulary, s.id):
                # "my data", "third parties" name nothing in particular, but the statement must be
                # about something of the kind ("share buttons" are not shared data).
                spans = getattr(st, s.vocabulary, ())
                if not spans and self._denied_to_all(s, st, pol):
                    continue
                if not spans and not self.names_any(clause, s.vocabulary):
                    return None
                # Denying some things ("we do not collect your contacts") is no denial of all.
                if pol == "denied" and spans and not any(
                    self.is_root(s.vocabulary, sp.id) for sp in spans
                ):
                    return None
                continue
            by_vocab.setdefault(s.vocabulary, []).append(s)
        general: list[Slot] = []
        close: list[Slot] = []
        for slots in by_vocab.values():
            levels = [(self.slot_level(s, st, clause, carried, similar), s) for s in slots]
            levels.sort(key=lambda ls: _SLOT_ORDER.index(ls[0]))
            # Alternatives ("my photos or videos") are answered by the best of them; things named
            # together otherwise ("face recognition on my videos") must each be covered.
            needed = levels[:1] if _coordinated(question.text, slots) else levels
            for level, slot in needed:
                # A denial that names no recipient ("we do not share your location") denies it to
                # everyone; one that names no data ("we do not share it") is not read as covering
                # the data asked about.
                if level == "open" and self._denied_to_all(slot, st, pol):
                    general.append(slot)
                    continue
                # So does one that names no audience ("we do not sell any personal data"
                # answers "do you sell my kid's data?"), in a policy that speaks of that
                # audience at all (one that never names children does not answer it).
                if (level == "open" and pol == "denied" and slot.vocabulary == "audience"
                        and not st.audience and named_anywhere(slot)):
                    general.append(slot)
                    continue
                if level == "other" or (level == "open" and pol == "denied"):
                    return None
                if level == "similar":
                    close.append(slot)
                elif level != "exact":
                    general.append(slot)
        if not general:
            match = "similar" if close else "exact"
        elif all(named_anywhere(s) for s in general):
            match = "general_named"
        else:
            match = "general"
        condition = st.condition
        if condition and self.rules.negligible_conditions.search(condition):
            condition = ""
        if asked is None:
            fit = "none"
        else:
            fit = "same" if self.practice_of(asked, st) == asked else "related"
        return Reading(hit, st, match, pol, condition, tuple(general), tuple(close), fit,
                       bool(by_vocab))
