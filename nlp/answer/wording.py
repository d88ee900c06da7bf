"""A weaker reading for clauses the practices stage took no statement from: their words alone.

The extractor misses some plain affirmations ("each app provides a setting for you to turn off
personalized advertising", "we will provide notice before your data is transferred"). When no
statement of the clauses nearest the question reads on it, such a clause may still answer ``yes``
from its wording, under the reason ``stated_in_wording`` (its own row of the verdict table): the
question patterns find the practice asked about among the clause's verbs, every thing the question
names is named by the clause (its words, a narrower ontology node, or its list's lead-in), and no
denial, condition or hedge cue (``wording_guard`` in ``nlp/data/question_patterns.json``) is in the
clause, and nothing the practice's ``practice_excludes`` name (a merger for a sale). A clause
that names a thing only in general never answers this way: the specific thing
must be in its words; for a generic slot ("my data") the clause must name something of its kind.

>>> from nlp.answer import Matcher, load_question_patterns, parse_question
>>> from nlp.practices import load_ontology
>>> from nlp.types import Clause
>>> rules = load_question_patterns()
>>> m = Matcher(rules, load_ontology())
>>> c = Clause("c", "p", "v", (), 0, 0, "The app has a setting to turn off personalized ads.")
>>> reads_by_wording(parse_question("Can I turn off personalized ads?"), c, m)
True
>>> c = Clause("c", "p", "v", (), 0, 0, "You cannot turn off personalized ads.")
>>> reads_by_wording(parse_question("Can I turn off personalized ads?"), c, m)
False
"""

from __future__ import annotations

from nlp.answer.decision import Matcher
from nlp.answer.patterns import tokens_of
from nlp.answer.reader import SLOT_LABELS, Question, Slot
from nlp.types import Clause

__all__ = ["reads_by_wording"]

_VERBS = ("PRACTICE", "USER_PRACTICE", "RECEIVE")
_VOCABULARIES = tuple(dict.fromkeys(SLOT_LABELS.values()))


def _named(slot: Slot, clause: Clause, matcher: Matcher, found: dict[str, set[str]]) -> bool:
    """Whether the clause names ``slot``'s value or a narrower one (by the ontology or patterns)."""
    if matcher.clause_names(clause, slot):
        return True
    return any(
        matcher.onto.is_a(nid, slot.id, slot.vocabulary)
        for nid in found.get(slot.vocabulary, ())
    )


def reads_by_wording(q: Question, clause: Clause, matcher: Matcher) -> bool:
    """Whether ``clause``'s words affirm the practice ``q`` asks about of everything it names."""
    rules = matcher.rules
    if not q.practices or rules.wording_guard.search(clause.text):
        return False
    tokens = tokens_of(clause.text)
    found = rules.match(tokens)
    verbs = {
        m.id for m in found
        if m.label in _VERBS and not (
            m.last - m.first == 1 and tokens[m.first].text.lower() in rules.wording_nouns
        )
    }
    if q.practices[0] not in verbs:
        return False
    if q.practices[0] == "notify" and not matcher.same_event(q.text, clause):
        return False
    ids: dict[str, set[str]] = {}
    for m in found:
        if m.label in SLOT_LABELS:
            ids.setdefault(SLOT_LABELS[m.label], set()).add(m.id)
    for vocab in _VOCABULARIES:
        for _a, _b, nid in matcher.onto.match_tokens(tokens, vocab):
            ids.setdefault(vocab, set()).add(nid)
    # What rules a statement out for the practice rules the wording out too: a "sale" among
    # "merger, acquisition, sale of assets" is the company's, not a sale of your data.
    for vocab, excluded in rules.practice_excludes.get(q.practices[0], {}).items():
        if ids.get(vocab, set()) & excluded:
            return False
    for s in q.slots:
        if matcher.is_root(s.vocabulary, s.id):
            # "my data" names nothing in particular, but the clause must name something of the
            # kind: "share buttons" share no data.
            if not ids.get(s.vocabulary):
                return False
        elif not _named(s, clause, matcher, ids):
            return False
    return True
