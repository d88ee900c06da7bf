"""The report: what happened to each clause (``ClauseChange``), all of them in the order of the new
text (``Comparison``), and the word-level diff that shows changed wording.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from nlp.compare.normalize import norm_words
from nlp.extras import require
from nlp.types import Clause

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CHANGE_KINDS",
    "SUBSTANTIVE",
    "UNLABELLED",
    "ChangeKind",
    "ClauseChange",
    "Comparison",
    "DiffOp",
    "change_labels",
    "mark_words",
    "word_diff",
]

ChangeKind = Literal["added", "removed", "changed", "cosmetic", "unchanged"]
CHANGE_KINDS: tuple[ChangeKind, ...] = ("added", "removed", "changed", "cosmetic", "unchanged")
SUBSTANTIVE: frozenset[str] = frozenset({"added", "removed", "changed"})
UNLABELLED = "unlabelled"

DiffOp = Literal["equal", "delete", "insert"]


def _opcodes(
    old: str, new: str
) -> tuple[list[str], list[str], list[tuple[str, int, int, int, int]]]:
    """The words of both texts and the opcodes of a diff on their normalised forms."""
    a, b = old.split(), new.split()
    ka = [" ".join(norm_words(w)) or w for w in a]
    kb = [" ".join(norm_words(w)) or w for w in b]
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


def change_labels(primary: Clause, other: Clause | None) -> tuple[str, ...]:
    """The labels of a change: those of ``primary`` (the new side, if any), then ``other``'s."""
    out = list(primary.labels)
    if other is not None:
        out += [label for label in other.labels if label not in out]
    return tuple(out)


def _clause_ref(c: Clause | None) -> dict[str, Any] | None:
    """The JSON record of a clause (``None`` for the missing side of a change)."""
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
        require("research", "pandas", purpose="a comparison table")
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
        require("research", "pandas", purpose="a comparison table")
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

    @staticmethod
    def report_kinds(*, include_cosmetic: bool = False) -> frozenset[str]:
        """The kinds of change :meth:`report` lists, and so the ones whose categories it prints.

        >>> sorted(Comparison.report_kinds())
        ['added', 'changed', 'removed']
        """
        return SUBSTANTIVE | {"cosmetic"} if include_cosmetic else SUBSTANTIVE

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
        shown = self.report_kinds(include_cosmetic=include_cosmetic)
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
