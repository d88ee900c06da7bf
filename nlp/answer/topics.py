"""Topics answered from the wording of the clause that treats them, not from its statements.

Some questions people ask often turn on a clause's wording that no practice statement carries:
whether Do Not Track signals are honoured, whether security is promised to be perfect, who may
use the service by age. Each topic (``nlp/data/question_patterns.json``, ``topics``) has the
evidence that marks the clause treating it and rules, read in order, from its wording to a verdict
and a reason code.

>>> from nlp.types import Clause, Hit
>>> c = Clause("c", "p", "v", (), 0, 0, "We do not respond to Do Not Track signals.")
>>> decide_topic("do_not_track", "Do you honor do not track?", [Hit(c, 1.0, 0.7)])
('no', 'dnt_not_honoured', 0)
"""

from __future__ import annotations

from collections.abc import Sequence

from nlp.answer.patterns import QuestionPatterns, Topic, load_question_patterns
from nlp.types import Hit

__all__ = ["decide_topic"]



def _age_asked(question: str, rules: QuestionPatterns) -> int:
    m = rules.question_age.search(question)
    if not m:
        return rules.default_age
    age = int(next(g for g in m.groups() if g))
    # "under 18s" asks about someone younger than 18.
    return age - 1 if m.group(0).lower().startswith("under") else age


def _min_age(text: str, rules: QuestionPatterns) -> int | None:
    ages = [int(next(g for g in m.groups() if g)) for m in rules.policy_age.finditer(text)]
    ages = [a for a in ages if 8 <= a <= 21]
    return max(ages) if ages else None


def decide_topic(
    topic: str,
    question: str,
    hits: Sequence[Hit],
    patterns: QuestionPatterns | None = None,
    *,
    depth: int = 10,
) -> tuple[str, str, int] | None:
    """``(verdict, reason, index of the deciding hit)`` for ``topic``, or ``None`` if no clause
    among the first hits treats it in a way a rule reads. When none treats it at all and the topic
    says what that means (``absent``), that verdict with index ``-1`` (nothing to cite). Only the
    ``depth`` clauses nearest the question are read."""
    rules = patterns or load_question_patterns()
    spec = rules.topics.get(topic)
    if spec is None:
        return None
    order = range(min(depth, len(hits)))  # in retrieval order
    treating = [i for i in order if spec.evidence.search(hits[i].clause.text)]
    if any(pattern is None for pattern, _v, _r in spec.rules):
        decided = _by_age(spec, question, [(i, hits[i].clause.text) for i in treating], rules)
        if decided is not None:
            return decided
    pairs = (
        [(rule, i) for rule in spec.rules for i in treating] if spec.by_rule
        else [(rule, i) for i in treating for rule in spec.rules]
    )
    for (pattern, verdict, reason), i in pairs:
        if pattern is not None and pattern.search(hits[i].clause.text):
            return verdict, reason, i
    if not treating and spec.absent is not None:
        return spec.absent[0], spec.absent[1], -1
    return None


def _by_age(
    spec: Topic, question: str, texts: Sequence[tuple[int, str]], rules: QuestionPatterns
) -> tuple[str, str, int] | None:
    """Compare the age asked with every limit the clauses state, not only the first clause's:
    the limits above that age bind (one a parent cannot lift answers no, one a parent's consent
    lifts answers yes with that condition); with none above it, the highest limit allows it."""
    reason = next(r for p, _v, r in spec.rules if p is None)
    limits = [(limit, i, text) for i, text in texts if (limit := _min_age(text, rules)) is not None]
    if not limits:
        return None
    asked = _age_asked(question, rules)
    binding = [(i, text) for limit, i, text in limits if limit > asked]
    permission = spec.permission
    hard = [i for i, text in binding if permission is None or not permission[0].search(text)]
    if hard:
        return "no", reason, hard[0]
    if binding and permission is not None:
        return permission[1], permission[2], binding[0][0]
    return "yes", reason, max(limits, key=lambda li: (li[0], -li[1]))[1]
