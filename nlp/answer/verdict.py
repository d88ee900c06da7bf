"""Answer a question about one policy version from the statements of the retrieved clauses.

No language model runs here. The question is read into a frame (:mod:`nlp.answer.reader`); each
retrieved clause's statements (practices stage) are read against it (:mod:`nlp.answer.decision`);
a yes/no question takes its verdict from the verdict table for the best reading, an information
question cites the clauses that hold what it asks for (a duration, an address, a link). Headings
are context, never evidence: they are not cited.

What users rely on:

* a specific thing the policy never names is never ``yes``: when only a broader clause covers it,
  the answer says so and cites that clause ("does not name Brazil, but ... outside the EEA");
* ``not_stated`` presents no citation as support; the nearest clause is kept as ``closest``;
* a conditional statement answers with its condition ("Yes, unless you opt out: ...");
* a denial answers ``no`` within its scope only ("never ... with employers" says nothing of
  advertisers).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Collection, Mapping, Sequence

from nlp.answer.decision import Matcher, Reading, Row, VerdictTable, load_verdict_table
from nlp.answer.patterns import QuestionPatterns, load_question_patterns
from nlp.answer.reader import Question, Slot, parse_question
from nlp.answer.similarity import PhraseSimilarity
from nlp.answer.topics import decide_topic
from nlp.answer.wording import reads_by_wording
from nlp.config import AnswerSettings
from nlp.practices import Ontology, StatementExtractor, load_ontology
from nlp.retrieval.index import tokenize as index_terms
from nlp.types import Answer, Citation, Clause, Hit, ScoredClause, Statement, Verdict

__all__ = ["Question", "answer_question", "lead_in_of", "lead_ins", "parse_question"]

_MATCH_ORDER = {"exact": 0, "similar": 1, "general_named": 2, "general": 3, "wording": 4}
_PAST = {
    "transfer_abroad": "transferred abroad",
    "share": "shared",
    "sell": "sold",
    "rent": "rented out",
    "collect": "collected",
    "use": "used",
    "track": "tracked",
    "retain": "kept",
    "delete": "deleted",
    "protect": "protected",
    "notify": "notified to you",
    "user_access": "open to your access",
    "user_correct": "open to your correction",
    "user_delete": "deleted at your request",
    "user_export": "exportable",
    "user_object": "something you can opt out of",
}


@functools.lru_cache(maxsize=1)
def _rule_extractor() -> StatementExtractor:
    return StatementExtractor()


@functools.lru_cache(maxsize=4)
def _matcher(rules: QuestionPatterns, onto: Ontology) -> Matcher:
    return Matcher(rules, onto)


def _trim(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


def _quote(clause: Clause, clauses: Sequence[Clause] = ()) -> str:
    """A clause in quotes; a list lead-in ("... only where it is:") is quoted with its items."""
    text = clause.text
    if text.rstrip().endswith(":"):
        items = [
            c.text.rstrip(";. ") for c in clauses if c.kind == "bullet" and c.context == clause.text
        ]
        if items:
            return "“" + _trim(text.rstrip() + " " + "; ".join(items), 600).rstrip(".:;, ") + ".”"
    elif clause.kind == "bullet" and clause.context:
        text = f"{clause.context.rstrip()} {text}"
    return "“" + _trim(text).rstrip(".:;, ") + ".”"


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


def _names(slots: Sequence[Slot]) -> str:
    names = list(dict.fromkeys(s.text for s in slots))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _with_condition(verdict: str, condition: str) -> str:
    cond = " ".join(condition.split()).rstrip(",.;:")
    if verdict == "no":
        low = cond.lower()
        if low.startswith(("without", "unless", "except", "other than")):
            return f"No, not {cond}"
        return f"No (except: {cond})"
    return f"Yes, {cond}"


def _general_text(reading: Reading, practice: str, scope: str, quote: str) -> str:
    missing = _names(reading.general)
    past = _PAST.get(practice, practice)
    if reading.statement.places and any(s.vocabulary == "places" for s in reading.general):
        return (
            f"The policy does not name {missing}, but it allows transfers of personal information "
            f"to {scope}: {quote}"
        )
    return (
        f"The policy does not name {missing}; it only says in general what is {past} "
        f"(the closest clause, not an answer): {quote}"
    )


def _answer_text(row: Row, reading: Reading, clause: Clause, clauses: Sequence[Clause],
                 practice: str, scope_names: Mapping[str, str]) -> str:
    quote = _quote(clause, clauses)
    cond = bool(reading.condition) and row.reason.endswith(("condition", "exception"))
    if row.verdict == "yes":
        lead = _with_condition("yes", reading.condition) if cond else "Yes"
        if row.reason.startswith("covered_by_general"):
            return f"{lead} — the policy says so of {_names(reading.general)} in general: {quote}"
        return f"{lead} — the policy states: {quote}"
    if row.verdict == "no":
        lead = _with_condition("no", reading.condition) if cond else "No"
        if row.reason.startswith("denied_in_general"):
            return f"{lead} — the policy rules it out in general: {quote}"
        return f"{lead} — the policy states: {quote}"
    scopes = [scope_names[s.id] for s in reading.statement.places if s.id and s.id in scope_names]
    return _general_text(reading, practice, scopes[0] if scopes else "other countries", quote)


def _holds_focus(
    clause: Clause,
    focus: str | None,
    pattern: re.Pattern[str],
    statements: Mapping[str, Sequence[Statement]],
) -> bool:
    """Whether the clause holds what an information question asks for (a stated retention
    period counts for "how long")."""
    if focus == "duration" and any(st.retention for st in statements.get(clause.id, ())):
        return True
    return bool(pattern.search(clause.text))


_LEAD_INS: dict[tuple[str, str, int, str], tuple[dict[str, Clause], dict[str, Clause]]] = {}


def _antecedents(clauses: Sequence[Clause]) -> tuple[dict[str, Clause], dict[str, Clause]]:
    """Clauses by text, and each clause's predecessor in its section (remembered per version)."""
    key = (clauses[0].policy_id, clauses[0].version, len(clauses), clauses[0].id)
    found = _LEAD_INS.get(key)
    if found is None:
        if len(_LEAD_INS) > 256:
            _LEAD_INS.clear()
        body = [c for c in clauses if c.kind != "heading"]
        by_text = {c.text: c for c in body}
        before = {b.id: a for a, b in zip(body, body[1:], strict=False) if a.section == b.section}
        found = _LEAD_INS[key] = (by_text, before)
    return found


_BACK = 2  # clauses before a clause that refers back, nearest first, read for its statements


def lead_in_of(
    clause: Clause, clauses: Sequence[Clause], patterns: QuestionPatterns | None = None
) -> list[Clause]:
    """The clauses whose statements ``clause`` carries on, nearest first: its list's lead-in ("we
    collect the following information:" for "IP addresses, device type, ..."), or, for a clause
    that refers back ("This may include IP addresses ..."), the clauses before it in its
    section."""
    if not clauses:
        return []
    by_text, before = _antecedents(clauses)
    if clause.context and clause.context in by_text:
        return [by_text[clause.context]]
    rules = patterns or load_question_patterns()
    out: list[Clause] = []
    if rules.anaphora.search(clause.text):
        current = clause
        while len(out) < _BACK and current.id in before:
            current = before[current.id]
            out.append(current)
    return out


def lead_ins(hit_clauses: Sequence[Clause], clauses: Sequence[Clause]) -> list[Clause]:
    """The lead-ins (see :func:`lead_in_of`) of ``hit_clauses``, each once."""
    found: dict[str, Clause] = {}
    for c in hit_clauses:
        for lead in lead_in_of(c, clauses):
            found[lead.id] = lead
    return list(found.values())


def _statements_of(
    clause: Clause, statements: Mapping[str, Sequence[Statement]], inherited: Mapping[str, str]
) -> tuple[Sequence[Statement], bool]:
    """A clause's own statements, else those of the lead-in it carries on (and that it does)."""
    own = statements.get(clause.id, ())
    if not own and clause.id in inherited:
        return statements.get(inherited[clause.id], ()), True
    return own, False


def _similarity_phrases(
    q: Question,
    hits: Sequence[Hit],
    statements: Mapping[str, Sequence[Statement]],
    inherited: Mapping[str, str],
    matcher: Matcher,
) -> list[str]:
    """The phrases a question's similarity pass compares: the named slots' phrases and the
    free-text phrases of the same kind in statements of the practice asked about."""
    asked = q.practices[0] if q.practices else None
    slots = [s for s in q.slots if not matcher.is_root(s.vocabulary, s.id)]
    free: list[str] = []
    for h in hits:
        for st in _statements_of(h.clause, statements, inherited)[0]:
            if matcher.polarity(asked, st) is None:
                continue
            free += [
                sp.text for s in slots for sp in getattr(st, s.vocabulary, ())
                if matcher.free_phrase(sp, s)
            ]
    if not free:
        return []
    return free + [p for s in slots for p in matcher.slot_phrases(s)]


class _Evidence:
    """The statements of the considered clauses, read against the question once."""

    def __init__(
        self,
        q: Question,
        hits: Sequence[Hit],
        statements: Mapping[str, Sequence[Statement]],
        matcher: Matcher,
        named_anywhere: Callable[[Slot], bool],
        floor: float,
        inherited: Mapping[str, str],
        similar: Callable[[Slot, str], bool] | None = None,
        similar_depth: int = 0,
        before: Mapping[str, Clause] | None = None,
    ) -> None:
        self.readings: list[list[Reading]] = []
        before = before or {}
        for i, h in enumerate(hits):
            found: list[Reading] = []
            if h.dense < floor:
                self.readings.append(found)
                continue
            own, carried = _statements_of(h.clause, statements, inherited)
            close = similar if i < similar_depth else None
            previous = before.get(h.clause.id)
            for st in own:
                st = matcher.with_antecedent_data(matcher.exception_owner(st, own), h.clause,
                                                  previous)
                r = matcher.read(q, st, h.clause, i, named_anywhere, carried, close, previous)
                if r is not None:
                    found.append(r)
            self.readings.append(found)

    def best(self, i: int) -> Reading | None:
        rs = self.readings[i]
        return min(rs, key=lambda r: _MATCH_ORDER[r.match]) if rs else None


def _by_wording(
    q: Question, considered: Sequence[Hit], ev: _Evidence, matcher: Matcher,
    settings: AnswerSettings,
) -> int | None:
    """The first of the nearest clauses, none of whose statements reads on the question, whose
    wording alone affirms it (see :mod:`nlp.answer.wording`)."""
    for i, h in enumerate(considered[: settings.wording_depth]):
        if h.dense >= settings.min_support and not ev.readings[i] and reads_by_wording(
            q, h.clause, matcher
        ):
            return i
    return None


def answer_question(
    question: str,
    hits: Sequence[Hit],
    clauses: Sequence[Clause],
    *,
    policy: str,
    version: str,
    statements: Mapping[str, Sequence[Statement]] | None = None,
    names: Collection[str] = (),
    settings: AnswerSettings | None = None,
    patterns: QuestionPatterns | None = None,
    ontology: Ontology | None = None,
    table: VerdictTable | None = None,
    similarity: PhraseSimilarity | None = None,
) -> Answer:
    """Answer ``question`` from ``hits`` (retrieved from one policy version, best first).

    ``clauses`` are all clauses of that version (they tell whether the policy names a thing at
    all); ``statements`` the practices of the retrieved clauses by clause id (computed with the
    rules alone when not given); ``names`` the lower-cased words that name the company;
    ``similarity`` compares a question's slot phrases with the statements' free-text phrases
    (with the retrieval encoder; without it, slots match by the ontology and the words alone).

    Example
    -------
    >>> ans = answer_question("Is my data sent to Mars?", [], [], policy="p", version="v1")
    >>> ans.verdict, ans.citations, ans.reason
    ('not_stated', (), 'no_statement')
    """
    settings = settings or AnswerSettings()
    rules = patterns or load_question_patterns()
    onto = ontology or load_ontology()
    table = table or load_verdict_table()
    matcher = _matcher(rules, onto)
    q = parse_question(question, names=names, patterns=rules, ontology=onto)
    floor = settings.support_floor * settings.min_support
    considered = [
        h for h in hits[: settings.search_depth] if h.clause.kind != "heading" and h.dense >= floor
    ]
    if statements is None:
        todo = [h.clause for h in considered]
        todo += lead_ins(todo, clauses)
        many = _rule_extractor().extract_many(todo)
        statements = {c.id: sts for c, sts in zip(todo, many, strict=True)}
    policy_text = "\n".join(c.text for c in clauses)

    def named_anywhere(slot: Slot) -> bool:
        return bool(matcher.names_pattern(slot).search(policy_text))

    inherited: dict[str, str] = {}
    for h in considered:
        for lead in lead_in_of(h.clause, clauses, rules):
            if statements.get(lead.id):
                inherited[h.clause.id] = lead.id
                break
    reading_floor = settings.reading_floor * settings.min_support
    before = _antecedents(clauses)[1] if clauses else {}
    ev = _Evidence(q, considered, statements, matcher, named_anywhere, reading_floor, inherited,
                   before=before)
    depth = settings.similarity_depth
    if similarity is not None and q.kind == "yesno" and not any(
        r.match == "exact" for rs in ev.readings[:depth] for r in rs
    ):
        # Only when nothing near the question reads exactly: most questions cost no encode.
        phrases = _similarity_phrases(q, considered[:depth], statements, inherited, matcher)
        if phrases:
            similarity.prime(phrases)
            threshold = settings.slot_similarity

            def close(slot: Slot, phrase: str) -> bool:
                return similarity.best(matcher.slot_phrases(slot), phrase) >= threshold

            ev = _Evidence(q, considered, statements, matcher, named_anywhere, reading_floor,
                           inherited, close, depth, before)
    focus = rules.focus_evidence.get(q.focus or "") if q.kind == "info" else None
    scores = []
    top_fused = max((h.score for h in considered), default=1.0) or 1.0
    free = set(index_terms(" ".join(q.words))) if settings.free_word_bonus else set()
    for i, h in enumerate(considered):
        best = ev.best(i)
        s = h.dense + settings.fused_weight * h.score / top_fused
        if free:
            held = free.intersection(index_terms(h.clause.contextual_text()))
            s += settings.free_word_bonus * len(held) / len(free)
        if best is not None and q.kind == "yesno":
            s += settings.practice_bonus
            if best.match == "exact":
                s += settings.exact_bonus
        if focus is not None and _holds_focus(h.clause, q.focus, focus, statements):
            s += settings.focus_bonus
        scores.append(s)
    order = sorted(range(len(considered)), key=lambda i: -scores[i])
    rank_of = {h.clause.id: r for r, h in enumerate(hits)}

    def scored() -> tuple[ScoredClause, ...]:
        out = []
        for i, h in enumerate(considered):
            b = ev.best(i)
            out.append(ScoredClause(
                h.clause.id, rank_of.get(h.clause.id, i), float(h.dense), float(scores[i]),
                b.match if b else "", b.polarity if b else "", b.statement.practice if b else "",
            ))
        return tuple(out)

    def done(verdict: Verdict, text: str, reason: str, cited: Sequence[int] = (),
             closest: int | None = None) -> Answer:
        cites = tuple(_cite(considered[i], policy) for i in list(cited)[: settings.max_citations])
        near = _cite(considered[closest], policy) if closest is not None else None
        return Answer(question, policy, version, verdict, text, cites, reason, scored(), near)

    if q.kind == "info":
        # Clauses nearly as close as the closest, those holding what is asked for first.
        # In retrieval order, those holding what is asked for first.
        top = max((h.dense for h in considered), default=0.0)
        floor = max(top - settings.citation_margin, min(top, settings.min_support))
        near = [i for i in range(len(considered)) if considered[i].dense >= floor]
        if focus is not None:
            # What is asked for, stated concretely ("within one month") before stated vaguely
            # ("as long as we need to"), before clauses that hold neither.
            concrete = rules.focus_concrete.get(q.focus or "")

            def focus_rank(i: int) -> int:
                clause = considered[i].clause
                if concrete is not None and concrete.search(clause.text):
                    return 0
                return 1 if _holds_focus(clause, q.focus, focus, statements) else 2

            near.sort(key=focus_rank)
        order = near + [i for i in order if i not in near]
        lacking = focus is not None and q.focus in settings.focus_required and not any(
            _holds_focus(considered[i].clause, q.focus, focus, statements)
            for i in order[: settings.max_citations]
        )
        if not order or top < settings.info_floor * settings.min_support or lacking:
            return done("not_stated", "The policy does not appear to address this question.",
                        "info_not_found", closest=order[0] if order else None)
        lead = considered[order[0]].clause
        where = f" (section {lead.section[-1]})" if lead.section else ""
        return done("info", f"The policy says{where}: {_quote(lead, clauses)}", "info", order)

    for topic in q.topics:
        decided = decide_topic(topic, question, considered, rules, depth=settings.topic_depth)
        if decided is not None:
            verdict, reason, i = decided
            if i < 0:
                return done(
                    verdict, "The policy does not address this.", reason,  # type: ignore[arg-type]
                    closest=order[0] if order else None,
                )
            spec = rules.topics[topic]
            says = "Yes" if verdict == "yes" else "No"
            if spec.permission is not None and reason == spec.permission[2]:
                says = spec.permission[3]
            text = f"{says} — the policy states: {_quote(considered[i].clause, clauses)}"
            # The deciding clause, then the nearest clauses (as for a statement's verdict).
            near = [j for j in range(len(considered))
                    if j != i and considered[j].dense >= settings.min_support]
            return done(verdict, text, reason, [i, *near])  # type: ignore[arg-type]
    candidates = [(r, i) for i in order for r in ev.readings[i]]
    if not candidates:
        worded = _by_wording(q, considered, ev, matcher, settings)
        if worded is not None:
            row = table.decide("wording", "affirmed", False)
            text = f"Yes — the policy states: {_quote(considered[worded].clause, clauses)}"
            return done(row.verdict, text, row.reason, [worded])  # type: ignore[arg-type]
        row = table.decide("none", "affirmed", False)
        past = _PAST.get(q.practices[0], "stated") if q.practices else "stated"
        named = [s for s in q.slots if not matcher.is_root(s.vocabulary, s.id)]
        missing = [s for s in named if not named_anywhere(s)]
        if missing:
            text = f"The policy does not mention {_names(missing)}."
        elif named and q.practices:
            text = f"The policy mentions {_names(named)} but does not say that it is {past}."
        elif q.practices:
            text = f"The policy does not say that personal information is {past}."
        else:
            text = "The policy does not state this."
        return done(row.verdict, text, row.reason, closest=order[0] if order else None)  # type: ignore[arg-type]
    # The reading of the closest clause decides, a full match counting for more than a general one.
    bonus = {
        "exact": settings.exact_bonus,
        "similar": settings.exact_bonus / 2,
        "general_named": settings.exact_bonus / 2,
    }

    def value(ri: tuple[Reading, int]) -> float:
        # A denial is stated on purpose: on the same clause it outweighs an affirmed reading.
        deny = settings.denial_bonus if ri[0].polarity == "denied" else 0.0
        return scores[ri[1]] + bonus.get(ri[0].match, 0.0) + deny

    candidates.sort(key=lambda ri: -value(ri))

    def own_condition(r: Reading) -> bool:
        return matcher.same_condition(q.condition, r.condition)

    # When the readings disagree, the table's precedence rules say which decides (a denial of
    # the very practice asked about outranks an affirmation of a related one ranked above it).
    reading, _rule = table.choose([r for r, _i in candidates], own_condition)
    idx = reading.hit
    # A statement under the question's own condition answers it outright ("if you decline, we
    # will not collect it" answers "if I turn it off, do you still collect it?" with no).
    own = own_condition(reading)
    if own:
        reading = dataclasses.replace(reading, condition="")
    row = table.decide(reading.match, reading.polarity, bool(reading.condition))
    practice = q.practices[0] if q.practices else reading.statement.practice
    text = _answer_text(row, reading, considered[idx].clause, clauses, practice, rules.scope_names)
    # Cite the deciding clause, then the clauses retrieval ranked first (the answering clause is
    # more often among them than among other readings of the same polarity), a clause that
    # reads on the question as the verdict does moved up a few places.
    cited = [idx]
    if row.verdict == "not_stated" and not any(s.vocabulary == "places" for s in reading.general):
        # Only a transfer clause that covers the place asked about is cited (it says where data
        # goes); a clause about personal information in general is no support for "fingerprints".
        return done(row.verdict, text, row.reason, closest=idx)  # type: ignore[arg-type]
    if row.verdict != "not_stated":
        agreeing = {"yes": "affirmed", "no": "denied"}.get(row.verdict, "")

        def place(i: int) -> float:
            agrees = any(r.polarity == agreeing for r in ev.readings[i])
            return i - settings.agreeing_places * agrees

        cited += sorted(
            (i for i in range(len(considered))
             if i != idx and considered[i].dense >= settings.min_support),
            key=place,
        )
    return done(row.verdict, text, row.reason, cited)  # type: ignore[arg-type]
