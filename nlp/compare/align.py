"""Alignment: pair the clauses of an old and a new text, in three steps.

1. **Same wording.** Clauses whose *normalised* text is equal are paired first (in document order,
   same section first). Normalisation removes differences of form only: case, whitespace,
   punctuation and quotes, Markdown emphasis and link syntax (``[text](url)`` -> ``text``),
   web-archive URL prefixes, page counters, list markers and enumerators ("F. ", "(a) ", "2.1 "),
   and the letters or numbers of cross-references ('section H "HOW TO CONTACT US"' and
   'section J "HOW TO CONTACT US"' normalise alike); a version's own date stamp ("Last updated:
   March 1, 2024") pairs with the other's whatever the date, since the date is the version label.
   Such a pair is ``unchanged`` when the raw texts are equal and ``cosmetic`` otherwise.
2. **Similar wording.** The clauses left over on both sides are paired by an optimal assignment
   (Hungarian algorithm) on a score mixing sentence-embedding cosine and word-level text similarity
   (``difflib`` ratio on normalised words), with a bonus for clauses that sit between the same
   step-1 anchors (the same "hunk", as in a line diff) or under the same (normalised) section.
   A pair scoring at least ``CompareSettings.match_threshold`` is ``changed``.
3. Whatever is still unpaired is ``removed`` (old side) or ``added`` (new side).

Categories come from ``Clause.labels`` (set by the classifier when the clauses were labelled);
a clause without labels counts under ``"unlabelled"``.

Example
-------
The seed's two versions; ``encoder`` is any encoder (in the doctests, the tests' fake one).

>>> from nlp import PolicyLens, compare_versions
>>> lens = PolicyLens(encoder=encoder, classifier=None)
>>> cmp = compare_versions(lens.clauses(version="2019"), lens.clauses(version="2020"), encoder)
>>> sorted({c.section for c in cmp.of_kind("added")}), len(cmp.of_kind("changed"))
(['F. MINORS', 'G. SECURITY MEASURES'], 3)
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nlp.compare.normalize import (
    is_date_stamp,
    norm_words,
    normalize_section,
    normalize_text,
    stamp_key,
    word_ratio,
)
from nlp.compare.report import ChangeKind, ClauseChange, Comparison, change_labels, word_diff
from nlp.config import CompareSettings
from nlp.types import Clause

__all__ = ["compare_versions"]

# Nearest clauses (by embedding) for which the word-level similarity is computed.
_CANDIDATES = 12
# A split or merge spans at most this many clauses; a piece must add this much similarity.
_MAX_PIECES = 6
_GROW_MARGIN = 0.03


@dataclass(slots=True)
class _Side:
    clauses: list[Clause]
    words: list[list[str]]
    keys: list[str]
    sections: list[tuple[str, ...]]

    @classmethod
    def of(cls, clauses: Sequence[Clause]) -> _Side:
        words = [norm_words(c.text) for c in clauses]
        return cls(
            list(clauses),
            words,
            [stamp_key(c.text) or " ".join(w) for c, w in zip(clauses, words, strict=True)],
            [normalize_section(c.section) for c in clauses],
        )


def _anchor_pairs(old: _Side, new: _Side) -> dict[int, int]:
    """Pair clauses whose normalised text is equal: same section first, then in document order."""
    by_key_old: dict[str, list[int]] = defaultdict(list)
    by_key_new: dict[str, list[int]] = defaultdict(list)
    for i, k in enumerate(old.keys):
        if k:
            by_key_old[k].append(i)
    for j, k in enumerate(new.keys):
        if k:
            by_key_new[k].append(j)
    pairs: dict[int, int] = {}
    for key, olds in by_key_old.items():
        news = by_key_new.get(key)
        if not news:
            continue
        if len(olds) == 1 and len(news) == 1:
            pairs[olds[0]] = news[0]
            continue
        free_new = list(news)
        rest: list[int] = []
        for i in olds:  # duplicates ("please contact us"): prefer the one in the same section
            same = next((j for j in free_new if new.sections[j] == old.sections[i]), None)
            if same is None:
                rest.append(i)
            else:
                pairs[i] = same
                free_new.remove(same)
        for i, j in zip(rest, free_new, strict=False):
            pairs[i] = j
    return pairs


def _hunk_ids(n: int, anchor_rank: dict[int, int]) -> list[int]:
    """For each of ``n`` clauses, the rank of the last in-order anchor at or before it."""
    out = []
    last = -1
    for i in range(n):
        last = anchor_rank.get(i, last)
        out.append(last)
    return out


def _lis_anchor_ranks(pairs: dict[int, int]) -> tuple[dict[int, int], dict[int, int]]:
    """Ranks of the anchors on the longest increasing subsequence of new indices (old order)."""
    items = sorted(pairs.items())
    news = [j for _, j in items]
    # patience-sorting LIS with back pointers
    tails: list[int] = []
    tails_idx: list[int] = []
    prev = [-1] * len(news)
    for k, j in enumerate(news):
        p = bisect.bisect_left(tails, j)
        if p == len(tails):
            tails.append(j)
            tails_idx.append(k)
        else:
            tails[p] = j
            tails_idx[p] = k
        prev[k] = tails_idx[p - 1] if p > 0 else -1
    chain: list[int] = []
    k = tails_idx[-1] if tails_idx else -1
    while k >= 0:
        chain.append(k)
        k = prev[k]
    chain.reverse()
    old_rank = {items[k][0]: r for r, k in enumerate(chain)}
    new_rank = {items[k][1]: r for r, k in enumerate(chain)}
    return old_rank, new_rank


def compare_versions(
    old_clauses: Sequence[Clause],
    new_clauses: Sequence[Clause],
    encoder: Any,
    settings: CompareSettings | None = None,
) -> Comparison:
    """Align the clauses of an old and a new text and say what was added, removed and changed.

    Parameters
    ----------
    old_clauses, new_clauses:
        The clauses of the two versions (or two policies), each in document order, e.g.
        ``lens.clauses(policy_id, "2019-01-17")``. Headings count as clauses too.
    encoder:
        Anything with ``encode(texts, *, batch_size=None, normalize=True)`` (``nlp.embed.Encoder``);
        only clauses whose normalised wording has no equal on the other side are encoded.
    settings:
        ``CompareSettings``: weights and thresholds of the alignment.

    Returns
    -------
    Comparison
        Every clause of both sides exactly once, in the order of the new text.

    Example
    -------
    >>> from nlp.types import Clause
    >>> old = [Clause("a", "p", "v1", (), 0, 20, "We keep logs 30 days.")]
    >>> new = [Clause("b", "p", "v2", (), 0, 20, "We keep logs 90 days."),
    ...        Clause("c", "p", "v2", (), 21, 40, "We never sell data.")]
    >>> cmp = compare_versions(old, new, encoder)
    >>> [c.kind for c in cmp.changes]
    ['changed', 'added']
    """
    s = settings or CompareSettings()
    old, new = _Side.of(old_clauses), _Side.of(new_clauses)
    pairs = _anchor_pairs(old, new)
    old_rank, new_rank = _lis_anchor_ranks(pairs)
    old_hunk = _hunk_ids(len(old.clauses), old_rank)
    new_hunk = _hunk_ids(len(new.clauses), new_rank)

    rest_old = [i for i in range(len(old.clauses)) if i not in pairs]
    paired_new = set(pairs.values())
    rest_new = [j for j in range(len(new.clauses)) if j not in paired_new]
    scored: dict[int, tuple[int, float, float, float]] = {}
    if rest_old and rest_new:
        scored = _match_rest(old, new, rest_old, rest_new, old_hunk, new_hunk, encoder, s)

    changes_by_new: dict[int, ClauseChange] = {}
    for i, j in pairs.items():
        o, n = old.clauses[i], new.clauses[j]
        kind: ChangeKind = "unchanged" if o.text == n.text else "cosmetic"
        changes_by_new[j] = ClauseChange(
            kind=kind,
            old=o,
            new=n,
            similarity=1.0,
            text_similarity=1.0,
            embedding_similarity=1.0,
            labels=change_labels(n, o),
            moved=old.sections[i] != new.sections[j],
            diff=word_diff(o.text, n.text) if kind == "cosmetic" else (),
        )
    free_new = set(range(len(new.clauses))) - set(pairs.values()) - {j for j, *_ in scored.values()}
    free_old = set(range(len(old.clauses))) - set(pairs) - set(scored)
    consumed: set[int] = set()  # new clauses that are further pieces of a split
    for i, (j, score, text_sim, emb_sim) in scored.items():
        # A clause split in two (or two merged in one) pairs with one piece; take the
        # neighbouring unpaired pieces in when they make the wording closer.
        group_new = _grow(old.words[i], j, new.words, free_new)
        group_old = [i] if len(group_new) > 1 else _grow(new.words[j], i, old.words, free_old)
        free_new.difference_update(group_new)
        free_old.difference_update(group_old)
        for k in group_old:
            pairs[k] = j
        consumed.update(k for k in group_new if k != group_new[0])
        olds = [old.clauses[k] for k in group_old]
        news = [new.clauses[k] for k in group_new]
        o, n = olds[0], news[0]
        old_text = " ".join(c.text for c in olds)
        new_text = " ".join(c.text for c in news)
        if len(olds) > 1 or len(news) > 1:
            text_sim = word_ratio(norm_words(old_text), norm_words(new_text))
        stamp = is_date_stamp(o.text) and is_date_stamp(n.text)
        same = normalize_text(old_text) == normalize_text(new_text)
        changes_by_new[group_new[0]] = ClauseChange(
            kind="cosmetic" if stamp or same else "changed",
            old=o,
            new=n,
            similarity=score,
            text_similarity=text_sim,
            embedding_similarity=emb_sim,
            labels=change_labels(n, o),
            moved=old.sections[i] != new.sections[j],
            diff=word_diff(old_text, new_text),
            old_extra=tuple(olds[1:]),
            new_extra=tuple(news[1:]),
        )
    for j, n in enumerate(new.clauses):
        if j not in changes_by_new and j not in consumed:
            changes_by_new[j] = ClauseChange(
                kind="added", old=None, new=n, labels=change_labels(n, None)
            )

    # Removed clauses go right after the new clause that the nearest paired old clause before
    # them maps to, so a report reads in document order.
    removed_after: dict[int, list[ClauseChange]] = defaultdict(list)
    last_new = -1
    for i, o in enumerate(old.clauses):
        if i in pairs:
            last_new = pairs[i]
            continue
        removed_after[last_new].append(
            ClauseChange(kind="removed", old=o, new=None, labels=change_labels(o, None))
        )
    ordered: list[ClauseChange] = list(removed_after.get(-1, []))
    for j in range(len(new.clauses)):
        if j in changes_by_new:
            ordered.append(changes_by_new[j])
        ordered.extend(removed_after.get(j, []))

    first_old = old.clauses[0] if old.clauses else None
    first_new = new.clauses[0] if new.clauses else None
    return Comparison(
        old_policy=first_old.policy_id if first_old else "",
        old_version=first_old.version if first_old else "",
        new_policy=first_new.policy_id if first_new else "",
        new_version=first_new.version if first_new else "",
        changes=tuple(ordered),
    )


def _grow(target: list[str], start: int, words: list[list[str]], free: set[int]) -> list[int]:
    """Indices of ``start`` and the free neighbours whose joined words best match ``target``.

    A neighbour is taken only when it raises the word-level similarity to ``target`` by a clear
    margin, so a clause genuinely added next to a changed one stays added.
    """
    group = [start]
    best = word_ratio(target, words[start])
    while len(group) < _MAX_PIECES:
        options = [k for k in (group[0] - 1, group[-1] + 1) if k in free]
        scored = [
            (word_ratio(target, [w for m in sorted([*group, k]) for w in words[m]]), k)
            for k in options
        ]
        if not scored:
            break
        ratio, k = max(scored)
        if ratio < best + _GROW_MARGIN:
            break
        group, best = sorted([*group, k]), ratio
    return group


def _match_rest(
    old: _Side,
    new: _Side,
    rest_old: list[int],
    rest_new: list[int],
    old_hunk: list[int],
    new_hunk: list[int],
    encoder: Any,
    s: CompareSettings,
) -> dict[int, tuple[int, float, float, float]]:
    """Optimal one-to-one pairing of the left-over clauses: ``{old: (new, score, text, emb)}``."""
    from scipy.optimize import linear_sum_assignment

    texts = [old.clauses[i].text for i in rest_old] + [new.clauses[j].text for j in rest_new]
    vecs = np.asarray(encoder.encode(texts, normalize=True), dtype=np.float32)
    emb = vecs[: len(rest_old)] @ vecs[len(rest_old) :].T
    # The word-level ratio is quadratic per pair: compute it only for each clause's nearest
    # candidates by embedding (both directions), which is where any real pair lies.
    plausible = emb >= s.min_embedding_similarity
    k = _CANDIDATES
    if emb.shape[1] > k:
        top = np.argpartition(-emb, k - 1, axis=1)[:, :k]
        rows_mask = np.zeros_like(plausible)
        np.put_along_axis(rows_mask, top, True, axis=1)
    else:
        rows_mask = np.ones_like(plausible)
    if emb.shape[0] > k:
        top = np.argpartition(-emb, k - 1, axis=0)[:k, :]
        cols_mask = np.zeros_like(plausible)
        np.put_along_axis(cols_mask, top, True, axis=0)
    else:
        cols_mask = np.ones_like(plausible)
    text = np.zeros_like(emb)
    for a, b in zip(*np.nonzero(plausible & (rows_mask | cols_mask)), strict=True):
        text[a, b] = word_ratio(old.words[rest_old[a]], new.words[rest_new[b]])
    score = s.embedding_weight * emb + (1.0 - s.embedding_weight) * text
    hunk_o = np.array([old_hunk[i] for i in rest_old])[:, None]
    hunk_n = np.array([new_hunk[j] for j in rest_new])[None, :]
    section_ids: dict[tuple[str, ...], int] = {(): -1}
    sec_o = np.array([section_ids.setdefault(old.sections[i], len(section_ids)) for i in rest_old])
    sec_n = np.array([section_ids.setdefault(new.sections[j], len(section_ids)) for j in rest_new])
    same_section = (sec_o[:, None] == sec_n[None, :]) & (sec_o[:, None] >= 0)
    bonus = s.same_hunk_bonus * (hunk_o == hunk_n) + s.same_section_bonus * same_section
    total = score + bonus
    rows, cols = linear_sum_assignment(-total)
    out: dict[int, tuple[int, float, float, float]] = {}
    for a, b in zip(rows, cols, strict=True):
        if total[a, b] >= s.match_threshold and emb[a, b] >= s.min_embedding_similarity:
            out[rest_old[a]] = (
                rest_new[b],
                float(score[a, b]),
                float(text[a, b]),
                float(emb[a, b]),
            )
    return out
