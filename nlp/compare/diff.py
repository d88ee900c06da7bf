"""Compare two versions of a policy (or two policies): which clauses were added, removed, changed.

Clauses are aligned in three steps:

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
>>> from nlp import PolicyLens, compare_versions                       # doctest: +SKIP
>>> lens = PolicyLens()                                                  # doctest: +SKIP
>>> cmp = compare_versions(lens.clauses(version="2019"), lens.clauses(version="2020"),
...                        lens.encoder)                                 # doctest: +SKIP
>>> [(c.kind, c.category) for c in cmp.substantive][:2]                  # doctest: +SKIP
[('changed', 'collection'), ('changed', 'use')]
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from nlp.config import CompareSettings
from nlp.errors import InputError
from nlp.ingest.clean import MD_IMAGE, MD_LINK, MD_LINK_TAIL
from nlp.types import Clause

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CHANGE_KINDS",
    "ChangeKind",
    "ClauseChange",
    "Comparison",
    "compare_files",
    "compare_policies",
    "compare_versions",
    "mark_words",
    "normalize_section",
    "normalize_text",
    "text_similarity",
    "word_diff",
]

ChangeKind = Literal["added", "removed", "changed", "cosmetic", "unchanged"]
CHANGE_KINDS: tuple[ChangeKind, ...] = ("added", "removed", "changed", "cosmetic", "unchanged")
SUBSTANTIVE: frozenset[str] = frozenset({"added", "removed", "changed"})
UNLABELLED = "unlabelled"
# Nearest clauses (by embedding) for which the word-level similarity is computed.
_CANDIDATES = 12
# A split or merge spans at most this many clauses; a piece must add this much similarity.
_MAX_PIECES = 6
_GROW_MARGIN = 0.03

DiffOp = Literal["equal", "delete", "insert"]

# --- normalisation: differences of form -----------------------------------------------------

_ARCHIVE_PREFIX = re.compile(r"https?://web\.archive\.org/web/[0-9a-z_*]+/", re.I)
_ANGLE_URL = re.compile(r"<(https?://[^>\s]+)>")
_PAGE_COUNTER = re.compile(
    r"\b(?:page\s+)?\d{1,4}\s*(?:/|of)\s*\d{1,4}\b(?=\s*$)|\bpage\s+\d{1,4}\b", re.I
)
# A cross-reference names a section by letter or number; renumbering is form, not substance.
# Articles are left alone: "Article 6(1)(a)" becoming "(f)" of the GDPR changes the legal basis.
_XREF = re.compile(
    r"\b((?i:sections?|paragraphs?|clauses?|parts?))\s*[\"'“”‘’*_(]*"
    r"(?:[A-Z]|[IVXLC]{1,6}|\d{1,3}(?:\.\d{1,3})*)\b\.?(?:[)\"'“”‘’*_]*)"
)
_ENUMERATOR = re.compile(
    r"^\s*(?:[-*+•·▪◦●–—]\s+|\(?(?:\d{1,3}(?:\.\d{1,3})*|[A-Za-z]|[ivxlcIVXLC]{1,6})[.)](?=\s))\s*"
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# "Last updated: March 1, 2024": the version's own date stamp, already its label, so form only.
_DATE_STAMP = re.compile(
    r"^(?=.*\d)\W*(?P<key>last\s+(?:updated|modified|revised|changed)|(?:date\s+)?(?:updated|revised)(?:\s+on)?"
    r"|effective(?:\s+date|\s+as\s+of|\s+from|\s+on)?|(?:policy\s+)?version(?:\s+date)?)"
    r"\s*[:\-–—]?\s*(?:\d{1,4}(?:st|nd|rd|th)?|[ ,./()-]"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?)+$",
    re.IGNORECASE,
)


def normalize_text(text: str) -> str:
    """The words of ``text`` with differences of form removed, lower-cased, space-separated.

    Two clauses that normalise alike differ at most cosmetically.

    >>> normalize_text('See section **H "HOW TO CONTACT US"** [below](https://x.example/#h).')
    'see section how to contact us below'
    >>> normalize_text("F. CHANGES TO THIS  PRIVACY POLICY")
    'changes to this privacy policy'
    """
    return " ".join(_words(text))


def _words(text: str) -> list[str]:
    t = unicodedata.normalize("NFKC", text)
    t = _ARCHIVE_PREFIX.sub("", t)
    t = MD_IMAGE.sub(" ", t)
    t = MD_LINK.sub(r"\1", t)
    t = MD_LINK_TAIL.sub(" ", t)
    t = _ANGLE_URL.sub(r"\1", t)
    t = _PAGE_COUNTER.sub(" ", t)
    t = _XREF.sub(r"\1 ", t)
    t = _ENUMERATOR.sub("", t, count=1)
    return [w.lower() for w in _WORD.findall(t)]


def _stamp_key(text: str) -> str:
    """For a date stamp ("Last updated: May 2, 2024"), a key without the date; else ``""``."""
    m = _DATE_STAMP.match(text.strip())
    return "\x00" + " ".join(_words(m.group("key"))) if m else ""


def normalize_section(section: Sequence[str]) -> tuple[str, ...]:
    """A section path with enumerators and case removed ("H. HOW TO CONTACT US" -> "how to...")."""
    return tuple(n for n in (normalize_text(s) for s in section) if n)


def text_similarity(a: str, b: str) -> float:
    """Word-level similarity of two texts in [0, 1] (``difflib`` ratio on normalised words).

    >>> text_similarity("We keep logs for 30 days.", "We keep logs for 90 days.")
    0.8333333333333334
    """
    return _ratio(_words(a), _words(b))


def _ratio(a: Sequence[str], b: Sequence[str]) -> float:
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _opcodes(
    old: str, new: str
) -> tuple[list[str], list[str], list[tuple[str, int, int, int, int]]]:
    a, b = old.split(), new.split()
    ka = [" ".join(_words(w)) or w for w in a]
    kb = [" ".join(_words(w)) or w for w in b]
    ops = [tuple(op) for op in difflib.SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes()]
    return a, b, ops  # type: ignore[return-value]


def word_diff(old: str, new: str) -> tuple[tuple[DiffOp, str], ...]:
    """A word-level diff of two texts as ``(op, text)`` runs, ``op`` in equal/delete/insert.

    Words are compared in normalised form (so "Platform," equals "platform"); the runs carry the
    original words (of the new text for equal runs), so a reader sees the wording as written.

    >>> word_diff("We sell data.", "We never sell data.")
    (('equal', 'We'), ('insert', 'never'), ('equal', 'sell data.'))
    """
    a, b, ops = _opcodes(old, new)
    runs: list[tuple[DiffOp, str]] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            runs.append(("equal", " ".join(b[j1:j2])))
            continue
        if i2 > i1:
            runs.append(("delete", " ".join(a[i1:i2])))
        if j2 > j1:
            runs.append(("insert", " ".join(b[j1:j2])))
    return tuple(runs)


def mark_words(old: str, new: str) -> tuple[str, str]:
    """Old and new text side by side, words only in the old marked ``[-...-]``, only in the new
    ``{+...+}`` (the style of ``git diff --word-diff``).

    >>> mark_words("We keep logs 30 days.", "We keep logs for 90 days.")
    ('We keep logs [-30-] days.', 'We keep logs {+for 90+} days.')
    """
    a, b, ops = _opcodes(old, new)
    left: list[str] = []
    right: list[str] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            left.extend(a[i1:i2])
            right.extend(b[j1:j2])
            continue
        if i2 > i1:
            left.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            right.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(left), " ".join(right)


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClauseChange:
    """One aligned pair of clauses (or a lone added/removed clause) and what happened to it.

    ``similarity`` is the alignment score (1.0 for normalised-equal pairs, 0.0 for lone clauses);
    ``text_similarity`` and ``embedding_similarity`` are its two parts. ``labels`` are the
    categories of the clause (new side first, then old); ``moved`` is true when the clause now
    sits under a different section (after normalising section letters and numbers away).

    A clause split into consecutive clauses (or consecutive clauses merged into one) is one
    change: ``new_extra`` (``old_extra``) holds the further pieces, and ``new_text``
    (``old_text``) their joined wording, so a split of form only is ``cosmetic``.
    """

    kind: ChangeKind
    old: Clause | None
    new: Clause | None
    similarity: float = 0.0
    text_similarity: float = 0.0
    embedding_similarity: float = 0.0
    labels: tuple[str, ...] = ()
    moved: bool = False
    diff: tuple[tuple[DiffOp, str], ...] = ()
    old_extra: tuple[Clause, ...] = ()
    new_extra: tuple[Clause, ...] = ()

    @property
    def old_text(self) -> str:
        """The old wording: ``old``'s text, followed by ``old_extra`` when clauses were merged."""
        return " ".join(c.text for c in self.old_clauses)

    @property
    def new_text(self) -> str:
        """The new wording: ``new``'s text, followed by ``new_extra`` when a clause was split."""
        return " ".join(c.text for c in self.new_clauses)

    @property
    def old_clauses(self) -> tuple[Clause, ...]:
        """All old clauses of this change (none, one, or several merged into one new clause)."""
        return ((self.old,) if self.old else ()) + self.old_extra

    @property
    def new_clauses(self) -> tuple[Clause, ...]:
        """All new clauses of this change (none, one, or the pieces of a split clause)."""
        return ((self.new,) if self.new else ()) + self.new_extra

    @property
    def category(self) -> str:
        """The first label, or ``"unlabelled"``."""
        return self.labels[0] if self.labels else UNLABELLED

    @property
    def substantive(self) -> bool:
        """True for added, removed and changed clauses (not cosmetic or unchanged ones)."""
        return self.kind in SUBSTANTIVE

    @property
    def section(self) -> str:
        """Section path of the clause (the new side when there is one)."""
        c = self.new or self.old
        return c.section_path if c else ""

    def side_by_side(self) -> tuple[str, str]:
        """Old and new wording with the differences marked ``[-removed-]`` and ``{+added+}``."""
        old, new = self.old_text, self.new_text
        if self.kind in ("added", "removed", "unchanged"):
            return old, new
        return mark_words(old, new)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record (the shape of ``policylens compare --json``)."""
        old_marked, new_marked = self.side_by_side()
        return {
            "kind": self.kind,
            "category": self.category,
            "labels": list(self.labels),
            "similarity": round(self.similarity, 4),
            "text_similarity": round(self.text_similarity, 4),
            "embedding_similarity": round(self.embedding_similarity, 4),
            "moved": self.moved,
            "old": _clause_ref(self.old),
            "new": _clause_ref(self.new),
            "old_extra": [_clause_ref(c) for c in self.old_extra],
            "new_extra": [_clause_ref(c) for c in self.new_extra],
            "old_marked": old_marked if self.kind == "changed" else None,
            "new_marked": new_marked if self.kind == "changed" else None,
            "diff": [list(run) for run in self.diff],
        }


def _clause_ref(c: Clause | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "clause_id": c.id,
        "version": c.version,
        "section": c.section_path,
        "start": c.start,
        "end": c.end,
        "text": c.text,
    }


@dataclass(frozen=True, slots=True)
class Comparison:
    """The aligned clauses of two versions (or policies), in the order of the new text.

    ``changes`` holds every clause of both sides exactly once: pairs (unchanged, cosmetic,
    changed) and lone clauses (added, removed; a removed clause is placed after the new clause its
    old predecessor was paired with).
    """

    old_policy: str
    old_version: str
    new_policy: str
    new_version: str
    changes: tuple[ClauseChange, ...] = field(default_factory=tuple)

    @property
    def substantive(self) -> list[ClauseChange]:
        """Added, removed and changed clauses."""
        return [c for c in self.changes if c.substantive]

    def of_kind(self, *kinds: ChangeKind) -> list[ClauseChange]:
        """The changes of the given kinds, e.g. ``cmp.of_kind("added")``."""
        return [c for c in self.changes if c.kind in kinds]

    def counts(self) -> dict[str, dict[str, int]]:
        """``{category: {kind: n}}``; a clause with several labels counts under each of them."""
        out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CHANGE_KINDS, 0))
        for ch in self.changes:
            for label in ch.labels or (UNLABELLED,):
                out[label][ch.kind] += 1
        return dict(out)

    def counts_frame(self, *, substantive_only: bool = False) -> pd.DataFrame:
        """Per-category counts as a DataFrame: one row per category, one column per kind.

        Rows are sorted by the number of substantive changes (most first); ``total`` is the sum of
        added, removed and changed.
        """
        import pandas as pd

        kinds = (
            [k for k in CHANGE_KINDS if k in SUBSTANTIVE]
            if substantive_only
            else list(CHANGE_KINDS)
        )
        counts = self.counts()
        frame = pd.DataFrame(
            [[counts[c][k] for k in kinds] for c in counts], index=list(counts), columns=kinds
        )
        frame["total"] = sum(frame[k] for k in kinds if k in SUBSTANTIVE)
        frame.index.name = "category"
        frame = frame.sort_values(["total", *kinds], ascending=False, kind="stable")
        return frame[frame[kinds].sum(axis=1) > 0] if substantive_only else frame

    def to_frame(self, *, include_unchanged: bool = False) -> pd.DataFrame:
        """One row per change, columns documented in the README ("Research workflow").

        Columns: ``kind``, ``category``, ``labels`` (";"-joined), ``similarity``,
        ``text_similarity``, ``embedding_similarity``, ``moved``, ``old_section``, ``new_section``,
        ``old_text``, ``new_text``, ``old_marked``, ``new_marked`` (the word diff, ``[-...-]`` and
        ``{+...+}``), ``old_clause_id``, ``new_clause_id``, ``old_start``, ``old_end``,
        ``new_start``, ``new_end``, ``old_clauses``, ``new_clauses`` (how many clauses each side
        spans: 0, 1, or more for a split or merge). Unchanged clauses are left out unless
        ``include_unchanged``.
        """
        import pandas as pd

        rows = []
        for ch in self.changes:
            if ch.kind == "unchanged" and not include_unchanged:
                continue
            old_marked, new_marked = ch.side_by_side()
            o, n = ch.old, ch.new
            o_last = ch.old_clauses[-1] if o else None
            n_last = ch.new_clauses[-1] if n else None
            rows.append(
                {
                    "kind": ch.kind,
                    "category": ch.category,
                    "labels": ";".join(ch.labels),
                    "similarity": round(ch.similarity, 4),
                    "text_similarity": round(ch.text_similarity, 4),
                    "embedding_similarity": round(ch.embedding_similarity, 4),
                    "moved": ch.moved,
                    "old_section": o.section_path if o else None,
                    "new_section": n.section_path if n else None,
                    "old_text": ch.old_text if o else None,
                    "new_text": ch.new_text if n else None,
                    "old_marked": old_marked if o else None,
                    "new_marked": new_marked if n else None,
                    "old_clause_id": o.id if o else None,
                    "new_clause_id": n.id if n else None,
                    "old_start": o.start if o else None,
                    "old_end": o_last.end if o_last else None,
                    "new_start": n.start if n else None,
                    "new_end": n_last.end if n_last else None,
                    "old_clauses": len(ch.old_clauses),
                    "new_clauses": len(ch.new_clauses),
                }
            )
        return pd.DataFrame(rows, columns=_FRAME_COLUMNS)

    def to_dict(self, *, include_unchanged: bool = False) -> dict[str, Any]:
        """The stable JSON shape of ``policylens compare --json``."""
        summary = {k: 0 for k in CHANGE_KINDS}
        for ch in self.changes:
            summary[ch.kind] += 1
        return {
            "old": {"policy": self.old_policy, "version": self.old_version},
            "new": {"policy": self.new_policy, "version": self.new_version},
            "summary": summary,
            "by_category": self.counts(),
            "changes": [
                ch.to_dict() for ch in self.changes if include_unchanged or ch.kind != "unchanged"
            ],
        }

    def report(self, *, include_cosmetic: bool = False, width: int = 100) -> str:
        """A plain-text report: counts, then each substantive change with its wording marked."""
        lines = [
            f"{self.old_policy} {self.old_version}  ->  {self.new_policy} {self.new_version}",
        ]
        summary = {k: len(self.of_kind(k)) for k in CHANGE_KINDS}
        lines.append(", ".join(f"{n} {k}" for k, n in summary.items()))
        frame = self.counts_frame(substantive_only=True)
        if len(frame):
            lines.append("")
            table = frame[["added", "removed", "changed"]].to_string()
            lines.extend(table.splitlines())
        shown = (
            ("added", "removed", "changed", "cosmetic")
            if include_cosmetic
            else ("added", "removed", "changed")
        )
        for ch in self.changes:
            if ch.kind not in shown:
                continue
            lines.append("")
            where = ch.section or "(no section)"
            head = f"{ch.kind.upper():<8} [{', '.join(ch.labels) or UNLABELLED}]"
            if ch.kind in ("changed", "cosmetic"):
                head += f" similarity {ch.similarity:.2f}"
            head += f"  {where}"
            lines.append(head if len(head) <= width else head[: width - 3] + "...")
            old_marked, new_marked = ch.side_by_side()
            if ch.kind == "added":
                lines.append(f"  + {new_marked}")
            elif ch.kind == "removed":
                lines.append(f"  - {old_marked}")
            else:
                lines.append(f"  old: {old_marked}")
                lines.append(f"  new: {new_marked}")
        return "\n".join(lines)


_FRAME_COLUMNS = [
    "kind",
    "category",
    "labels",
    "similarity",
    "text_similarity",
    "embedding_similarity",
    "moved",
    "old_section",
    "new_section",
    "old_text",
    "new_text",
    "old_marked",
    "new_marked",
    "old_clause_id",
    "new_clause_id",
    "old_start",
    "old_end",
    "new_start",
    "new_end",
    "old_clauses",
    "new_clauses",
]


# --- alignment ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Side:
    clauses: list[Clause]
    words: list[list[str]]
    keys: list[str]
    sections: list[tuple[str, ...]]

    @classmethod
    def of(cls, clauses: Sequence[Clause]) -> _Side:
        words = [_words(c.text) for c in clauses]
        return cls(
            list(clauses),
            words,
            [_stamp_key(c.text) or " ".join(w) for c, w in zip(clauses, words, strict=True)],
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
    >>> cmp = compare_versions(old, new, encoder)                  # doctest: +SKIP
    >>> [c.kind for c in cmp.changes]                              # doctest: +SKIP
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
            labels=_labels(n, o),
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
            text_sim = _ratio(_words(old_text), _words(new_text))
        stamp = bool(_DATE_STAMP.match(o.text.strip()) and _DATE_STAMP.match(n.text.strip()))
        same = normalize_text(old_text) == normalize_text(new_text)
        changes_by_new[group_new[0]] = ClauseChange(
            kind="cosmetic" if stamp or same else "changed",
            old=o,
            new=n,
            similarity=score,
            text_similarity=text_sim,
            embedding_similarity=emb_sim,
            labels=_labels(n, o),
            moved=old.sections[i] != new.sections[j],
            diff=word_diff(old_text, new_text),
            old_extra=tuple(olds[1:]),
            new_extra=tuple(news[1:]),
        )
    for j, n in enumerate(new.clauses):
        if j not in changes_by_new and j not in consumed:
            changes_by_new[j] = ClauseChange(kind="added", old=None, new=n, labels=_labels(n, None))

    # Removed clauses go right after the new clause that the nearest paired old clause before
    # them maps to, so a report reads in document order.
    removed_after: dict[int, list[ClauseChange]] = defaultdict(list)
    last_new = -1
    for i, o in enumerate(old.clauses):
        if i in pairs:
            last_new = pairs[i]
            continue
        removed_after[last_new].append(
            ClauseChange(kind="removed", old=o, new=None, labels=_labels(o, None))
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
    best = _ratio(target, words[start])
    while len(group) < _MAX_PIECES:
        options = [k for k in (group[0] - 1, group[-1] + 1) if k in free]
        scored = [
            (_ratio(target, [w for m in sorted([*group, k]) for w in words[m]]), k) for k in options
        ]
        if not scored:
            break
        ratio, k = max(scored)
        if ratio < best + _GROW_MARGIN:
            break
        group, best = sorted([*group, k]), ratio
    return group


def _labels(primary: Clause, other: Clause | None) -> tuple[str, ...]:
    out = list(primary.labels)
    if other is not None:
        out += [label for label in other.labels if label not in out]
    return tuple(out)


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
        text[a, b] = _ratio(old.words[rest_old[a]], new.words[rest_new[b]])
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


# --- policies and files -------------------------------------------------------------------------


def compare_policies(
    lens: Any,
    old_policy: str,
    new_policy: str | None = None,
    *,
    old_version: str | None = None,
    new_version: str | None = None,
    settings: CompareSettings | None = None,
    classifier: Any | None = None,
) -> Comparison:
    """Compare two policies loaded in a ``PolicyLens`` (or two versions of one).

    With ``new_policy`` ``None`` the two versions are of ``old_policy``: by default its second
    most recent (old) and most recent (new) ones. Otherwise each side defaults to its latest
    version. With ``classifier`` (a fitted ``ClauseClassifier``), clauses that carry no labels
    yet are labelled first, so the report is per category.

    >>> lens = PolicyLens(); lens.load("corpora/000_ce4448d9c54926ad.txt")   # doctest: +SKIP
    >>> compare_policies(lens, "000-ce4448d9c54926ad").old_version            # doctest: +SKIP
    '2019-01-17'
    """
    settings = settings or getattr(getattr(lens, "settings", None), "compare", None)
    if new_policy is None:
        policy = lens.policy(old_policy)
        if old_version is None and new_version is None:
            if len(policy.versions) < 2:
                raise InputError(
                    f"policy {policy.id!r} holds a single version; give a second policy to "
                    "compare it with"
                )
            new_version, old_version = policy.versions[0].label, policy.versions[1].label
        new_policy = old_policy
    old = lens.clauses(old_policy, old_version)
    new = lens.clauses(new_policy, new_version)
    if classifier is not None:
        old, new = (
            _with_labels(old, classifier, lens.encoder),
            _with_labels(new, classifier, lens.encoder),
        )
    return compare_versions(old, new, lens.encoder, settings)


def _with_labels(clauses: list[Clause], classifier: Any, encoder: Any) -> list[Clause]:
    """Label the clauses that have no labels yet, by ``classifier.label_clauses``."""
    todo = [i for i, c in enumerate(clauses) if not c.labels]
    if not todo:
        return clauses
    labelled = classifier.label_clauses([clauses[i] for i in todo], encoder)
    out = list(clauses)
    for i, c in zip(todo, labelled, strict=True):
        out[i] = c
    return out


def compare_files(
    old_path: str | Path,
    new_path: str | Path | None = None,
    *,
    lens: Any | None = None,
    old_version: str | None = None,
    new_version: str | None = None,
    settings: Any | None = None,
    classify: bool = True,
) -> Comparison:
    """Load one or two policy files and compare them (the ``policylens compare`` command).

    With one file, its two most recent versions are compared (older -> newer); with two, the
    latest version of ``old_path`` against the latest of ``new_path`` (unless versions are named).
    ``settings`` is the one ``Settings`` object; ``lens`` an existing ``PolicyLens`` to load into.
    With ``classify`` (default), clauses are labelled by the shipped clause classifier when one is
    installed (``Settings.classify.model_dir``); without one, categories read "unlabelled".

    >>> cmp = compare_files("corpora/000_ce4448d9c54926ad.txt")   # doctest: +SKIP
    >>> (cmp.old_version, cmp.new_version)                         # doctest: +SKIP
    ('2019-01-17', '2020-02-27')
    """
    if lens is None:
        from nlp.pipeline import PolicyLens

        lens = PolicyLens(settings)
    classifier = _shipped_classifier(lens) if classify else None
    if new_path is None:
        a = lens.load(old_path)
        return compare_policies(
            lens, a.id, old_version=old_version, new_version=new_version, classifier=classifier
        )
    from nlp.ingest import policy_ids

    # Two files of one name ("Instagram/Privacy Policy.md", "Threads/Privacy Policy.md") get
    # distinct ids, so the second does not replace the first in the lens.
    pa, pb = Path(old_path), Path(new_path)
    ids = policy_ids([pa, pb])
    a_id, b_id = ids[pa], ids[pb]
    a = lens.load(pa, policy_id=a_id)
    b = lens.load(pb, policy_id=b_id)
    return compare_policies(
        lens,
        a.id,
        b.id,
        old_version=old_version,
        new_version=new_version,
        classifier=classifier,
    )


def _shipped_classifier(lens: Any) -> Any | None:
    """The installed clause classifier, or ``None`` when there is none (labels are optional)."""
    settings = getattr(getattr(lens, "settings", None), "classify", None)
    if settings is None or not Path(settings.model_dir).exists():
        return None
    from nlp.classify.model import load_classifier

    return load_classifier(settings)
