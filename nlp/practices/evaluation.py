"""Measure the practices stage on OPP-115's practice annotations and on a gold statements file.

OPP-115 is split by policy (fixed seed) into train and validation; thresholds are measured on the
train policies only. The annotations' offsets index the released HTML, so each attribute span is
located in the plain segment text by its selected words.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlp.practices.extract import StatementExtractor
from nlp.practices.ontology import Ontology
from nlp.types import Clause, Statement

__all__ = [
    "OPP_PRACTICES",
    "OPP_DATA_TYPES",
    "OppSegment",
    "load_opp_practices",
    "split_by_policy",
    "evaluate_opp",
    "measure_nearest_threshold",
    "evaluate_gold",
]

# OPP-115 categories and the statement practices that express them.
OPP_PRACTICES: dict[str, frozenset[str]] = {
    "First Party Collection/Use": frozenset({"collect", "use"}),
    "Third Party Sharing/Collection": frozenset({"share", "sell", "rent", "transfer_abroad"}),
    "Data Retention": frozenset({"retain", "delete"}),
    "User Access, Edit and Deletion": frozenset(
        {"user_access", "user_correct", "user_delete", "user_export"}),
    "User Choice/Control": frozenset({"user_object"}),
    "Data Security": frozenset({"protect"}),
    "Policy Change": frozenset({"notify"}),
}
# OPP-115 "Personal Information Type" values and the ontology node that names each.
OPP_DATA_TYPES = {
    "Contact": "contact", "Financial": "financial", "Location": "location",
    "Computer information": "device_information", "Cookies and tracking elements":
    "cookie_identifiers", "Demographic": "demographics", "Health": "health",
    "IP address and device IDs": "device_identifiers", "Personal identifier": "identifiers",
    "User online activities": "usage", "User profile": "profile",
    "Generic personal information": "personal_information",
}
_SLOT_ATTRIBUTES = {
    "data_types": "Personal Information Type",
    "recipients": "Third Party Entity",
    "purposes": "Purpose",
    "retention": "Retention Period",
}


@dataclass(frozen=True)
class GoldSpan:
    """An attribute span of an annotation, located in the segment's plain text."""

    category: str
    attribute: str
    value: str
    start: int
    end: int
    does_not: bool


@dataclass(frozen=True)
class OppSegment:
    """One OPP-115 segment: its text and the attribute spans of its practice annotations."""

    policy: str
    segment_id: int
    text: str
    categories: frozenset[str]
    spans: tuple[GoldSpan, ...] = field(default=())


def _locate(text: str, selected: str) -> tuple[int, int] | None:
    selected = " ".join(selected.split())
    if not selected or selected in {"null", "Not selected"}:
        return None
    flat = " ".join(text.split())
    if flat != text:  # keep offsets of the plain text: search the original first
        pos = text.find(selected)
        if pos >= 0:
            return pos, pos + len(selected)
    pos = flat.find(selected)
    return (pos, pos + len(selected)) if pos >= 0 and flat == text else None


def load_opp_practices(path: Path) -> list[OppSegment]:
    """Every segment of ``opp115_practices/segments.jsonl`` with its located attribute spans."""
    out: list[OppSegment] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        text = row["segment_text"]
        spans: list[GoldSpan] = []
        cats: set[str] = set()
        for ann in row["annotations"]:
            cats.add(ann["category"])
            attrs = ann["attributes"]
            does_not = attrs.get("Does/Does Not", {}).get("value") == "Does Not"
            for name, attr in attrs.items():
                where = _locate(text, attr.get("selectedText", ""))
                if where is None:
                    continue
                spans.append(GoldSpan(ann["category"], name, attr.get("value", ""), *where,
                                      does_not))
        out.append(OppSegment(str(row["policy_uid"]), int(row["segment_id"]), text,
                              frozenset(cats), tuple(spans)))
    return out


def split_by_policy(
    segments: Sequence[OppSegment], seed: int = 13, validation_share: float = 0.2
) -> tuple[list[OppSegment], list[OppSegment]]:
    """Train and validation segments, whole policies on one side (a fixed shuffle of the ids)."""
    policies = sorted({s.policy for s in segments})
    random.Random(seed).shuffle(policies)
    held = set(policies[: max(1, round(len(policies) * validation_share))])
    return ([s for s in segments if s.policy not in held],
            [s for s in segments if s.policy in held])


def _clause(seg: OppSegment) -> Clause:
    return Clause(f"opp:{seg.policy}:{seg.segment_id}", seg.policy, "v1", (), 0,
                  len(seg.text), seg.text)


def _prf(tp_p: int, n_p: int, tp_g: int, n_g: int) -> dict[str, float]:
    p = tp_p / n_p if n_p else 0.0
    r = tp_g / n_g if n_g else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "predicted": n_p, "gold": n_g}


def _slot_spans(st: Statement, slot: str) -> list[tuple[int, int]]:
    if slot == "retention":
        return [(st.retention.start, st.retention.end)] if st.retention else []
    return [(s.start, s.end) for s in getattr(st, slot) if s.start >= 0]


def _touch(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def evaluate_opp(
    extractor: StatementExtractor, segments: Sequence[OppSegment],
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Practice and slot P/R (overlap) and polarity accuracy on ``segments``.

    Practice: per segment, the OPP categories its statements express against the annotated ones.
    Slots: a predicted span is right when it overlaps an annotated span of the matching attribute
    in the same segment (annotators mark the spans of a practice, not every mention, so precision
    is a lower bound). Polarity: each annotated data-type span of a collection or sharing practice
    against the statements of that practice whose data types overlap it.
    """
    statements = extractor.extract_many([_clause(s) for s in segments])
    cat_counts: dict[str, Counter[str]] = defaultdict(Counter)
    slot_counts: dict[str, Counter[str]] = defaultdict(Counter)
    pol = Counter[str]()
    for seg, sts in zip(segments, statements, strict=True):
        predicted = {c for c, prs in OPP_PRACTICES.items() if any(s.practice in prs for s in sts)}
        gold = seg.categories & set(OPP_PRACTICES)
        for cat in OPP_PRACTICES:
            c = cat_counts[cat]
            c["tp"] += cat in predicted and cat in gold
            c["pred"] += cat in predicted
            c["gold"] += cat in gold
        for slot, attr in _SLOT_ATTRIBUTES.items():
            gold_spans = [(g.start, g.end) for g in seg.spans if g.attribute == attr]
            pred_spans = sorted({sp for st in sts for sp in _slot_spans(st, slot)})
            c = slot_counts[slot]
            c["pred"] += len(pred_spans)
            c["gold"] += len(gold_spans)
            c["tp_pred"] += sum(any(_touch(p, g) for g in gold_spans) for p in pred_spans)
            c["tp_gold"] += sum(any(_touch(p, g) for p in pred_spans) for g in gold_spans)
        for g in seg.spans:
            if g.attribute != "Personal Information Type" or g.category not in (
                    "First Party Collection/Use", "Third Party Sharing/Collection"):
                continue
            prs = OPP_PRACTICES[g.category]
            cands = [st for st in sts if st.practice in prs and any(
                _touch((d.start, d.end), (g.start, g.end)) for d in st.data_types)]
            key = "does_not" if g.does_not else "does"
            pol[f"{key}_gold"] += 1
            if not cands:
                continue
            # OPP-115's "Does Not" covers "we do not share X except ...": a negated condition.
            denied = any(st.polarity == "denied" or st.negated for st in cands)
            pol[f"{key}_matched"] += 1
            pol[f"{key}_right"] += denied == g.does_not
    cats = {cat: _prf(c["tp"], c["pred"], c["tp"], c["gold"]) for cat, c in cat_counts.items()}
    tot = Counter[str]()
    for c in cat_counts.values():
        tot.update(c)
    matched = pol["does_matched"] + pol["does_not_matched"]
    report: dict[str, Any] = {
        "segments": len(segments),
        "policies": len({s.policy for s in segments}),
        "practice": {"micro": _prf(tot["tp"], tot["pred"], tot["tp"], tot["gold"]), **cats},
        "slots": {slot: _prf(c["tp_pred"], c["pred"], c["tp_gold"], c["gold"])
                  for slot, c in slot_counts.items()},
        "polarity": {
            "accuracy": round((pol["does_right"] + pol["does_not_right"]) / matched, 4)
            if matched else 0.0,
            "matched": matched,
            "gold": pol["does_gold"] + pol["does_not_gold"],
            "does_not_accuracy": round(pol["does_not_right"] / pol["does_not_matched"], 4)
            if pol["does_not_matched"] else 0.0,
            "does_not_matched": pol["does_not_matched"],
            "does_not_gold": pol["does_not_gold"],
        },
    }
    if progress:
        progress(f"OPP-115 practices: micro F1 {report['practice']['micro']['f1']:.3f}, "
                 f"polarity accuracy {report['polarity']['accuracy']:.3f}")
    return report


def measure_nearest_threshold(
    ontology: Ontology, segments: Iterable[OppSegment],
    encode: Callable[[list[str]], np.ndarray],
) -> dict[str, Any]:
    """The cosine from which the nearest data-type node names a phrase, measured on ``segments``.

    Takes the annotated data-type phrases (up to eight words) that no surface form names, with
    the node their OPP-115 value maps to; the nearest node is right when it is that node or below
    it. Returns the threshold of best F1 (precision over named phrases, recall over all).
    """
    phrases: dict[str, str] = {}
    for seg in segments:
        for g in seg.spans:
            node = OPP_DATA_TYPES.get(g.value)
            phrase = seg.text[g.start : g.end].strip()
            if (g.attribute == "Personal Information Type" and node and phrase
                    and len(phrase.split()) <= 8
                    and ontology.lookup(phrase, "data_types") is None):
                phrases.setdefault(phrase, node)
    ordered = sorted(phrases)
    named = ontology.nearest(ordered, "data_types", encode, threshold=-1.0)
    right = np.array([ontology.is_a(nid, phrases[p], "data_types")
                      for p, (nid, _) in zip(ordered, named, strict=True)])
    sims = np.array([s for _, s in named])
    best = {"threshold": 1.01, "f1": 0.0, "precision": 0.0, "recall": 0.0}
    for t in np.arange(0.30, 0.951, 0.025):
        taken = sims >= t
        if not taken.any():
            continue
        p = float(right[taken].mean())
        r = float((right & taken).sum() / len(right))
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        if f1 > best["f1"]:
            best = {"threshold": round(float(t), 3), "f1": round(f1, 4),
                    "precision": round(p, 4), "recall": round(r, 4)}
    return {**best, "phrases": len(ordered)}


def evaluate_gold(
    extractor: StatementExtractor, clauses: Sequence[Clause], gold_rows: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """P/R per slot and of collection relations against hand-checked statements.

    A statement is keyed by (clause, practice, polarity); slot values by their ontology id (or
    lower-cased text when free). A collection relation is (clause, data type id) of an affirmed or
    conditional ``collect`` statement, as PoliGraph counts its COLLECT edges.
    """
    predicted = [s for sts in extractor.extract_many(clauses) for s in sts]
    by_clause = {c.id for c in clauses}
    gold = [r for r in gold_rows if r["clause_id"] in by_clause]

    def key(v: dict[str, Any] | Any) -> str:
        if isinstance(v, dict):
            return str(v.get("id") or v.get("text", "").lower())
        return str(v.id or v.text.lower())

    def facts(rows: Iterable[Any], as_dict: bool) -> dict[str, set[tuple[str, ...]]]:
        out: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        for r in rows:
            get = (lambda k, r=r: r[k]) if as_dict else (lambda k, r=r: getattr(r, k))
            base = (get("clause_id"), get("practice"))
            out["statement"].add((*base, get("polarity")))
            for slot in ("data_types", "recipients", "purposes", "places", "audience"):
                for v in get(slot):
                    out[slot].add((*base, key(v)))
            ret = get("retention")
            if ret:
                kind = ret["kind"] if as_dict else ret.kind
                out["retention"].add((*base, kind))
            if get("practice") == "collect" and get("polarity") != "denied":
                for v in get("data_types"):
                    out["collection_relation"].add((get("clause_id"), key(v)))
        return out

    g, p = facts(gold, True), facts(predicted, False)
    report: dict[str, Any] = {}
    for name in ("statement", "data_types", "recipients", "purposes", "places", "retention",
                 "audience", "collection_relation"):
        tp = len(g[name] & p[name])
        report[name] = _prf(tp, len(p[name]), tp, len(g[name]))
    report["clauses"] = len(by_clause)
    report["gold_statements"] = len(gold)
    return report
