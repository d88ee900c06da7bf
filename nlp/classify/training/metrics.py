"""How well a classifier does: per-label reports and their Markdown tables.

All figures ignore targets of ``-1`` (a label the source does not annotate), so a corpus is
neither rewarded nor punished for what it never says.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nlp.classify.taxonomy import split_by_cues
from nlp.classify.training.datasets import Dataset

if TYPE_CHECKING:  # the model imports scikit-learn; the reports need only numpy
    from nlp.classify.model import ClauseClassifier

__all__ = ["crossfit_report", "format_report", "label_report", "rule_split_report"]


def label_report(Y_true: np.ndarray, Y_pred: np.ndarray, names: Sequence[str]) -> dict[str, Any]:
    """Per-label precision/recall/F1/support and macro/micro F1; ``-1`` targets are ignored.

    Labels with no known targets or no positives are reported with ``None`` and left out of the
    macro average (macro F1 over labels that occur, as in the OPP-115 literature).
    """
    per: dict[str, dict[str, float | int | None]] = {}
    tp_all = fp_all = fn_all = 0
    f1s: list[float] = []
    for j, name in enumerate(names):
        known = Y_true[:, j] >= 0
        t = Y_true[known, j] == 1
        p = Y_pred[known, j] == 1
        tp, fp, fn = int(np.sum(t & p)), int(np.sum(~t & p)), int(np.sum(t & ~p))
        support = int(t.sum())
        if support == 0 or known.sum() == support:
            # No positives, or no negatives (a label the source does not annotate): no score.
            per[name] = {"precision": None, "recall": None, "f1": None, "support": support}
            continue
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[name] = {"precision": prec, "recall": rec, "f1": f1, "support": support}
        f1s.append(f1)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
    micro = 2 * tp_all / (2 * tp_all + fp_all + fn_all) if tp_all else 0.0
    return {
        "labels": per,
        "macro_f1": float(np.mean(f1s)) if f1s else 0.0,
        "micro_f1": micro,
        "n": int(len(Y_true)),
    }


def format_report(title: str, report: dict[str, Any]) -> str:
    """A Markdown table of a :func:`label_report`."""
    lines = [
        f"**{title}** (n={report['n']})",
        "",
        "| label | P | R | F1 | support |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, m in report["labels"].items():
        if m["f1"] is None:
            lines.append(f"| {name} | - | - | - | {m['support']} |")
        else:
            lines.append(
                f"| {name} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | "
                f"{m['support']} |"
            )
    lines.append(f"| **macro F1** | | | **{report['macro_f1']:.3f}** | |")
    lines.append(f"| **micro F1** | | | **{report['micro_f1']:.3f}** | |")
    return "\n".join(lines)


def crossfit_report(
    clf: ClauseClassifier, S: np.ndarray, Y: np.ndarray, names: Sequence[str], *, seed: int
) -> dict[str, Any]:
    """Validation figures with thresholds tuned on one half and applied to the other (and back),
    so that tuning and scoring never see the same example."""
    from nlp.classify.model import tune_thresholds

    n = len(Y)
    idx = np.random.default_rng(seed).permutation(n)
    halves = (idx[: n // 2], idx[n // 2 :])
    pred = np.zeros_like(Y, dtype=np.int64)
    saved = clf.thresholds_.copy()
    for fit_on, score_on in (halves, halves[::-1]):
        clf.set_thresholds(tune_thresholds(S[fit_on], Y[fit_on]))
        pred[score_on] = clf.decide(S[score_on])
    clf.set_thresholds(saved)
    return label_report(Y, pred, names)


def rule_split_report(gold: Dataset) -> dict[str, Any]:
    """How well the cue rule alone splits collection from use, on seed clauses that a human
    labelled collection and/or use (the situation of a first-party OPP-115/APPCorp segment)."""
    rows = [
        (t, labs)
        for t, labs in zip(gold.extra.get("raw_texts", gold.texts), gold.labels, strict=True)
        if {"collection", "use"} & set(labs)
    ]
    names = ("collection", "use")
    Y = np.array([[int(n in labs) for n in names] for _, labs in rows])
    P = np.array([[int(n in split_by_cues("first_party", t)) for n in names] for t, _ in rows])
    return label_report(Y, P, names)
