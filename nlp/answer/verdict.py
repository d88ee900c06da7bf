"""Answer a question about one policy version from retrieved clauses, extractively.

No language model runs here. The answer stage reads the question into a :class:`Question` (yes/no or
information-seeking, the practice it asks about, the specific things it names), checks which
retrieved clauses actually state that practice about those things, and builds a verdict, a
one-sentence answer quoting the best clause, and the citations.

The rules that matter to users:

* a yes/no question about something the policy never names (fingerprints, Brazil) is never answered
  ``yes`` because the topic is near: it is ``not_stated``;
* a place the policy does not name, under a policy that allows transfers abroad in general, gets
  ``not_stated`` with the general clause cited and an answer that says exactly that;
* a clause that negates the practice ("we do not sell ...") gives ``no``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from nlp.answer.lexicon import (
    ACTIONS,
    ASK_WORDS,
    DATA_TYPES,
    GENERIC_WORDS,
    INFO_WORDS,
    PLACES,
    QUESTION_ACTIONS,
    RECIPIENTS,
    REGIONS,
    Term,
    compile_terms,
    region_of,
)
from nlp.config import AnswerSettings
from nlp.types import Answer, Citation, Clause, Hit, Verdict

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_DATA_WORDS = re.compile(r"(?i)\b(?:personal (?:information|data)|information|data|details)\b")
_NEGATOR = r"(?:\bnot\b|\bnever\b|n't\b|\bcannot\b|\bno longer\b|\bneither\b|\bnor\b)"
_OUTSIDE = re.compile(
    r"(?i)\boutside (?:of )?(?:the )?(EEA|European Economic Area|EU|European Union|Europe"
    r"|your (?:home )?(?:country|jurisdiction)[a-z ]*|the country[a-z ]*)"
)
_FOREIGN = re.compile(
    r"(?i)\b(?:other|foreign|third) countr(?:y|ies)\b|\babroad\b|\boverseas\b|\bcross-border\b"
    r"|\binternational(?:ly)? transfers?\b|\bcountries outside\b"
)
_PAST = {
    "transfer": "transferred there",
    "share": "shared",
    "sell": "sold",
    "collect": "collected",
    "use": "used",
    "track": "tracked",
    "keep": "kept",
    "delete": "deleted",
    "access": "accessible to you",
    "correct": "correctable",
    "object": "subject to opt-out",
    "protect": "protected",
    "notify": "notified",
    "contact": "contacted",
}
_WORD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "children": (r"child(?:ren)?", r"minors?", r"kids?", r"under (?:the age of )?1[368]"),
    "kids": (r"child(?:ren)?", r"minors?", r"kids?"),
    "minors": (r"child(?:ren)?", r"minors?", r"kids?"),
    "cookies": (r"cookies?",),
    "ads": (r"ads?", r"advertis\w*"),
    "advertising": (r"ads?", r"advertis\w*"),
    "marketing": (r"marketing",),
    "email": (r"e-?mails?",),
    "emails": (r"e-?mails?",),
}


@dataclass(frozen=True, slots=True)
class Question:
    """What a question asks: its kind, the practices it names and the specific things it names."""

    text: str
    kind: str  # "yesno" or "info"
    actions: tuple[str, ...]
    terms: tuple[Term, ...]

    @property
    def places(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if t.kind == "place")


def _stem_pattern(word: str) -> tuple[str, ...]:
    w = word.lower()
    if w in _WORD_SYNONYMS:
        return _WORD_SYNONYMS[w]
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ing", ""), ("ed", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[: -len(suffix)] + repl
            break
    return (re.escape(w) + r"\w*",)


def _find_named(
    text: str, table: dict[str, tuple[str, ...]], kind: str
) -> list[tuple[int, int, Term]]:
    found = []
    for name, stems in table.items():
        pat = compile_terms(stems)
        m = pat.search(text)
        if m:
            found.append((m.start(), m.end(), Term(kind, name, pat)))
    return found


def parse_question(text: str) -> Question:
    """Read a question into its kind, practices and named things.

    Example
    -------
    >>> q = parse_question("Is my data sent to China?")
    >>> q.kind, q.actions, [t.name for t in q.terms]
    ('yesno', ('transfer',), ['China'])
    """
    words = [w.lower() for w in _WORD.findall(text)]
    first = words[0] if words else ""
    if first in ASK_WORDS:
        kind = "yesno"
    elif any(w in INFO_WORDS for w in words[:3]):
        kind = "info"
    else:
        kind = "yesno" if any(w in ASK_WORDS for w in words[:2]) else "info"

    actions: list[str] = []
    for w in words:
        a = QUESTION_ACTIONS.get(w)
        if a and a not in actions:
            actions.append(a)
    if "opt" in words and "out" in words and "object" not in actions:
        actions.append("object")

    spans = (
        _find_named(text, PLACES, "place")
        + _find_named(text, DATA_TYPES, "data")
        + _find_named(text, RECIPIENTS, "recipient")
    )
    # Keep the longest of overlapping names ("European Economic Area" over "Europe").
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[tuple[int, int, Term]] = []
    for s in spans:
        if kept and s[0] < kept[-1][1]:
            continue
        kept.append(s)
    terms = [t for _, _, t in kept]
    covered = [(a, b) for a, b, _ in kept]
    for m in _WORD.finditer(text):
        w = m.group().lower()
        if (
            w in GENERIC_WORDS
            or w in QUESTION_ACTIONS
            or len(w) < 3
            or any(a <= m.start() < b for a, b in covered)
        ):
            continue
        terms.append(Term("word", w, compile_terms(_stem_pattern(w))))
    return Question(text=text, kind=kind, actions=tuple(actions), terms=tuple(terms))


def _haystack(clause: Clause) -> str:
    return f"{clause.context}\n{clause.text}"


def _action_pattern(action: str) -> re.Pattern[str]:
    return compile_terms(ACTIONS[action])


def _states_action(clause: Clause, actions: Sequence[str]) -> bool:
    if not actions:
        return True
    hay = f"{clause.section_path}\n{_haystack(clause)}"
    return any(_action_pattern(a).search(hay) for a in actions)


def _negated(clause: Clause, q: Question) -> bool:
    """Whether the clause denies the asked practice ("we do not sell ...", "will never share")."""
    for stems in (ACTIONS[a] for a in q.actions):
        verb = "(?:" + "|".join(stems) + ")"
        # Typographic apostrophes ("don’t") are read as plain ones.
        text = clause.text.replace("\u2019", "'").replace("\u02bc", "'")
        if re.search(rf"(?i){_NEGATOR}(?:\W+\w+){{0,3}}?\W+{verb}\b", text):
            return True
    return False


def _mentions(clause: Clause, term: Term) -> bool:
    return bool(term.pattern.search(_haystack(clause)))


def _names_all(clause: Clause, terms: Sequence[Term]) -> bool:
    """Named things (places, data types, recipients) must all be there; of plain words, half."""
    named = [t for t in terms if t.kind != "word"]
    words = [t for t in terms if t.kind == "word"]
    if not all(_mentions(clause, t) for t in named):
        return False
    return 2 * sum(_mentions(clause, t) for t in words) >= len(words)


def _trim(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


def _quote(clause: Clause) -> str:
    return "“" + _trim(clause.text).rstrip(".:;, ") + ".”"


def _quote_with_list(clause: Clause, clauses: Sequence[Clause]) -> str:
    """Quote a clause; a list lead-in ("... only where it is:") is quoted with its items."""
    if not clause.text.rstrip().endswith(":"):
        return _quote(clause)
    items = [
        c.text.rstrip(";. ") for c in clauses if c.kind == "bullet" and c.context == clause.text
    ]
    if not items:
        return _quote(clause)
    text = clause.text.rstrip() + " " + "; ".join(items)
    return "“" + _trim(text, 600).rstrip(".:;, ") + ".”"


def _cite(hit: Hit, policy: str) -> Citation:
    c = hit.clause
    return Citation(
        clause_id=c.id,
        policy=policy,
        version=c.version,
        section=c.section_path,
        text=c.text,
        score=float(hit.dense),
        start=c.start,
        end=c.end,
        labels=c.labels,
    )


def _names(terms: Sequence[Term]) -> str:
    names = [t.name for t in terms]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _general_transfer(hits: Sequence[Hit], place: Term) -> tuple[Hit, str] | None:
    """A clause allowing transfers abroad in general that covers ``place``, and its scope."""
    for h in hits:
        text = _haystack(h.clause)
        if not _action_pattern("transfer").search(text):
            continue
        m = _OUTSIDE.search(text)
        if m:
            region = m.group(1)
            canonical = next(
                (r for r in REGIONS if compile_terms(PLACES.get(r, (r,))).fullmatch(region)), None
            )
            # "outside the EEA" covers a place only if the place is not itself in the EEA.
            if canonical and canonical in region_of(place.name):
                continue
            return h, f"countries outside {'the ' if region.isupper() else ''}{region}"
        if _FOREIGN.search(text):
            return h, "other countries"
    return None


def answer_question(
    question: str,
    hits: Sequence[Hit],
    clauses: Sequence[Clause],
    *,
    policy: str,
    version: str,
    settings: AnswerSettings | None = None,
) -> Answer:
    """Answer ``question`` from ``hits`` (retrieved from one policy version, best first).

    ``clauses`` are all clauses of that version: they tell whether the policy names a thing at all.

    Example
    -------
    >>> ans = answer_question("Is my data sent to Mars?", [], [], policy="p", version="v1")
    >>> ans.verdict, ans.citations
    ('not_stated', ())
    """
    settings = settings or AnswerSettings()
    q = parse_question(question)
    relevant = [h for h in hits if h.dense >= settings.min_support]

    def done(verdict: Verdict, text: str, cited: Sequence[Hit] = ()) -> Answer:
        cites = tuple(_cite(h, policy) for h in list(cited)[: settings.max_citations])
        return Answer(question, policy, version, verdict, text, cites)

    if q.kind == "info":
        if not relevant:
            return done("not_stated", "The policy does not appear to address this question.")
        # Cite what is nearly as close as the best clause, not everything above the floor.
        top = max(h.dense for h in relevant)
        relevant = [h for h in relevant if h.dense >= top - settings.citation_margin]
        lead = relevant[0].clause
        where = f" (section {lead.section[-1]})" if lead.section else ""
        return done("info", f"The policy says{where}: {_quote_with_list(lead, clauses)}", relevant)

    # Yes/no: a clause supports the answer only if it names every specific thing asked about and
    # states the practice asked about.
    floor = settings.min_support * 0.6
    near = [h for h in hits if h.dense >= floor]
    support = [
        h
        for h in near
        if _names_all(h.clause, q.terms)
        and _states_action(h.clause, q.actions)
        and (q.terms or _DATA_WORDS.search(_haystack(h.clause)) or not q.actions)
    ]
    if not q.terms and not q.actions:
        support = [h for h in support if h.dense >= settings.min_support]
    if support:
        best = support[0]
        if _negated(best.clause, q):
            return done("no", f"No — the policy states: {_quote(best.clause)}", support[:1])
        says = f"the policy names {_names(q.places)}" if q.places else "the policy states"
        same = [h for h in support if not _negated(h.clause, q)]
        return done("yes", f"Yes — {says}: {_quote(best.clause)}", same)

    missing = [t for t in q.terms if not any(_mentions(c, t) for c in clauses)]
    if q.places:
        place = q.places[0]
        general = _general_transfer(near, place)
        if general and place in missing:
            hit, scope = general
            return done(
                "not_stated",
                f"The policy does not name {place.name}, but it allows transfers of personal "
                f"information to {scope}: {_quote_with_list(hit.clause, clauses)}",
                [hit],
            )
    if missing:
        return done("not_stated", f"The policy does not mention {_names(missing)}.")
    if q.terms and q.actions:
        past = _PAST.get(q.actions[0], q.actions[0] + "ed")
        return done(
            "not_stated",
            f"The policy mentions {_names(q.terms)} but does not say that it is {past}.",
        )
    if q.actions:
        past = _PAST.get(q.actions[0], q.actions[0] + "ed")
        return done("not_stated", f"The policy does not say that personal information is {past}.")
    return done("not_stated", "The policy does not state this.")
