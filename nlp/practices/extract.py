"""Statements from clauses: practice, actor, polarity, condition and slots, sentence by sentence.

Each sentence is cut into predications at its clause breaks ("; ", ", but ", ...): negation never
crosses one, so "we do not sell X, but we share Y with Z" gives a denied and an affirmed statement
(a break that only opens an excluded noun phrase, "X, but not Y, is kept", does not cut). Within a
predication every practice cue gives a statement; the slots are the ontology matches of the
predication (data types also from the learned tagger when one is given). Which negation and which
condition reach each cue is read by ``nlp.practices.scope`` (coordinated verbs, negative
determiners, fronted and trailing conditions, the user's choices); a phrase a negation excludes
("but not your photos") leaves the statement for a denied copy of its own. A bullet whose list
has a lead-in ("We may disclose personal information to the following categories of
recipients:") also carries the lead-in's statement, with the bullet filling the slot the lead-in
names.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from nlp.practices.ontology import Ontology, load_ontology
from nlp.practices.rules import Patterns, VerbHit, find_retention, inflections, load_patterns
from nlp.practices.tokens import Token, tokenize
from nlp.segment import split_sentences
from nlp.types import Clause, Retention, Span, Statement

__all__ = ["EXTRACT_VERSION", "HANDING_OVER", "StatementExtractor", "SpanFinder"]

# The version of what the extractor returns for the same clauses, models and tables: bumped with
# any change to its rules, so statements cached by an older build are never read again.
EXTRACT_VERSION = 7

# Characters between a cue that needs a purpose and the purpose ("engage in any personalised
# advertising").
_PURPOSE_REACH = 30

# A learned data-type tagger: character spans of data-type mentions in a sentence.
SpanFinder = Callable[[list[str]], list[list[tuple[int, int]]]]
Encode = Callable[[list[str]], np.ndarray]

_SLOT_VOCAB = {"data_types": "data_types", "recipients": "recipients", "purposes": "purposes",
               "places": "places", "audience": "audience"}
_HEAD_STOP = re.compile(
    r"\s*(?:,|;|\(|\bwho\b|\bwhich\b|\bthat\b|\bsuch as\b|\bincluding\b|\bwhere\b|\bto\b(?!\s+our)"
    r"|\bfor\b|\bin order\b|\bwhen\b|\bif\b|\bonly\b|\bunless\b|\bexcept\b|:|\.\s)", re.I)
#: Practices that hand data over to someone: they take recipients, and a denial of one that names
#: no recipient ("we do not sell your data") denies it to anyone.
HANDING_OVER = frozenset({"share", "sell", "rent"})
_NEAREST_MAX_WORDS = 8
_LISTS_DATA = frozenset({"collect", "use", "share", "sell", "rent"})
_NEXT_WORD = re.compile(r"\s*(\w+)")
_USER_GIVES = ("provide", "submit", "give", "enter", "upload")
# A sentence that opens by pointing back and listing: "This may include ...", "Including ...".
_INCLUDES = re.compile(
    r"^\W*(?:specifically,?\s+)?(?:(?:this|these|such|it|they|which)\b[^.;:]{0,40}?\b"
    r"(?:include|includes|consist|consists|cover|covers|comprise|comprises)\b|including\b"
    r"|examples?\b|for example\b|e\.g\.)", re.I)
_LEAD_TRIM = re.compile(r"^(?:to|with|for|by|from|and|or|the|our|any)\s+", re.I)


@dataclass(frozen=True, slots=True)
class _Pred:
    """A predication: character span of a sentence piece no negation crosses."""

    start: int
    end: int


class StatementExtractor:
    """Turn clauses into ``Statement`` objects.

    Parameters
    ----------
    ontology, patterns:
        The vocabularies and cue tables (default: the bundled JSON files).
    data_type_tagger:
        Learned data-type spans per sentence (``PracticeTagger.find_spans``); ``None`` uses the
        ontology's surface forms alone.
    encode, nearest_threshold:
        Sentence encoder for the nearest-node fallback of phrases the ontology does not name,
        and the cosine from which the nearest node is taken (measured on train data). Without an
        encoder such phrases keep ``id=None``.

    Example
    -------
    >>> from nlp.types import Clause
    >>> text = "We do not sell your data, but we share your email address with advertisers."
    >>> ex = StatementExtractor()
    >>> [(s.practice, s.polarity) for s in ex.extract(Clause("c", "p", "v", (), 0, 0, text))]
    [('sell', 'denied'), ('share', 'affirmed')]
    """

    def __init__(
        self,
        ontology: Ontology | None = None,
        patterns: Patterns | None = None,
        data_type_tagger: SpanFinder | None = None,
        encode: Encode | None = None,
        nearest_threshold: float = 1.01,
    ) -> None:
        self.ontology = ontology or load_ontology()
        self.patterns = patterns or load_patterns()
        self.data_type_tagger = data_type_tagger
        self.encode = encode
        self.nearest_threshold = nearest_threshold
        self._text = ""
        self._names: dict[tuple[str, str], str | None] = {}  # phrases named so far

    # -- public --------------------------------------------------------------------------
    def extract(self, clause: Clause) -> list[Statement]:
        """The statements of one clause (several when it states several practices)."""
        return self.extract_many([clause])[0]

    def extract_many(
        self, clauses: Sequence[Clause], *, name: bool = True
    ) -> list[list[Statement]]:
        """The statements of each clause; the tagger and the encoder run once per batch.

        ``name=False`` leaves free-text phrases unnamed (the caller names them later).
        """
        sentences: list[tuple[int, int, int]] = []
        for ci, clause in enumerate(clauses):
            if clause.kind == "heading":
                continue
            for a, b in split_sentences(clause.text) or [(0, len(clause.text))]:
                sentences.append((ci, a, b))
        tagged: list[list[tuple[int, int]]] = [[] for _ in sentences]
        if self.data_type_tagger is not None and sentences:
            tagged = self.data_type_tagger([clauses[ci].text[a:b] for ci, a, b in sentences])
        out: list[list[Statement]] = [[] for _ in clauses]
        last: tuple[tuple[str, ...], list[Statement]] = ((), [])
        for (ci, a, b), spans in zip(sentences, tagged, strict=True):
            clause = clauses[ci]
            shifted = [(a + s, a + e) for s, e in spans]
            found = self._sentence(clause, a, b, shifted)
            if not found and last[0] == clause.section and _INCLUDES.search(clause.text[a:b]):
                found = self._continued(clause, a, b, shifted, last[1])
            if found:
                last = (clause.section, found)
            out[ci].extend(found)
        leads = self._lead_statements(clauses)
        for ci, clause in enumerate(clauses):
            if clause.kind in {"bullet", "table_row"} and clause.context.strip():
                out[ci] = self._with_lead_in(clause, out[ci], self._enclosing(clauses, out, ci),
                                             leads)
        if self.encode is not None and name:
            out = self._name_free_text(out)
        return out

    def _lead_statements(self, clauses: Sequence[Clause]) -> dict[str, list[Statement]]:
        """The statements of every distinct list lead-in of ``clauses``, extracted in one batch."""
        leads = sorted({_lead_text(c.context) for c in clauses
                        if c.kind in {"bullet", "table_row"}
                        and c.context.strip().endswith((":", "…"))} - {""})
        lead_clauses = [Clause(f"lead:{i}", "", "", (), 0, len(t), t)
                        for i, t in enumerate(leads)]
        found = self.extract_many(lead_clauses, name=False) if lead_clauses else []
        return dict(zip(leads, found, strict=True))

    def _continued(
        self, clause: Clause, a: int, b: int, tagged: list[tuple[int, int]],
        previous: list[Statement],
    ) -> list[Statement]:
        """A sentence that only lists data ("This may include your name, ...") continues the
        statement before it: the same practice, with these data types."""
        data_types = self._data_types(clause.text, _Pred(a, b), tagged)
        if not data_types:
            return []
        out: list[Statement] = []
        for st in previous:
            if st.practice in _LISTS_DATA and st.practice not in {s.practice for s in out}:
                out.append(replace(st, clause_id=clause.id, data_types=tuple(data_types),
                                   recipients=(), purposes=(), places=(), audience=(),
                                   retention=None, evidence=None))
        return out

    def _enclosing(
        self, clauses: Sequence[Clause], out: list[list[Statement]], ci: int
    ) -> list[Statement]:
        """The statements of the clause whose last words are ``clauses[ci]``'s lead-in (a list
        nested in a list item: "Categories of these partners ... include:")."""
        lead = clauses[ci].context.strip().rstrip("… ")
        for cj in range(ci - 1, max(-1, ci - 40), -1):
            if lead and lead in clauses[cj].text:
                return [s for s in out[cj] if s.practice in _LISTS_DATA]
        return []

    # -- one sentence --------------------------------------------------------------------
    def _sentence(
        self, clause: Clause, a: int, b: int, tagged: list[tuple[int, int]]
    ) -> list[Statement]:
        text = clause.text
        statements: list[Statement] = []
        audience = self._spans(text, a, b, "audience")
        previous: list[Statement] = []
        for pred in self._predications(text, a, b):
            found = self._predication(clause, pred, tagged, audience)
            if not found and previous and self.patterns.ellipsis_denial.match(
                    text[pred.start : pred.end]):
                # "Other platforms may sell your data, but we don't": the practice before is
                # someone else's, and ours is denied.
                statements = [st for st in statements if st not in previous]
                found = [replace(st, actor="first_party", polarity="denied", negated=True,
                                 condition="") for st in previous]
            statements.extend(found)
            previous = found
        return statements

    def _predications(self, text: str, a: int, b: int) -> list[_Pred]:
        """Cut ``text[a:b]`` at its clause breaks, except where the break only opens an excluded
        noun phrase ("your profile, but not your photos, is kept"): no clause follows it."""
        cuts = {a, b}
        low = text[a:b].lower()
        for brk in self.patterns.breaks:
            for m in re.finditer(re.escape(brk), low):
                if not self._opens_exclusion(low[m.end() :]):
                    cuts.add(a + m.start())
        # A colon between two predications ("Right to opt out of sale: we do not sell personal
        # data") splits them; one that opens a list ("we collect: your name") or follows a
        # label with no verb ("Service providers: we share it with them") does not.
        for m in re.finditer(r":\s", low):
            before = max((c for c in cuts if c <= a + m.start()), default=a)
            after = min((c for c in cuts if c > a + m.end()), default=b)
            if (self.patterns.verb_hits(tokenize(text[before : a + m.start()]))
                    and self.patterns.verb_hits(tokenize(text[a + m.end() : after]))):
                cuts.add(a + m.start())
        pos = sorted(cuts)
        return [_Pred(s, e) for s, e in zip(pos, pos[1:], strict=False) if text[s:e].strip(" ,;:")]

    def _opens_exclusion(self, rest: str) -> bool:
        """Whether ``rest`` (the words after a break) is a negated noun phrase without a verb up
        to its end or the next comma."""
        tokens = tokenize(rest[:200])
        if not tokens or not self.patterns.scope.is_negator([t.text.lower() for t in tokens], 0):
            return False
        end = next((i for i, t in enumerate(tokens) if t.text in {",", ";", ".", ":", ")"}),
                   len(tokens))
        return end > 1 and not self.patterns.verb_hits(tokens[:end])

    def _predication(
        self, clause: Clause, pred: _Pred, tagged: list[tuple[int, int]], audience: list[Span]
    ) -> list[Statement]:
        text = clause.text
        self._text = text
        piece = text[pred.start : pred.end]
        tokens = tokenize(piece, pred.start)
        conds = self.patterns.condition_spans(tokens)
        # a cue inside a condition is the condition's, not a statement ("unless you opt out");
        # an event's own verbs still are ("When you sign up, we ...": signing up is collected)
        described = self.patterns.described_from(tokens)
        hits = [h for h in self.patterns.verb_hits(tokens)
                if h.start < described and not any(a <= h.start < b for a, b in conds
                                                   if not self.patterns.is_event(tokens, (a, b)))]
        if not hits:
            return []
        recipients = self._spans(text, pred.start, pred.end, "recipients", tokens)
        places = self._spans(text, pred.start, pred.end, "places", tokens)
        places = [p for p in places if not any(_overlaps(p, au) for au in audience)]
        purposes = [p for p in self._spans(text, pred.start, pred.end, "purposes", tokens)
                    if not any(_overlaps(p, r) for r in recipients)]
        data_types = self._data_types(text, pred, tagged, tokens)
        data_types = [d for d in data_types
                      if not any(_overlaps(d, o) for o in (*recipients, *places, *audience))]
        user_right = any(c in piece.lower() for c in self.patterns.user_right_cues) or any(
            c in clause.context.lower() for c in ("right", "rights"))
        arguments = frozenset(i for i, t in enumerate(tokens) if any(
            s.start <= t.start < s.end for s in (*data_types, *recipients)))
        reading = self.patterns.scope.read(tokens, hits, conds, arguments)
        scope_of = {h.start: sc for h, sc in zip(hits, reading.hits, strict=True)}
        excluded = [(tokens[a].start, tokens[b - 1].end) for a, b in reading.exclusions]
        out: list[Statement] = []
        seen: set[str] = set()  # one statement per practice, from the first cue that gives one
        right_at = min((h.start for h in hits if h.needs == "user_right" and user_right),
                       default=len(tokens))
        for hit in hits:
            if hit.start > right_at and hit.needs != "user_right":
                continue  # "the right to object to processing": processing is the right's object
            practice = self._practice(hit, tokens, places, recipients, user_right, data_types,
                                      purposes)
            if self._user_provides(tokens, hit):
                practice = "collect"
            if practice is None or practice in seen:
                continue
            if practice not in HANDING_OVER and practice != "transfer_abroad":
                recipients_here: list[Span] = []
            else:
                recipients_here = recipients
            actor, actor_span = self._actor(tokens, hit, recipients, text, [
                (a, b) for a, b in conds if not a <= hit.start < b])
            if actor == "first_party" and actor_span is None:
                # "Arcademics: Provides games. Does not collect ...": the label is the subject.
                actor = self._labelled_subject(tokens, hit, pred.start, hits) or actor
            if practice in HANDING_OVER and self._sells_goods(tokens, hit, data_types):
                continue  # "we do not sell products to minors": not a data practice
            if actor == "user" and practice in HANDING_OVER and scope_of[hit.start].choice is None:
                # "products that you intend to sell": the user's doing, not a practice, and so
                # are the sharing cues after it ("... or made it public, it may be re-shared")
                seen.add(practice)
                continue
            if actor == "user" and practice == "retain":
                continue  # "you should not save your password": the user's doing
            if practice == "collect" and actor == "user":
                if not self._gives(tokens, hit):
                    continue  # "messages you have received", "you can record": the user's doing
                actor = "first_party"  # what you provide to us, we collect
            targets = recipients_here
            if practice in HANDING_OVER and not [r for r in recipients if r != actor_span]:
                targets = self._object_phrase(text, tokens, hit, data_types)
            scope = scope_of[hit.start]
            negated, condition = scope.negated, ""
            if _NONE_AFTER.match(text, tokens[hit.end - 1].end) and not negated:
                negated = True  # "Personal data collected: None"
            span = scope.choice or scope.condition
            if span is not None:
                # the user's choice ("you can opt not to share") is the company's practice,
                # done unless the user says no
                condition = text[tokens[span[0]].start : tokens[span[1] - 1].end].strip(" ,;.")
            if actor == "user" and (scope.choice is not None or hit.needs == "user_right"):
                actor = "first_party"  # a right the user has is one the company grants
            polarity = "conditional" if condition else ("denied" if negated else "affirmed")
            seen.add(practice)
            retention = None
            if practice in {"retain", "delete"}:
                found = find_retention(piece)
                if found is not None:
                    retention = Retention(found.text, found.kind, found.days,
                                          found.start + pred.start, found.end + pred.start)
            evidence = Span(text[tokens[hit.start].start : tokens[hit.end - 1].end],
                            tokens[hit.start].start, tokens[hit.end - 1].end, practice)
            out.append(Statement(
                clause_id=clause.id, actor=actor, practice=practice,
                polarity=polarity,  # type: ignore[arg-type]
                condition=condition,
                data_types=tuple(data_types),
                recipients=tuple(r for r in targets if actor_span is None or r != actor_span),
                purposes=tuple(purposes), places=tuple(places) if practice != "collect" else (),
                retention=retention, audience=tuple(audience), evidence=evidence,
                negated=negated,
            ))
        return _with_exclusions(out, excluded) if excluded else out

    def _practice(
        self, hit: VerbHit, tokens: list[Token], places: list[Span], recipients: list[Span],
        user_right: bool, data_types: list[Span], purposes: Sequence[Span],
    ) -> str | None:
        """The practice a cue states, given which slots its predication fills."""
        if hit.needs == "places":
            # Only an ordinary verb with a place after it moves data abroad.
            after = [p for p in places if p.start >= tokens[hit.start].start]
            if after:
                return "transfer_abroad"
            alternatives = [p for key, p, needs, _ in self.patterns.verbs
                            if p != "transfer_abroad" and needs != "user_right"
                            and tokens[hit.start].text.lower() in key[0]
                            and len(key) == hit.end - hit.start
                            and (needs is None or (needs == "recipients" and recipients))]
            return alternatives[0] if alternatives else self._to_first_party(tokens, hit)
        if hit.needs == "recipients":
            # "provide", "give", "send": sharing only when someone receives ("to X", "with X")
            verb_end = tokens[hit.end - 1].end
            for r in recipients:
                if r.start > verb_end and re.search(
                        r"\b(?:to|with)\s+(?:[\w'-]+\s+){0,2}$", self._text[verb_end : r.start]):
                    return hit.practice
            return self._to_first_party(tokens, hit)
        if hit.needs == "user_right":
            return hit.practice if user_right else None
        if hit.needs == "data_types":
            return hit.practice if data_types else None
        if hit.needs == "purposes":
            # "engage in advertising": a purpose right after the cue
            end = tokens[hit.end - 1].end
            return hit.practice if any(
                0 <= p.start - end <= _PURPOSE_REACH for p in purposes) else None
        if hit.needs == "you_object":
            i = hit.end
            while i < len(tokens) and tokens[i].text.lower() in self.patterns.notify_skip:
                i += 1
            nxt = tokens[i].text.lower() if i < len(tokens) else ""
            return hit.practice if nxt in self.patterns.notify_objects else None
        return hit.practice

    def _to_first_party(self, tokens: list[Token], hit: VerbHit) -> str | None:
        """``to_first_party`` when the cue hands data to the company itself ("never sent to us":
        collection), else ``None``."""
        to = re.match(r"\s+(?:[\w'-]+\s+){0,3}?to\s+([\w'-]+(?:\.[\w'-]+)*)",
                      self._text[tokens[hit.end - 1].end :])
        if to and to.group(1).lower() in self.patterns.first_party:
            return self.patterns.to_first_party
        return None

    def _sells_goods(self, tokens: list[Token], hit: VerbHit, data_types: list[Span]) -> bool:
        """Whether the object after the cue is goods, not data ("sell any of our products")."""
        depth = 0
        words = []  # the six words after it, an aside in parentheses apart
        for t in tokens[hit.end :]:
            depth += (t.text == "(") - (t.text == ")")
            if depth <= 0 and t.text != ")":
                words.append(t)
            if len(words) == 6:
                break
        for t in words:
            if any(d.start <= t.start < d.end for d in data_types):
                return False
            if t.text.lower() in self.patterns.non_data_objects:
                return True
        return False

    @staticmethod
    def _gives(tokens: list[Token], hit: VerbHit) -> bool:
        """Whether the cue's verb is one of handing data over ("provide", "upload", ...)."""
        word = tokens[hit.start].text.lower()
        return any(word in _inflect_set(v) for v in _USER_GIVES)

    def _user_provides(self, tokens: list[Token], hit: VerbHit) -> bool:
        """Whether the cue is the user giving data ("you will be asked to provide ...")."""
        if not self._gives(tokens, hit):
            return False
        window = [t.text.lower() for t in tokens[max(0, hit.start - 6) : hit.start]]
        return "you" in window and "we" not in window[-2:]

    def _labelled_subject(
        self, tokens: list[Token], hit: VerbHit, start: int, hits: Sequence[VerbHit],
    ) -> str | None:
        """The actor of a cue that opens a sentence with no subject ("Does not collect ...") in a
        clause that opens with another party's name as its label ("Arcademics: Provides ..."):
        the label (a recipient it names, or a third party). ``None`` when the label names a data
        type or the company, or there is none."""
        m = _LABEL.match(self._text)
        if m is None or tokens[hit.start].start < m.end():
            return None  # no label, or the cue is in the label itself
        cues = {i for h in hits for i in range(h.start, h.end)}
        before = [(i, t.text.lower()) for i, t in enumerate(tokens[: hit.start])
                  if t.start >= m.end()]
        if any(i not in cues and w not in self.patterns.subjectless_openers for i, w in before):
            return None
        if start > m.end() and not re.search(r"[.:]\s*$", self._text[:start]):
            return None  # the predication continues a sentence, whose subject it shares
        label = m.group(1)
        words = {w.lower() for w in re.findall(r"[\w']+", label)}
        if words & self.patterns.first_party or not label[:1].isupper():
            return None
        named = self._spans(self._text, m.start(1), m.end(1), "recipients")
        if named:
            return named[0].id or named[0].text
        if self._spans(self._text, m.start(1), m.end(1), "data_types"):
            return None
        return "third_parties"

    def _actor(
        self, tokens: list[Token], hit: VerbHit, recipients: list[Span], text: str,
        conditions: Sequence[tuple[int, int]] = (),
    ) -> tuple[str, Span | None]:
        """Who does it: the subject before the cue (``first_party`` for "we" or a passive); the
        "you" of a condition before it ("and, if you agree, share it") is not its subject."""
        start = tokens[hit.start].start
        for r in sorted(recipients, key=lambda r: -r.end):
            between = text[r.end : start] + " " + text[max(0, r.start - 5) : r.start]
            if r.end <= start and not re.search(r"[,;.:]|\b(?:to|with|by|from)\b", between):
                return (r.id or r.text), r
        window = [tokens[i].text.lower() for i in range(max(0, hit.start - 4), hit.start)
                  if not any(a <= i < b for a, b in conditions)]
        if "you" in window and "we" not in window and "us" not in window:
            return "user", None
        return "first_party", None

    def _object_phrase(
        self, text: str, tokens: list[Token], hit: VerbHit, data_types: list[Span]
    ) -> list[Span]:
        """The "with X" / "to X" after a sharing verb, as free text, when no recipient matched."""
        for i in range(hit.end, min(len(tokens), hit.end + 12)):
            word = tokens[i].text.lower()
            if word in {",", ";", ".", "for", "unless", "if", "in"}:
                return []
            if word in {"with", "to"} and i + 1 < len(tokens):
                nxt = tokens[i + 1]
                if not nxt.text[0].isalnum():
                    return []
                if nxt.text.lower() in {"you", "us", "them", "it", "him", "her", "me"} or (
                        word == "to" and nxt.text.lower() in {"provide", "help", "enable",
                                                              "improve"}):
                    return []
                rest = text[nxt.start : tokens[-1].end]
                m = _HEAD_STOP.search(rest, 1)
                phrase = rest[: m.start()] if m else rest
                phrase = phrase.rstrip(" .;:")
                start = nxt.start
                if not phrase or len(phrase.split()) > 8 or any(
                        d.start <= start < d.end for d in data_types):
                    return []
                return [Span(phrase, start, start + len(phrase), None)]
        return []

    # -- slots ---------------------------------------------------------------------------
    def _spans(
        self, text: str, a: int, b: int, vocabulary: str, tokens: list[Token] | None = None
    ) -> list[Span]:
        """Ontology matches in ``text[a:b]``; ``tokens``: that piece's, already cut (offsets into
        ``text``), so a predication read for several vocabularies is tokenised once."""
        if tokens is not None:
            return self.ontology.match_in(text, tokens, vocabulary)
        return [Span(s.text, s.start + a, s.end + a, s.id)
                for s in self.ontology.match(text[a:b], vocabulary)]

    def _data_types(
        self, text: str, pred: _Pred, tagged: list[tuple[int, int]],
        tokens: list[Token] | None = None,
    ) -> list[Span]:
        """Data-type spans: the tagger's (named by the ontology) plus surface matches it missed."""
        matched = self._spans(text, pred.start, pred.end, "data_types", tokens)
        spans: list[Span] = []
        for s, e in tagged:
            if s >= pred.start and e <= pred.end and e > s:
                phrase = text[s:e]
                spans.append(Span(phrase, s, e, self.ontology.lookup(phrase, "data_types")))
        for m in matched:
            if not any(_overlaps(m, t) for t in spans):
                spans.append(m)
        # "our Cookie Policy", "the Privacy Notice": the name of a document, not data
        docs = self.patterns.document_nouns

        def next_word(end: int) -> str:
            m = _NEXT_WORD.match(text, end)
            return m.group(1).lower() if m else ""

        return sorted((sp for sp in spans if next_word(sp.end) not in docs),
                      key=lambda s: s.start)

    # -- list lead-ins -------------------------------------------------------------------
    def _with_lead_in(
        self, clause: Clause, own: list[Statement], enclosing: list[Statement],
        leads: dict[str, list[Statement]],
    ) -> list[Statement]:
        """Add the lead-in's statement, with this item filling the slot the lead-in names.

        A lead-in without a practice of its own ("Categories of these partners include:") takes
        the statements of the list item it ends (``enclosing``).
        """
        lead = clause.context.strip()
        # who the list is about ("If you are a resident of the EEA, you have the following ...")
        lead_audience = tuple(_detached(s) for s in self.ontology.match(lead, "audience"))
        if lead_audience:
            own = [st if st.audience else replace(st, audience=lead_audience) for st in own]
        if not lead.endswith((":", "…")):
            return own
        lead_statements = leads.get(_lead_text(lead)) or enclosing
        if not lead_statements:
            return own
        slot = self.patterns.lead_in_slot(lead)
        values = self._item_values(clause.text, slot)
        out = list(own)
        own_practices = {s.practice for s in own}
        item_tokens = tokenize(clause.text)
        cond = self.patterns.condition(item_tokens, clause.text)
        item_condition = clause.text[cond[0] : cond[1]].strip(" ,;.") if cond else ""
        for st in lead_statements:
            if st.practice in own_practices:
                continue
            own_practices.add(st.practice)
            if item_condition and st.polarity != "denied":
                st = replace(st, polarity="conditional", condition=item_condition)
            inherited: dict[str, Any] = {name: tuple(_detached(s) for s in getattr(st, name))
                         for name in ("data_types", "recipients", "purposes", "places")}
            inherited[slot] = tuple(values)
            out.append(replace(
                st, clause_id=clause.id, audience=tuple(_detached(s) for s in st.audience),
                evidence=None, **inherited,
            ))
        return out

    def _item_values(self, text: str, slot: str) -> list[Span]:
        """The values a list item gives its lead-in's slot: its ontology matches, else its head."""
        found = self._spans(text, 0, len(text), _SLOT_VOCAB[slot])
        head_end = len(text)
        m = _HEAD_STOP.search(text, 1)
        if m:
            head_end = m.start()
        in_head = [s for s in found if s.start < head_end]
        if in_head:
            return in_head
        if found and slot != "data_types":
            return found
        head = text[:head_end]
        trimmed = _LEAD_TRIM.sub("", head)
        start = len(head) - len(trimmed)
        trimmed = trimmed.rstrip(" .;:")
        if not trimmed:
            return found
        return [Span(trimmed, start, start + len(trimmed), None)]

    # -- naming free text ----------------------------------------------------------------
    def _name_free_text(self, out: list[list[Statement]]) -> list[list[Statement]]:
        """Name each phrase without an id by its nearest ontology node, when close enough."""
        assert self.encode is not None
        slots = ("data_types", "recipients", "purposes")
        todo: dict[str, set[str]] = {s: set() for s in slots}
        for statements in out:
            for st in statements:
                for slot in slots:
                    todo[slot].update(s.text for s in getattr(st, slot) if s.id is None)
        names = self._names
        for slot, phrases in todo.items():
            # Long phrases are descriptions, not names of a kind: no node is near them.
            ordered = sorted(p for p in phrases if (slot, p) not in names
                             and len(p.split()) <= _NEAREST_MAX_WORDS)
            for phrase, (nid, _) in zip(ordered, self.ontology.nearest(
                    ordered, slot, self.encode, self.nearest_threshold), strict=True):
                names[(slot, phrase)] = nid
        if len(names) > 100_000:
            names.clear()
        if not any(names.values()):
            return out
        def named(st: Statement) -> Statement:
            fields: dict[str, Any] = {slot: tuple(
                replace(s, id=names.get((slot, s.text))) if s.id is None else s
                for s in getattr(st, slot)) for slot in slots}
            return replace(st, **fields)

        return [[named(st) for st in statements] for statements in out]


_LABEL = re.compile(r"^\s*([A-Z][^:.;]{1,40}?):\s")
# A cue whose label the clause answers with nothing: "Personal data collected: None".
_NONE_AFTER = re.compile(r"[^:.;]{0,60}:\s*(?:none|nothing|no|n/a|not applicable)\s*\.?\s*$",
                         re.IGNORECASE)


@functools.lru_cache(maxsize=64)
def _inflect_set(verb: str) -> frozenset[str]:
    return frozenset(inflections(verb))


def _lead_text(context: str) -> str:
    return context.strip().rstrip("… ")


def _with_exclusions(
    statements: list[Statement], excluded: list[tuple[int, int]]
) -> list[Statement]:
    """Move the values an exclusion names ("your profile, but not your photos, is kept") out
    of each statement into a denied copy of it: denied for those values, not for the whole."""
    def out_of(span: Span) -> bool:
        return any(a <= span.start and span.end <= b for a, b in excluded)

    out: list[Statement] = []
    for st in statements:
        out.append(st)
        if st.polarity == "denied":
            continue
        moved: dict[str, Any] = {}
        kept: dict[str, Any] = {}
        for slot in ("data_types", "recipients", "purposes", "places"):
            values = getattr(st, slot)
            if any(out_of(v) for v in values):
                moved[slot] = tuple(v for v in values if out_of(v))
                kept[slot] = tuple(v for v in values if not out_of(v))
        if not moved:
            continue
        out[-1] = replace(st, **kept)
        out.append(replace(st, polarity="denied", condition="", negated=True, evidence=None,
                           **moved))
    return out


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _detached(span: Span) -> Span:
    """A value read from the list's lead-in: not a span of the item, so its offsets are -1."""
    return Span(span.text, -1, -1, span.id)
