"""Negation and condition scope over the tokens of one predication.

A negator reaches the verb phrase it governs and every verb coordinated with it ("does not rent,
sell or share", "neither sell nor rent", "do not sell X or share it"), and stops where a new
clause starts (a relative or subordinate word, a new subject, "and" between verb phrases). A
negative determiner negates the predicate of the noun phrase it opens ("no personal information
is sold", "we collect no location data"). "but not X" after a noun phrase excludes X from the
statement instead of denying it ("your profile, but not your photos, is kept"). A negation that
is the user's choice ("you can opt not to share") makes the practice conditional, not denied. A
condition governs the verbs after it when it is fronted ("If you are a buyer, we share ...") and
the verb group just before it otherwise ("... and share it unless you opt out").

The words are data (``scope`` in ``nlp/data/practice_patterns.json``); nothing here is learned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from nlp.practices.tokens import Token

__all__ = ["HitScope", "NegationScope", "ScopeReading"]


class _Hit(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


@dataclass(frozen=True, slots=True)
class HitScope:
    """What reaches one practice cue: a negation, the user's choice, a condition (token spans)."""

    negated: bool = False
    choice: tuple[int, int] | None = None
    condition: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class ScopeReading:
    """The scope of every cue of a predication and the excluded phrases ("but not X")."""

    hits: tuple[HitScope, ...]
    exclusions: tuple[tuple[int, int], ...]


def _phrases(entries: Sequence[str]) -> list[tuple[str, ...]]:
    return sorted((tuple(e.lower().split()) for e in entries), key=len, reverse=True)


class NegationScope:
    """Scope rules over tokens, with the word lists of ``data`` (the ``scope`` table)."""

    def __init__(self, data: dict[str, Any], negation: frozenset[str],
                 exceptions: Sequence[tuple[str, ...]]) -> None:
        self.negation = negation
        self.exceptions = list(exceptions) + [tuple(e.split()) for e in data["exceptions"]]
        self.verbal = frozenset(data["verbal_negators"])
        self.determiners = frozenset(data["negative_determiners"])
        self.gerund = frozenset(data["gerund_negators"])
        self.inverting = frozenset(data["inverting_negators"])
        self.bridge = frozenset(data["bridge"])
        self.max_skipped = int(data["max_skipped"])
        self.links = frozenset(data["coordination_links"])
        self.disjunctions = frozenset(data["disjunctions"])
        self.coordinators = frozenset(data["coordinators"])
        self.stops = frozenset(data["scope_stops"])
        self.subjects = frozenset(data["subject_pronouns"])
        self.exclusion_after = frozenset(data["exclusion_after"])
        self.np_end = frozenset(data["noun_phrase_end"])
        self.choices = _phrases(data["user_choice"])
        self.predicates = _phrases(data["negative_predicates"])
        # first word -> the predicates it opens: a token is checked only against those
        self._predicates_by_first: dict[str, list[tuple[str, ...]]] = {}
        for p in self.predicates:
            if p:
                self._predicates_by_first.setdefault(p[0], []).append(p)
        self.max_np = int(data["max_noun_phrase"])
        self.finite = frozenset(data["finite_auxiliaries"])
        self.purpose_links = frozenset(data.get("purpose_links", ()))
        self.max_purpose = int(data.get("max_purpose_words", 0))

    # -- helpers -------------------------------------------------------------------------
    def is_negator(self, low: Sequence[str], i: int) -> bool:
        """Whether ``low[i]`` is a negation cue and not part of an exception ("not only")."""
        w = low[i]
        if not (w in self.negation or w in self.determiners or w in self.verbal
                or w.endswith("n't")):
            return False
        for e in self.exceptions:
            n = len(e)
            for k in range(n):  # the cue may sit anywhere in the exception ("whether or not")
                if e[k] == w and tuple(low[i - k : i - k + n]) == e:
                    return False
        return True

    def _subject_at(self, low: Sequence[str], i: int) -> bool:
        """A pronoun that opens a new clause ("... we use"), not an object ("contact you or")."""
        if low[i] not in self.subjects:
            return False
        nxt = low[i + 1] if i + 1 < len(low) else ""
        return nxt not in self.links and nxt not in self.np_end

    def groups(self, low: Sequence[str], hits: Sequence[_Hit]) -> list[int]:
        """The verb group of every cue: cues coordinated with the one before share its group."""
        out: list[int] = []
        g = 0
        for k, hit in enumerate(hits):
            if k:
                gap = range(hits[k - 1].end, hit.start)
                words = [low[j] for j in gap]
                blocked = any(w in self.stops for w in words) or any(
                    self._subject_at(low, j) for j in gap)
                link_only = all(w in self.links for w in words)
                # "sell X or share it", "keep X, sell it, or pass it": a series of verb phrases
                # (", and are only used": a new one); "use cookies designed to track": an
                # infinitive inside the verb phrase. Not a participle after a noun ("disclose
                # information collected from the sites"): it names the data, it states nothing.
                series = any(w in self.disjunctions for w in words) or (
                    "," in words and "and" not in words)
                infinitive = low[hit.start - 1] == "to" and len(words) <= self.max_np
                # "not used for behavioral tracking": a cue naming the purpose of the verb
                purpose = bool(words) and words[0] in self.purpose_links and (
                    len(words) <= self.max_purpose)
                joined = not blocked and (link_only or series or infinitive or purpose)
                if not joined:
                    g += 1
            out.append(g)
        return out

    def _choice(self, low: Sequence[str], i: int) -> int | None:
        """Start of a user-choice cue just before the negator at ``i`` ("opt not to")."""
        for phrase in self.choices:
            n = len(phrase)
            for back in (n, n + 1):  # "choose not to", "ask us not to", "request that we not"
                s = i - back
                if s >= 0 and tuple(low[s : s + n]) == phrase:
                    return s
        return None

    # -- the reading ---------------------------------------------------------------------
    def read(
        self, tokens: Sequence[Token], hits: Sequence[_Hit],
        conditions: Sequence[tuple[int, int]] = (), arguments: frozenset[int] = frozenset(),
    ) -> ScopeReading:
        """The scope of each of ``hits`` (sorted, non-overlapping token ranges).

        ``conditions`` are token ranges of condition phrases (negators inside them govern
        nothing outside); ``arguments`` are token indices of data-type and recipient spans, the
        nouns a negative determiner after a verb must open ("we collect no location data").
        """
        low = [t.text.lower().replace("’", "'") for t in tokens]
        n = len(low)
        group = self.groups(low, hits)
        at = {h.start: k for k, h in enumerate(hits)}
        negated = [False] * len(hits)
        choice: list[tuple[int, int] | None] = [None] * len(hits)
        exclusions: list[tuple[int, int]] = []

        def inside_condition(i: int) -> bool:
            return any(a <= i < b for a, b in conditions)

        # "restricted from tracking", "refrain from selling": a verb that negates its complement
        lexical = {s + len(p) - 1 for s in range(n) for p in self._predicates_by_first.get(
                   low[s], ()) if tuple(low[s : s + len(p)]) == p}
        if () in self.predicates:  # an empty entry matches everywhere, as it always did
            lexical |= {s - 1 for s in range(n + 1)}

        def reach(k: int, i: int) -> None:
            """Negate cue ``k`` and the cues coordinated after it (negator at token ``i``)."""
            c = self._choice(low, i)
            while c and (low[c - 1] in self.subjects or low[c - 1] in self.bridge) and low[
                    c - 1] not in {",", "and", "or"}:
                c -= 1  # the condition reads from its subject: "you can opt not to share"
            for m in range(k, len(hits)):
                if group[m] != group[k]:
                    break
                if c is not None:
                    choice[m] = (c, hits[m].end)
                else:
                    negated[m] = True

        for i in range(n):
            if inside_condition(i) or not (i in lexical or self.is_negator(low, i)):
                continue
            w = low[i]
            if w in self.gerund:
                # "without selling it": the gerund only; "without your consent" is a condition
                if i + 1 in at:
                    reach(at[i + 1], i)
                continue
            if w in self.determiners and not (i + 1 < n and low[i + 1] in self.bridge):
                k = self._determiner_target(low, i, hits, at, arguments)
                if k is not None:
                    reach(k, i)
                continue
            # a verbal negator: skip auxiliaries and adverbs up to the verb it governs
            j = i + 1
            inverted = w in self.inverting
            while j < n and j not in at and (low[j] in self.bridge or (
                    inverted and low[j] in self.subjects) or self.is_negator(low, j)):
                j += 1
            if j in at:
                reach(at[j], i)
                continue
            if i > 0 and j == i + 1 < n and low[i - 1] in self.exclusion_after:
                end = self._noun_phrase_end(low, j, at)
                if end is not None:
                    exclusions.append((i, end))
                    continue
            k = self._next_hit(low, j, at, self.max_skipped, inverted)
            if k is not None:
                reach(k, i)
        cond = self._condition_scope(low, hits, group, conditions)
        return ScopeReading(
            tuple(HitScope(negated[k], choice[k], cond[k]) for k in range(len(hits))),
            tuple(exclusions),
        )

    def _next_hit(self, low: Sequence[str], j: int, at: dict[int, int], budget: int,
                  inverted: bool = False) -> int | None:
        """The cue within ``budget`` ordinary words of ``j``, with no clause boundary between."""
        skipped = 0
        while j < len(low):
            if j in at:
                return at[j]
            w = low[j]
            if w in self.stops or (w in self.np_end and not self._series_on(low, j, at)) or (
                    not inverted and self._subject_at(low, j)):
                return None
            if w not in self.bridge:
                skipped += 1
                if skipped > budget:
                    return None
            j += 1
        return None

    def _series_on(self, low: Sequence[str], j: int, at: dict[int, int]) -> bool:
        """Whether the comma at ``j`` parts verbs of one series ("we do not read, listen or
        store"): a disjunction follows within three words, before any stop; or a cue opens
        right after it and the series of verb phrases it opens ends in one ("we won't save your
        number, share it, sell it, or show it")."""
        if low[j] != ",":
            return False
        verbs = j + 1 in at
        for k in range(j + 1, min(len(low), j + 1 + (self.max_np if verbs else 3))):
            if low[k] in self.disjunctions:
                return True
            if low[k] in self.stops or (low[k] in self.np_end and not (verbs and low[k] == ",")):
                return False
        return False

    def _noun_phrase_end(self, low: Sequence[str], j: int, at: dict[int, int]) -> int | None:
        """End of the noun phrase opening at ``j`` (before a comma or a cue), if short."""
        for e in range(j, min(len(low), j + self.max_np + 1)):
            if e in at:
                return None  # a verb: "not from selling it" negates it, it excludes nothing
            if low[e] == "," and self._list_goes_on(low, e + 1, at):
                continue  # "not your name, address or phone number"
            if low[e] in self.np_end or low[e] in self.stops:
                return e if e > j else None
        return len(low) if len(low) - j <= self.max_np else None

    def _list_goes_on(self, low: Sequence[str], e: int, at: dict[int, int]) -> bool:
        """Whether the words after a comma go on listing nouns ("address, email address")
        rather than return to the clause ("..., is kept", "..., and we")."""
        if e >= len(low) or e in at:
            return False
        w = low[e]
        if w in self.coordinators:
            return self._list_goes_on(low, e + 1, at)
        return not (w in self.bridge or w in self.finite or w in self.stops or w in self.np_end
                    or w in self.subjects)

    def _determiner_target(
        self, low: Sequence[str], i: int, hits: Sequence[_Hit], at: dict[int, int],
        arguments: frozenset[int],
    ) -> int | None:
        """The cue whose argument a negative determiner opens: the verb after a subject ("no
        data is sold"), or the verb before an object that is a data type or recipient."""
        before = [k for k, h in enumerate(hits) if h.end <= i]
        if before:
            k = before[-1]
            gap = range(hits[k].end, i)
            np_end = self._noun_phrase_end(low, i + 1, at) or min(len(low), i + 1)
            opens_argument = any(t in arguments for t in range(i + 1, max(np_end, i + 2)))
            if opens_argument and not any(low[t] in self.stops for t in gap):
                return k
            return None
        nxt = self._next_hit(low, i + 1, at, self.max_np)
        # the determiner of a practice noun denies it ("no biometric processing of these images
        # is performed", "no sale of your data")
        if nxt is not None and hits[nxt].start - i <= 3:
            gap = range(i + 1, hits[nxt].start)
            if low[hits[nxt].start].endswith(("ing", "ion", "sale", "sales")) and not any(
                    low[t] in self.finite or low[t] in self.stops for t in gap):
                return nxt
        # the phrase is the verb's subject only when a finite verb follows it ("no data is
        # sold"), not an infinitive ("no need to process")
        if nxt is None or low[hits[nxt].start - 1] == "to" or not any(
                low[t] in self.finite for t in range(i + 1, hits[nxt].start)):
            return None
        return nxt

    def _condition_scope(
        self, low: Sequence[str], hits: Sequence[_Hit], group: Sequence[int],
        conditions: Sequence[tuple[int, int]],
    ) -> list[tuple[int, int] | None]:
        """The condition governing each cue: a fronted one governs the cues after it, a trailing
        one the verb group just before it."""
        cands: list[list[tuple[int, int]]] = [[] for _ in hits]
        for a, b in conditions:
            before = [k for k, h in enumerate(hits) if h.end <= a]
            after = [k for k, h in enumerate(hits) if h.start >= b]
            # fronted: before every cue, or closed by a comma right before a cue ("and, if you
            # agree, share it"; "or, if this is not possible, then we will store it")
            closed = b < len(low) and low[b] == ","
            nxt = self._next_hit(low, b + 1, {h.start: k for k, h in enumerate(hits)},
                                 self.max_skipped, inverted=True) if closed else None
            if not before or nxt is not None:
                for k in after:
                    cands[k].append((a, b))
                continue
            # trailing: the verb group just before it, and the one before that when the nearer
            # group sits in a relative or subordinate clause ("use it for purposes that we
            # disclosed, if permitted")
            k = before[-1]
            while True:
                g = group[k]
                for m in before:
                    if group[m] == g:
                        cands[m].append((a, b))
                first = min(m for m in before if group[m] == g)
                if not first or not self._subordinate(low, hits[first - 1].end, hits[first].start):
                    break
                k = first - 1
        # of several, the nearest ("When X, we delete it or, if this is not possible, store it")
        return [min(c, key=lambda ab: min(abs(h.start - ab[1]), abs(ab[0] - h.end)))
                if c else None for h, c in zip(hits, cands, strict=True)]

    def _subordinate(self, low: Sequence[str], a: int, b: int) -> bool:
        """Whether the cue after ``low[a:b]`` sits inside the verb phrase before it: in a
        relative or subordinate clause (a stop, a new subject) or its object ("disclose your
        health records"), not coordinated with it ("collect X and share it")."""
        gap = range(a, b)
        return any(low[j] in self.stops or self._subject_at(low, j) for j in gap) or not any(
            low[j] in self.coordinators for j in gap)
