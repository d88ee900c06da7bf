"""Read a question into a query frame: its kind, the practice asked about, its slots, its focus.

Everything the reader knows is data: the question patterns (``nlp/data/question_patterns.json``)
and the practices ontology's surface forms (``nlp/data/ontology.json``), so a slot of the frame
carries the same id a statement's slot does. The kind is read from the syntax of the main clause,
not the first word: a leading condition ("If I close my account, ...") is set aside, and the main
clause opening with an auxiliary asks yes or no. Words no pattern knows only steer retrieval;
nothing in the frame requires them.

>>> q = parse_question("If I close my account, do you still keep my photos?")
>>> q.kind, q.practices[0], [(s.vocabulary, s.id) for s in q.slots]
('yesno', 'retain', [('data_types', 'photos')])
>>> parse_question("Is my data sent to China?").practices[0]
'transfer_abroad'
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from nlp.answer.patterns import PatternMatch, QuestionPatterns, load_question_patterns, tokens_of
from nlp.practices import Ontology, load_ontology
from nlp.practices.tokens import Token

__all__ = ["SLOT_LABELS", "Question", "Slot", "company_names", "parse_question", "retrieval_query"]

# Pattern label -> the ontology vocabulary its ids belong to.
SLOT_LABELS = {
    "DATA_TYPE": "data_types",
    "RECIPIENT": "recipients",
    "PLACE": "places",
    "PURPOSE": "purposes",
    "AUDIENCE": "audience",
}
_VERB_LABELS = ("PRACTICE", "USER_PRACTICE", "RECEIVE")
# When a question's verbs read as several practices, the most specific one is asked about.
_PRECEDENCE = (
    "sell", "rent", "transfer_abroad", "share", "delete", "user_delete", "user_export",
    "user_correct", "user_access", "user_object", "notify", "protect", "track", "retain", "use",
    "collect",
)
_NOUN_MARKERS = frozenset(
    {"my", "your", "our", "the", "a", "an", "their", "his", "her", "its", "any"}
)
_CUT = frozenset({",", ";", ":", "(", ")", "—", "–"})
_SUBJECT_PRONOUNS = frozenset({"i", "you", "u", "he", "she", "it", "they", "we"})
_DETERMINER_ONLY = frozenset({"other", "another"})
_WITH_PLACE = frozenset({"transfer_abroad", "share", "retain", "collect", "use"})


@dataclass(frozen=True, slots=True)
class Slot:
    """A thing the question names: its ontology vocabulary and id, and its words in the question."""

    vocabulary: str
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class Question:
    """The query frame of a question.

    ``kind`` is ``yesno`` or ``info``; ``practices`` the practices asked about (practices-stage
    ids, the most specific first; empty when no verb names one); ``slots`` what the question
    names; ``focus`` what an information question wants (``duration``, ``contact``, ``method``,
    ...; ``None``); ``subject`` who does the verb (``first_party``, ``user`` or ``recipient``);
    ``query`` the text retrieval reads (the company's own name left out); ``words`` the words no
    pattern knows, which steer retrieval and are never required; ``topics`` the topics
    (``do_not_track``, ``age_limit``, ...) answered from the wording of the clause that treats them.
    """

    text: str
    kind: str
    practices: tuple[str, ...]
    slots: tuple[Slot, ...]
    focus: str | None = None
    subject: str = "first_party"
    query: str = ""
    words: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    condition: str = ""

    def slot_ids(self, vocabulary: str) -> tuple[str, ...]:
        return tuple(s.id for s in self.slots if s.vocabulary == vocabulary)


def _first_word(words: Sequence[str], rules: QuestionPatterns) -> int:
    i = 0
    while i < len(words) and words[i] in rules.discourse:
        i += 1
    return i


def _segments(tokens: Sequence[Token]) -> list[tuple[int, int]]:
    spans, start = [], 0
    for i, t in enumerate(tokens):
        if t.text in _CUT:
            if i > start:
                spans.append((start, i))
            start = i + 1
    if start < len(tokens):
        spans.append((start, len(tokens)))
    return spans


def _kind_of_clause(words: Sequence[str], rules: QuestionPatterns) -> str | None:
    """``yesno``/``info`` when the clause is a question's main clause, else ``None``."""
    if not words:
        return None
    first = words[0]
    if first in rules.aux:
        # "can you tell me how long ..." asks for the information, not whether they can tell.
        asks_to_tell = len(words) > 2 and words[1] in {"you", "u"} and any(
            w in rules.tell_verbs for w in words[2:4]
        )
        if asks_to_tell and any(w in rules.wh for w in words[3:]):
            return "info"
        return "yesno"
    asks_after_preposition = (
        first in rules.prepositions and len(words) > 1 and words[1] in rules.wh
    )
    if first in rules.wh or asks_after_preposition:
        return "info"  # "how long ...", "on what basis ...", "to whom ..."
    if first in rules.tell_verbs:
        return "info"
    return None


def _main_clause(tokens: Sequence[Token], rules: QuestionPatterns) -> tuple[str, int, int]:
    """The question's kind and the token range of its main clause."""
    words = [t.text.lower().replace("’", "'") for t in tokens]
    segments = _segments(tokens)
    for a, b in segments:
        i = a + _first_word(words[a:b], rules)
        if i >= b:
            continue
        first = words[i]
        later = any(
            _kind_of_clause(words[c + _first_word(words[c:d], rules) : d], rules)
            for c, d in segments
            if c > a
        )
        if first in rules.subordinators:
            if later:
                continue
            # No comma: "if I close my account do you keep ..." -> the main clause starts at the
            # first auxiliary or question word after the condition's own verb.
            for j in range(i + 2, b):
                # A pronoun right after the subordinator is the condition's subject ("if it will
                # ..."); one after the condition's verb is its object ("if i allow it will you").
                if words[j] in rules.wh or (
                    words[j] in rules.aux and j + 1 < b and words[j + 1] not in rules.aux
                ) and not (j - 1 == i + 1 and words[j - 1] in {"i", "we", "you", "they", "it"}):
                    kind = "info" if words[j] in rules.wh else "yesno"
                    return kind, j, b
            if first not in rules.wh:
                continue
        found = _kind_of_clause(words[i:b], rules)
        if found:
            return found, i, _cut_trailing_condition(words, i, b, rules)
    # A statement before the question, with no comma ("my son is 14 can he use it"): the
    # question starts at an auxiliary inverted with its pronoun subject.
    for j in range(1, len(words) - 1):
        if words[j] in rules.aux and words[j + 1] in _SUBJECT_PRONOUNS:
            return "yesno", j, _cut_trailing_condition(words, j, len(tokens), rules)
    # A statement with a question mark ("my data is sold?") asks yes or no.
    i = _first_word(words, rules)
    kind = "yesno" if "?" in words or (i < len(words) and words[i] in rules.aux) else "info"
    return kind, i, _cut_trailing_condition(words, i, len(tokens), rules)


def _cut_trailing_condition(
    words: Sequence[str], start: int, end: int, rules: QuestionPatterns
) -> int:
    """The end of the main clause before a trailing condition ("... when I close my account")."""
    for j in range(start + 3, end):
        if words[j] in {"if", "when", "once", "after", "unless", "before", "whenever"}:
            return j
    return end


def _names_mask(
    tokens: Sequence[Token], names: Collection[str], nouns: Collection[str] = ()
) -> list[bool]:
    """Which tokens name the company; a capitalised word right after its name is part of it
    ("Toca Boca World", "Amazon Prime"), not a thing asked about, and so is one of ``nouns``
    ("the simplywise site")."""
    mask = [t.lemma in names or t.text.lower() in names for t in tokens]
    for i in range(1, len(tokens)):
        capitalised = tokens[i].text[:1].isupper() and tokens[i - 1].text[:1].isupper()
        if mask[i - 1] and not mask[i] and (capitalised or tokens[i].lemma in nouns):
            mask[i] = True
    return mask


def _slot_matches(
    tokens: Sequence[Token], found: Sequence[PatternMatch], onto: Ontology, lo: int, hi: int,
    blocked: Sequence[bool], verb_objects: Collection[str] = (),
    holders: Collection[str] = (), holder_types: Collection[str] = (),
) -> list[tuple[int, int, str, str]]:
    """Non-overlapping slot spans ``(first, last, vocabulary, id)``: longest, then leftmost.

    A one-word match right before one of ``verb_objects`` is a verb ("call me", "contact us"),
    not the thing it would name. A thing that holds another is dropped: one in the possessive
    before it ("my phone's gps location"), one after it and one of ``holders`` and a noun
    marker ("the contacts on my phone"), or one of ``holder_types`` right before it ("my phone
    contacts")."""
    cands: list[tuple[int, int, str, str]] = []
    for m in found:
        if m.label in SLOT_LABELS and lo <= m.first and m.last <= hi:
            cands.append((m.first, m.last, SLOT_LABELS[m.label], m.id))
    for vocab in SLOT_LABELS.values():
        for a, b, nid in onto.match_tokens(tokens[lo:hi], vocab):
            cands.append((a + lo, b + lo, vocab, nid))
    cands = [c for c in cands if not (
        c[1] - c[0] == 1 and c[1] < len(tokens) and tokens[c[1]].text.lower() in verb_objects)]
    # "other" before a noun is its determiner ("other websites"), not "others".
    cands = [c for c in cands if not (
        c[1] - c[0] == 1 and tokens[c[0]].text.lower() in _DETERMINER_ONLY
        and c[1] < len(tokens) and tokens[c[1]].text.isalpha())]
    cands.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    taken = list(blocked)
    out: list[tuple[int, int, str, str]] = []
    for a, b, vocab, nid in cands:
        # The same words may name a data type and a purpose ("ads"): keep both readings.
        if any(taken[a:b]) and not any(o[0] == a and o[1] == b and o[2] != vocab for o in out):
            continue
        out.append((a, b, vocab, nid))
        for k in range(a, b):
            taken[k] = True
    out.sort()
    # A thing in the possessive before another thing holds it: "my phone's gps location" asks
    # about the location, not the phone.
    # So does a thing it is on: "the contacts on my phone" asks about the contacts.
    starts = {(a, vocab) for a, _b, vocab, _n in out}
    ends = {(b, vocab) for _a, b, vocab, _n in out}
    words = [t.text.lower() for t in tokens]

    def holder(a: int, b: int) -> bool:
        if words[b - 1].endswith(("'s", "’s")) and (b, "data_types") in starts:
            return True
        # A device named right before a thing holds it ("my phone contacts"), unless that thing
        # is generic ("device info").
        this = next(n for a2, b2, v, n in out if (a2, b2, v) == (a, b, "data_types"))
        nxt = next((n for a2, _b2, v, n in out if a2 == b and v == "data_types"), None)
        node = onto.nodes.get("data_types", {}).get(nxt or "")
        if this in holder_types and node is not None and node.parent is not None:
            return True
        return a >= 3 and words[a - 1] in _NOUN_MARKERS and words[a - 2] in holders \
            and (a - 2, "data_types") in ends

    def generic_head(a: int, nid: str) -> bool:
        # "my sensitive mental health info": the generic head of the things before it.
        node = onto.nodes.get("data_types", {}).get(nid)
        return node is not None and node.parent is None and (a, "data_types") in ends

    return [s for s in out if not (s[2] == "data_types" and (
        holder(s[0], s[1]) or generic_head(s[0], s[3])))]


def _recipient_referred_to(
    tokens: Sequence[Token], found: Sequence[PatternMatch], onto: Ontology, lo: int, hi: int,
    named: Sequence[bool], words: Sequence[str], rules: QuestionPatterns,
) -> tuple[tuple[int, int, str, str], int] | None:
    """The recipient a fronted condition names, and the main clause's subject pronoun that
    refers back to it ("if acme gets bought by another company, do they get my data?": the
    buyer gets it); ``None`` when there is no such pair."""
    if lo == 0:
        return None
    pronoun = next((k for k in range(lo, hi) if words[k] in rules.referring_subjects), None)
    if pronoun is None:
        return None
    before = [c for c in _slot_matches(tokens, found, onto, 0, lo, named)
              if c[2] == "recipients"]
    if not before:
        return None
    # The pronoun refers to the last one named: the company itself when its name comes after
    # ("if my company signs up for deliveroo, do they use my info?": deliveroo does).
    if any(named[k] for k in range(before[-1][1], lo)):
        return None
    return before[-1], pronoun


def _subject_of(
    pos: int, lo: int, words: Sequence[str], kinds: Sequence[str], rules: QuestionPatterns
) -> str:
    """Who does the verb at ``pos``: the nearest subject word to its left in the main clause
    (a name after a preposition is no subject: "can other people on askfm see ...")."""
    for j in range(pos - 1, lo - 1, -1):
        if kinds[j] and not _after_preposition(j, lo, words, kinds, rules):
            return kinds[j]
        if words[j] in rules.user_subjects:
            return "user"
    return "first_party"


def _after_preposition(
    j: int, lo: int, words: Sequence[str], kinds: Sequence[str], rules: QuestionPatterns
) -> bool:
    """Whether the name at ``j`` is the object of a preposition ("on The League")."""
    k = j - 1
    while k >= lo and (kinds[k] == kinds[j] or words[k] in _NOUN_MARKERS):
        k -= 1
    return k >= lo and words[k] in rules.prepositions


def _topics(
    text: str, words: Sequence[str], found: Sequence[PatternMatch], rules: QuestionPatterns
) -> tuple[str, ...]:
    """The topics a TOPIC pattern names, and those a stated age asks ("my son is 14, can he
    join?")."""
    topics = [m.id for m in found if m.label == "TOPIC"]
    if rules.question_age.search(text):
        # "plays", "uses" ask as "play", "use" do.
        joined = " " + " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w
                                for w in words) + " "
        topics += [
            tid for tid, t in rules.topics.items()
            if any(f" {w} " in joined for w in t.asked_with_age)
        ]
    return tuple(dict.fromkeys(topics))


def parse_question(
    text: str,
    *,
    names: Collection[str] = (),
    patterns: QuestionPatterns | None = None,
    ontology: Ontology | None = None,
) -> Question:
    """Read ``text`` into a :class:`Question` frame.

    ``names`` are lower-cased words that name the company (its own name is the first party, never
    a required word: "does discord sell my data" asks what "we" do).
    """
    rules = patterns or load_question_patterns()
    onto = ontology or load_ontology()
    tokens = tokens_of(text)
    words = [t.text.lower().replace("’", "'") for t in tokens]
    kind, lo, hi = _main_clause(tokens, rules)
    found = rules.match(tokens)
    # The company by its name, or as "the app" / "this site": the first party, never a slot.
    named = _names_mask(tokens, names, rules.company_nouns)
    for m in found:
        if m.label == "FIRST_PARTY" and m.last - m.first > 1:
            named[m.first : m.last] = [True] * (m.last - m.first)
    slots_at = _slot_matches(tokens, found, onto, lo, hi, named, rules.verb_objects,
                              rules.holders, rules.holder_types)
    # Per token: who it is, when it can be a subject ("first_party", "recipient" or "").
    kinds = ["first_party" if n else "" for n in named]
    for m in found:
        if m.label == "FIRST_PARTY" and m.last - m.first == 1 and not kinds[m.first]:
            kinds[m.first] = "first_party"
    referred = _recipient_referred_to(tokens, found, onto, lo, hi, named, words, rules)
    if referred is not None:
        slot, pronoun = referred
        slots_at.append(slot)
        kinds[pronoun] = "recipient"
    for a, b, vocab, _nid in slots_at:
        if vocab == "recipients":
            for k in range(a, b):
                kinds[k] = "recipient"
    slot_tokens = {k for a, b, _v, _n in slots_at for k in range(a, b)}
    recipient_at = {a for a, _b, vocab, _n in slots_at if vocab == "recipients"}

    practices: list[str] = []
    subject = "first_party"
    verbs = sorted(
        (m for m in found if m.label in _VERB_LABELS and lo <= m.first and m.last <= hi),
        key=lambda m: (m.first, -(m.last - m.first)),
    )
    by_pos: dict[int, list[PatternMatch]] = {}
    for m in verbs:
        # A word after "my"/"the" is a noun ("my recordings"), not the verb, and so is one
        # between "my" and the thing it describes ("my private chats", "my saved photos").
        if m.first > 0 and words[m.first - 1] in _NOUN_MARKERS and (
                m.first in slot_tokens or (m.last - m.first == 1 and m.last in slot_tokens)):
            continue
        by_pos.setdefault(m.first, []).append(m)
    for pos, ms in by_pos.items():
        who = _subject_of(pos, lo, words, kinds, rules)
        wanted = {"user": "USER_PRACTICE", "recipient": "RECEIVE"}.get(who, "PRACTICE")
        # The longest pattern at the verb wins ("get targeted ads" over "get").
        of_label = [m for m in ms if m.label == wanted] or [m for m in ms if m.label == "PRACTICE"]
        longest = max((m.last - m.first for m in of_label), default=0)
        # A longer pattern of another label is the phrase the words make ("will I get a heads
        # up" is a notice, not "get" of access).
        # Not of a label that needs another subject: "does youtube ask for my name" is not "can
        # I ask for my data", nor "can flirtex hear me" what a recipient hears of.
        longer = [m for m in ms if m.last - m.first > longest and m.label in (wanted, "PRACTICE")]
        if longer:
            of_label = longer
            longest = max(m.last - m.first for m in longer)
        best = [m for m in of_label if m.last - m.first == longest]
        chosen = [m.id for m in best]
        # "tell google's partners": the verb's object is a recipient (after at most a determiner)
        if any(m.last in recipient_at
               or (m.last + 1 in recipient_at and words[m.last] in _NOUN_MARKERS) for m in best):
            chosen = [rules.recipient_object.get(p, p) for p in chosen]
        if chosen and not practices:
            subject = who
        practices.extend(p for p in dict.fromkeys(chosen) if p not in practices)
    places = [s for s in slots_at if s[2] == "places"]
    if places and (not practices or set(practices) & _WITH_PLACE):
        practices = ["transfer_abroad", *(p for p in practices if p != "transfer_abroad")]
    elif "transfer_abroad" in practices and kind == "yesno":
        # Without a place, "sent" asks about sharing ("is my data sent to advertisers?") and
        # "processed" about use.
        practices.remove("transfer_abroad")
        practices = practices or ["share"]
    practices.sort(key=lambda p: _PRECEDENCE.index(p) if p in _PRECEDENCE else len(_PRECEDENCE))

    slots = tuple(
        Slot(vocab, nid, text[tokens[a].start : tokens[b - 1].end])
        for a, b, vocab, nid in slots_at
    )
    focus = None
    if kind == "info":
        focus_matches = sorted(
            (m for m in found if m.label == "FOCUS"), key=lambda m: (m.first, -(m.last - m.first))
        )
        # The main clause asks; a fronted condition ("if I call support, how long ...") does not.
        in_main = [m for m in focus_matches if lo <= m.first and m.last <= hi]
        focus_matches = in_main or focus_matches
        # "how do I" asks for a way, unless the verb it opens asks for something more precise
        # ("how do I contact you" wants the address).
        if len(focus_matches) > 1 and focus_matches[0].id == rules.generic_focus:
            after = [m for m in focus_matches[1:] if m.first == focus_matches[0].last]
            focus_matches = after + focus_matches
        focus = focus_matches[0].id if focus_matches else None
    known = {k for m in found if m.label != "FILLER" for k in range(m.first, m.last)} | slot_tokens
    steer = tuple(
        t.text.lower()
        for k, t in enumerate(tokens)
        if k not in known and not named[k] and t.text.isalpha() and len(t.text) > 2
    )
    query = " ".join(t.text for k, t in enumerate(tokens) if not named[k]) or text
    condition = ""
    first = _first_word(words, rules)
    if lo > 0 and first < lo and words[first] in rules.subordinators:
        condition = text[tokens[first].start : tokens[lo - 1].end]
    elif hi < len(tokens) and words[hi] in rules.subordinators:
        condition = text[tokens[hi].start :]
    return Question(
        text=text,
        kind=kind,
        practices=tuple(practices),
        slots=slots,
        focus=focus,
        subject=subject,
        query=query,
        words=steer,
        topics=_topics(text, words, found, rules),
        condition=condition.strip(" ,;:?"),
    )


_CAPITALISED = re.compile(r"(?<![.!?:]\s)(?<!^)\b([A-Z][\w’'-]*[A-Za-z0-9]|[a-z]+[A-Z]\w*)")
_WORDS = re.compile(r"[A-Za-z][\w’'-]*[A-Za-z0-9]|[A-Za-z]")


def company_names(
    name: str, texts: Sequence[str], patterns: QuestionPatterns | None = None
) -> frozenset[str]:
    """Lower-cased words that name the company: those of the policy's name and its most
    frequent capitalised words (written capitalised nearly always, mid-sentence).

    >>> texts = ["We are Zorbo Labs. Zorbo Labs stores data. Use Zorbo Labs."]
    >>> sorted(company_names("Zorbo Privacy Policy", texts))
    ['labs', 'zorbo']
    """
    rules = patterns or load_question_patterns()
    skip = rules.not_names
    out = {
        w.lower() for w in _WORDS.findall(name)
        if w.lower() not in skip and not any(ch.isdigit() for ch in w) and len(w) > 2
    }
    # A policy named after a company that other policies name as a recipient ("Amazon.com
    # Privacy Notice") is that company's own: its first word names the first party here.
    first = next(iter(_WORDS.findall(name)), "").lower()
    if first in skip and _names_a_recipient(first, rules):
        out.add(first)
    caps: dict[str, int] = {}
    for text in texts:
        for m in _CAPITALISED.finditer(text):
            w = m.group(1).lower()
            if w not in skip and len(w) > 2 and not any(ch.isdigit() for ch in w):
                caps[w] = caps.get(w, 0) + 1
    if caps:
        low: dict[str, int] = {}
        for text in texts:
            for w in _WORDS.findall(text):
                lw = w.lower()
                if lw in caps:
                    low[lw] = low.get(lw, 0) + 1
        top = max(caps.values())
        onto = load_ontology()
        for w, n in caps.items():
            frequent = n >= max(3, top // 4) and n >= 0.8 * low.get(w, n)
            if frequent and not _names_a_thing(w, rules, onto):
                out.add(w)
    return frozenset(sorted(out, key=lambda w: -caps.get(w, 0))[:_MAX_NAMES] + [
        w for w in out if w in {x.lower() for x in _WORDS.findall(name)}
    ])


_MAX_NAMES = 6


def _names_a_recipient(word: str, rules: QuestionPatterns) -> bool:
    found = rules.match(tokens_of(word))
    return any(m.label == "RECIPIENT" and m.last - m.first == 1 for m in found)


def _names_a_thing(word: str, rules: QuestionPatterns, onto: Ontology) -> bool:
    """Whether a frequent capitalised word is something a question asks about (a country, a
    recipient, a practice), which the text alone does not make the company's name."""
    toks = tokens_of(word)
    if any(m.label not in ("FILLER", "FIRST_PARTY") for m in rules.match(toks)):
        return True
    return any(onto.match_tokens(toks, vocab) for vocab in SLOT_LABELS.values())


def retrieval_query(
    q: Question, patterns: QuestionPatterns | None = None, ontology: Ontology | None = None
) -> str:
    """The words BM25 searches with: the question without the company's name, the policy words
    for its practice and focus, and the ontology's own names of what it names ("pics" ->
    "photo").

    >>> retrieval_query(parse_question("do you sell my pics?"))
    'do you sell my pics ? sell sale sold photo photograph'
    """
    rules = patterns or load_question_patterns()
    onto = ontology or load_ontology()
    extra: list[str] = []
    for key in (q.practices[0] if q.practices else None, q.focus):
        if key and key in rules.query_terms:
            extra.append(rules.query_terms[key])
    for s in q.slots:
        node = onto.nodes.get(s.vocabulary, {}).get(s.id)
        if node is not None and node.parent is not None:
            extra.extend(node.surface[:_EXPANSION_FORMS])
    return " ".join([q.query, *extra])


_EXPANSION_FORMS = 2
