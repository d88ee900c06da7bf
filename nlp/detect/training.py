"""Train and measure the "is this a privacy policy?" detector on the labelled set.

The set (``corpora/policy_detection``, see its DATASHEET.md): positives are the 175 raw PoliCond
app pages and the Open Terms Archive policies (read from ``../shared/datasets``), negatives the
pages in ``corpora/policy_detection/negatives`` (home, terms, help, error, consent, article,
product pages, written for this project). Every document is read by ingest, as an upload would
be, and split into train and validation by its source (the service or site it comes from), so no
service has pages on both sides. ``python -m nlp.detect.training`` writes the model to
``models/policy_detector`` and the list of documents to ``corpora/policy_detection/manifest.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp.config import CORPORA_DIR, DEFAULT_MODELS, IngestSettings
from nlp.detect.policy import DIMS, PolicyDetector, document_features
from nlp.errors import InputError

__all__ = ["Example", "evaluate", "labelled_set", "train"]

SET_DIR = CORPORA_DIR / "policy_detection"
DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
# One source in four goes to validation (by a hash of its name, so the split never moves).
_VALIDATION_MOD = 4
# A language with fewer training documents than this is not scored at all (its score would say
# more about the language than about the document).
MIN_LANGUAGE_DOCS = 10


@dataclass(frozen=True)
class Example:
    path: str  # relative to the datasets folder, or to the labelled set's folder
    group: str  # the service or site the document comes from
    label: int  # 1: a privacy policy
    kind: str  # policond | ota | negative
    text: str

    @property
    def split(self) -> str:
        return "validation" if zlib.crc32(self.group.encode()) % _VALIDATION_MOD == 0 else "train"


def _group(name: str) -> str:
    name = re.sub(r"^\d+_", "", name).lower()
    return re.sub(r"[^a-z0-9]+", "", re.split(r"[-_:]", name)[0].split(" ")[0]) or name


def _read(path: Path) -> str | None:
    from nlp.ingest import load_policy

    try:
        # No warnings: the score of the shipped detector is not used, only the clean text.
        settings = IngestSettings(warn_policy_score=0.0, policy_model=None)
        return load_policy(path, settings).latest.text
    except InputError:
        return None


def labelled_set(data: Path = DEFAULT_DATA) -> tuple[list[Example], list[str]]:
    """Every labelled document read as ingest reads it, and the paths that could not be read."""
    examples: list[Example] = []
    unread: list[str] = []
    pages = data / "policond_apps_2024q4" / "apps" / "htmls"
    for folder in sorted(pages.iterdir()) if pages.is_dir() else []:
        rel = f"policond_apps_2024q4/apps/htmls/{folder.name}/crawled.html"
        text = _read(folder / "crawled.html")
        if text is None:
            unread.append(rel)
            continue
        examples.append(Example(rel, _group(folder.name), 1, "policond", text))
    ota = data / "opentermsarchive"
    for path in sorted(ota.rglob("*.md")) if ota.is_dir() else []:
        if path.name == "README.md":
            continue
        rel = str(path.relative_to(data))
        text = _read(path)
        if text is None:
            unread.append(rel)
            continue
        examples.append(Example(rel, _group(path.parent.name), 1, "ota", text))
    for path in sorted((SET_DIR / "negatives").iterdir()):
        rel = f"negatives/{path.name}"
        text = _read(path)
        if text is None:
            unread.append(rel)
            continue
        # Each written page is its own site: "home_northwind_outfitters" -> "northwind".
        examples.append(Example(rel, "neg-" + path.stem.split("_", 1)[-1], 0, "negative", text))
    return examples, unread


def _matrix(texts: list[str]) -> object:
    from scipy.sparse import csr_matrix

    rows, cols, vals = [], [], []
    for r, text in enumerate(texts):
        idx, val = document_features(text)
        rows.extend([r] * len(idx))
        cols.extend(idx.tolist())
        vals.extend(val.tolist())
    return csr_matrix((vals, (rows, cols)), shape=(len(texts), DIMS), dtype=np.float32)


def train(examples: list[Example], *, c: float = 4.0) -> PolicyDetector:
    """A logistic regression (balanced classes: negatives are few) on the train split."""
    from collections import Counter

    from sklearn.linear_model import LogisticRegression

    from nlp.detect.language import detect_language

    tr = [e for e in examples if e.split == "train"]
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit(_matrix([e.text for e in tr]), [e.label for e in tr])
    counts = Counter(detect_language(e.text).code for e in tr)
    languages = tuple(sorted(code for code, n in counts.items() if code and n >= MIN_LANGUAGE_DOCS))
    return PolicyDetector(
        model.coef_[0].astype(np.float32), float(model.intercept_[0]), languages=languages
    )


def evaluate(detector: PolicyDetector, examples: list[Example]) -> dict[str, Any]:
    """Precision, recall, F1 (macro and micro), ROC-AUC on each split, and the validation errors."""
    from sklearn.metrics import f1_score, precision_recall_fscore_support, roc_auc_score

    out: dict[str, Any] = {}
    for split in ("train", "validation"):
        from nlp.detect.language import detect_language

        part = [
            e for e in examples
            if e.split == split and detector.scores_language(detect_language(e.text).code)
        ]  # fmt: skip
        y = [e.label for e in part]
        scores = [detector.score(e.text) for e in part]
        pred = [int(s >= detector.threshold) for s in scores]
        p, r, f, _ = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
        out[split] = {
            "documents": len(part),
            "not_scored": sum(1 for e in examples if e.split == split) - len(part),
            "positives": sum(y),
            "negatives": len(y) - sum(y),
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "macro_f1": round(float(f1_score(y, pred, average="macro")), 4),
            "micro_f1": round(float(f1_score(y, pred, average="micro")), 4),
            "roc_auc": round(float(roc_auc_score(y, scores)), 4) if 0 < sum(y) < len(y) else None,
            "errors": [
                {"path": e.path, "label": e.label, "score": round(s, 4)}
                for e, s, q in zip(part, scores, pred, strict=True)
                if q != e.label
            ],
        }
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared datasets folder")
    ap.add_argument("--out", type=Path, default=DEFAULT_MODELS / "policy_detector")
    args = ap.parse_args(argv)
    examples, unread = labelled_set(args.data)
    detector = train(examples)
    metrics = evaluate(detector, examples)
    metrics["languages"] = list(detector.languages)
    detector.save(args.out, {"trained_on": "corpora/policy_detection (train split)",
                             "metrics": metrics, "unread": unread})
    with (SET_DIR / "manifest.jsonl").open("w", encoding="utf-8") as fh:
        for e in examples:
            rec = {"path": e.path, "label": e.label, "kind": e.kind, "group": e.group,
                   "split": e.split}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    (args.out / "MODEL_CARD.md").write_text(model_card(metrics), encoding="utf-8")
    print(json.dumps(metrics, indent=2))


def _row(split: str, m: object) -> str:
    assert isinstance(m, dict)
    keys = ("documents", "not_scored", "positives", "negatives", "precision", "recall", "f1",
            "macro_f1", "micro_f1", "roc_auc")
    return f"| {split} | " + " | ".join(str(m[k]) for k in keys) + " |"


def model_card(metrics: dict[str, Any]) -> str:
    """The model card of the detector, with the figures of this training run."""
    val = metrics["validation"]
    assert isinstance(val, dict)
    errors = "\n".join(
        f"* `{e['path']}` (label {e['label']}, score {e['score']})" for e in val["errors"]
    ) or "* none"
    return f"""# Model card: "is this a privacy policy?" detector

Generated by `python -m nlp.detect.training --data ../shared/datasets`; do not edit by hand.

## What it is

A logistic regression (L2, C=4, balanced class weights, scikit-learn's L-BFGS) over hashed word
unigrams and bigrams of a document's clean text as ingest produces it (2^18 buckets by CRC-32;
CJK text as character bigrams; log counts, unit norm; the first 60,000 characters). It outputs
P(privacy policy); 0.5 is the decision threshold (not tuned). Saved as `model.json` (bias,
threshold, feature version, these metrics) + `weights.npz` (the non-zero weights by bucket,
loaded with `allow_pickle=False`). Scoring needs numpy only (`nlp.detect.PolicyDetector`).

Intended use: a warning (ingest, `policylens segment`), a column and a filter (`policylens
classify --min-policy-score`) and an upload gate (`POLICYLENS_API__MIN_POLICY_SCORE`) for
documents that are not privacy policies (home, help, terms, error pages, consent walls). Not for
telling a policy's quality or completeness.

## Data and licenses

The labelled set is documented in `corpora/policy_detection/DATASHEET.md`; the list of documents
with their split is `corpora/policy_detection/manifest.jsonl`. Split by source (the service or
site: one in four sources, by CRC-32 of its name, is validation), so no service has pages on both
sides.

| data | use | license |
|---|---|---|
| PoliCond apps 2024q4, 175 raw `crawled.html` pages (SEG-DENSE/PoliCond) | positives | MIT |
| Open Terms Archive privacy and trackers policies (Markdown) | positives | ODC-By 1.0 |
| `corpora/policy_detection/negatives` (written for policylens) | negatives | Apache-2.0 |

## Figures (this run)

| split | docs | not scored | pos. | neg. | P | R | F1 | macro F1 | micro F1 | ROC-AUC |
|---|---|---|---|---|---|---|---|---|---|---|
{_row("train", metrics["train"])}
{_row("validation", val)}

Precision, recall and F1 are for the positive class. Published anchors, on other data and so
not comparable figure for figure: PrivBERT's policy detection 87.3 / 92.9 macro / micro F1
(PrivaSeer); PrivaSeer's random forest ROC-AUC 0.955.

Validation errors:

{errors}

## Limits

The negatives are few (31 pages written for the project) and the positives mostly English. A
document is scored only when its language has at least {MIN_LANGUAGE_DOCS} training documents
(`languages` in `model.json`: {", ".join(metrics.get("languages", [])) or "-"}); any other gets
`policy_score` None and no warning, rather than a score that reflects its language. A page type
absent from the negatives may pass. Policies that embed a policy in
a larger page (a help centre article holding one) score in between.
"""


if __name__ == "__main__":
    main()
