"""The labelled data the clause classifier learns from, and its label matrices.

Under ``data_dir`` (default ``../shared/datasets`` next to the project):

* OPP-115 majority split: ``opp115/train_dataset.csv`` and ``opp115/validation_dataset.csv``
  (no header, one row per (segment, label); rows are grouped by text for multi-label).
* APPCorp: ``appcorp/fold_K.txt`` (paragraphs separated by blank lines, first line the label).

and in the project the seed gold set, ``corpora/labels/seed_gold.jsonl`` (our own labels).
Training uses OPP-115 train + APPCorp folds 0-6 + the seed gold set (:func:`training_set`);
thresholds are tuned on OPP-115 validation + APPCorp fold 7 (:func:`tuning_set`). Test splits
are refused: nothing else is ever read.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlp.classify.taxonomy import (
    APPCORP_LABELS,
    LABELS,
    OPP115_LABELS,
    map_source_labels,
    scheme_labels,
    unsupervised_labels,
)
from nlp.config import CORPORA_DIR, PROJECT_DIR, ClassifySettings
from nlp.errors import InputError
from nlp.types import Clause

__all__ = [
    "DEFAULT_DATA_DIR",
    "SEED_GOLD",
    "TRAIN_FOLDS",
    "TUNE_FOLD",
    "Dataset",
    "LabelledSet",
    "detokenize",
    "drop_texts",
    "load_appcorp",
    "load_opp115",
    "load_seed_gold",
    "seed_sentences",
    "targets",
    "training_set",
    "tuning_set",
]

# The public corpora do not ship; installed from a wheel, train and evaluate need --data-dir.
DEFAULT_DATA_DIR = PROJECT_DIR.parent / "shared" / "datasets"
SEED_GOLD = CORPORA_DIR / "labels" / "seed_gold.jsonl"
TRAIN_FOLDS = tuple(range(7))
TUNE_FOLD = 7


@dataclass(frozen=True, slots=True)
class Dataset:
    """Labelled texts of one source. ``labels`` are in the source's own scheme (for the seed gold
    set, already policylens labels); ``groups`` name the unit that must not be split across CV
    folds (the seed's section)."""

    name: str
    source: str  # "opp115", "appcorp" or "seed"
    texts: tuple[str, ...]
    labels: tuple[tuple[str, ...], ...]
    groups: tuple[str, ...] = ()
    sha256: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _require(path: Path) -> Path:
    if not path.is_file():
        raise InputError(
            f"training data file {path} not found; pass --data-dir pointing at the folder that "
            "holds opp115/ and appcorp/ (default ../shared/datasets)"
        )
    return path


def load_opp115(data_dir: Path, split: str) -> Dataset:
    """Load an OPP-115 majority split (``"train"`` or ``"validation"``), grouped by segment text.

    The Excel artefact row ``#NAME?`` is dropped. Every label must be one of the 12 OPP-115 labels.
    """
    if split not in {"train", "validation"}:
        raise InputError(f"OPP-115 split {split!r} is not available; use train or validation")
    path = _require(Path(data_dir) / "opp115" / f"{split}_dataset.csv")
    grouped: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) != 2:
                continue
            text, label = row[0].strip(), row[1].strip()
            if not text or text == "#NAME?":
                continue
            if label not in OPP115_LABELS:
                raise InputError(f"{path}: unknown OPP-115 label {label!r}")
            labels = grouped.setdefault(text, [])
            if label not in labels:
                labels.append(label)
    texts = tuple(grouped)
    return Dataset(
        name=f"opp115-{split}",
        source="opp115",
        texts=texts,
        labels=tuple(tuple(grouped[t]) for t in texts),
        groups=tuple(f"opp115:{i}" for i in range(len(texts))),
        sha256=_file_sha(path),
    )


def load_appcorp(data_dir: Path, folds: Sequence[int]) -> Dataset:
    """Load APPCorp folds: one example per paragraph, its sentences joined by spaces.

    APPCorp sentences are tokenised (``" , "``, ``" ."``); the spaces before punctuation are closed
    up so the text looks like the policies the model will meet.
    """
    texts: list[str] = []
    labels: list[tuple[str, ...]] = []
    groups: list[str] = []
    digest = hashlib.sha256()
    for k in folds:
        if k > TUNE_FOLD:
            raise InputError(f"APPCorp fold {k} is held out for testing; use folds 0-{TUNE_FOLD}")
        path = _require(Path(data_dir) / "appcorp" / f"fold_{k}.txt")
        raw = path.read_bytes()
        digest.update(raw)
        body = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        for i, block in enumerate(body.split("\n\n")):
            lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
            if len(lines) < 2:
                continue
            label, sentences = lines[0], lines[1:]
            if label not in APPCORP_LABELS:
                raise InputError(f"{path}: unknown APPCorp label {label!r}")
            texts.append(detokenize(" ".join(sentences)))
            labels.append((label,))
            groups.append(f"appcorp:{k}:{i}")
    return Dataset(
        name="appcorp-" + ",".join(str(k) for k in folds),
        source="appcorp",
        texts=tuple(texts),
        labels=tuple(labels),
        groups=tuple(groups),
        sha256=digest.hexdigest(),
    )


def detokenize(text: str) -> str:
    """Undo PTB-style tokenisation spaces: ``"data , such as ( e.g. ) email ."`` -> readable."""
    for a, b in (
        (" ,", ","),
        (" .", "."),
        (" ;", ";"),
        (" :", ":"),
        (" ?", "?"),
        (" !", "!"),
        ("( ", "("),
        (" )", ")"),
        (" 's", "'s"),
        (" n't", "n't"),
        ("`` ", '"'),
        (" ''", '"'),
        (" %", "%"),
    ):
        text = text.replace(a, b)
    return text


def load_seed_gold(path: Path = SEED_GOLD) -> Dataset:
    """Load the hand-labelled seed clauses (JSONL with ``clause_id, version, section, text,
    labels`` and the clause's ``kind`` and list ``context``).

    Each distinct clause text is one example (both versions repeat many clauses). The example's
    text is what the classifier sees at run time, :meth:`nlp.types.Clause.contextual_text`
    (section heading + list lead-in + clause); the bare clause texts are in
    ``extra["raw_texts"]``.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"seed gold set {path} not found; it ships in corpora/labels/")
    by_text: dict[str, tuple[tuple[str, ...], str, str]] = {}
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                text, labels, section = rec["text"], tuple(rec["labels"]), rec.get("section", "")
            except (ValueError, KeyError) as exc:
                raise InputError(f"{path}:{n}: not a gold record ({exc})") from exc
            unknown = set(labels) - set(LABELS)
            if unknown:
                raise InputError(f"{path}:{n}: unknown label(s) {sorted(unknown)}")
            if text in by_text:
                continue
            sections = tuple(section.split(" > ")) if section else ()
            clause = Clause(
                str(rec.get("clause_id", n)),
                "seed",
                str(rec.get("version", "")),
                sections,
                0,
                len(text),
                text,
                rec.get("kind", "sentence"),
                rec.get("context", ""),
            )
            # Group by the top-level section so CV never trains on a clause's neighbours.
            top = sections[0] if sections else "(none)"
            by_text[text] = (labels, top, clause.contextual_text())
    raw = tuple(by_text)
    return Dataset(
        name="seed-gold",
        source="seed",
        texts=tuple(by_text[t][2] for t in raw),
        labels=tuple(by_text[t][0] for t in raw),
        groups=tuple(by_text[t][1] for t in raw),
        sha256=_file_sha(path),
        extra={"raw_texts": raw},
    )


def targets(dataset: Dataset, scheme: str) -> np.ndarray | None:
    """The label matrix of ``dataset`` in ``scheme``: 1 positive, 0 negative, -1 unknown.

    Returns ``None`` when the dataset has nothing to say in that scheme (APPCorp and the seed set
    under ``opp115``). Under ``policylens``, labels a source does not annotate (OPP-115 has no
    cookie category) are unknown rather than negative, except where a mapped label is positive.
    """
    names = scheme_labels(scheme)
    index = {name: j for j, name in enumerate(names)}
    if scheme == "opp115":
        if dataset.source != "opp115":
            return None
        Y = np.zeros((len(dataset), len(names)), dtype=np.int8)
        for i, labels in enumerate(dataset.labels):
            for label in labels:
                Y[i, index[label]] = 1
        return Y
    Y = np.zeros((len(dataset), len(names)), dtype=np.int8)
    unknown = (
        [index[n] for n in unsupervised_labels(dataset.source)] if dataset.source != "seed" else []
    )
    for i, (text, labels) in enumerate(zip(dataset.texts, dataset.labels, strict=True)):
        mapped = (
            labels if dataset.source == "seed" else map_source_labels(dataset.source, labels, text)
        )
        for j in unknown:
            Y[i, j] = -1
        for label in mapped:
            Y[i, index[label]] = 1
    return Y


@dataclass(frozen=True, slots=True)
class LabelledSet:
    """Texts, their label matrix (1/0/-1) in a scheme, sample weights and where they came from."""

    texts: tuple[str, ...]
    Y: np.ndarray
    weights: np.ndarray
    datasets: tuple[Dataset, ...]


def _stack(datasets: Sequence[Dataset], scheme: str, weights: dict[str, float]) -> LabelledSet:
    texts: list[str] = []
    blocks: list[np.ndarray] = []
    w: list[np.ndarray] = []
    used: list[Dataset] = []
    for ds in datasets:
        Y = targets(ds, scheme)
        if Y is None or not len(ds):
            continue
        texts.extend(ds.texts)
        blocks.append(Y)
        w.append(np.full(len(ds), weights.get(ds.source, 1.0)))
        used.append(ds)
    n_labels = len(scheme_labels(scheme))
    return LabelledSet(
        texts=tuple(texts),
        Y=np.vstack(blocks) if blocks else np.zeros((0, n_labels), dtype=np.int8),
        weights=np.concatenate(w) if w else np.zeros(0),
        datasets=tuple(used),
    )


def drop_texts(dataset: Dataset, banned: set[str]) -> Dataset:
    """``dataset`` without the examples that contain any of the ``banned`` sentences.

    Used to keep the seed policy's own paragraphs (APPCorp includes the Alibaba.com policy) out of
    the training data when the seed gold set is the test set.
    """
    keep = [i for i, t in enumerate(dataset.texts) if not any(b in t for b in banned)]
    return dataclasses.replace(
        dataset,
        name=f"{dataset.name}-minus-seed",
        texts=tuple(dataset.texts[i] for i in keep),
        labels=tuple(dataset.labels[i] for i in keep),
        groups=tuple(dataset.groups[i] for i in keep),
        extra={**dataset.extra, "dropped": len(dataset) - len(keep)},
    )


def training_set(
    data_dir: Path,
    scheme: str,
    *,
    seed_gold: Path | None = SEED_GOLD,
    exclude_seed_overlap: bool = False,
    settings: ClassifySettings | None = None,
) -> LabelledSet:
    """OPP-115 train + APPCorp folds 0-6 (+ the seed gold set under ``policylens``, weighted by
    ``settings.seed_gold_weight``)."""
    weight = (settings or ClassifySettings()).seed_gold_weight
    opp = load_opp115(data_dir, "train")
    app = load_appcorp(data_dir, TRAIN_FOLDS)
    parts: list[Dataset] = [opp, app]
    if scheme == "policylens" and seed_gold is not None and Path(seed_gold).is_file():
        gold = load_seed_gold(seed_gold)
        if exclude_seed_overlap:
            parts = [drop_texts(opp, seed_sentences(gold)), drop_texts(app, seed_sentences(gold))]
        parts.append(gold)
    return _stack(parts, scheme, {"seed": weight})


def tuning_set(data_dir: Path, scheme: str) -> LabelledSet:
    """OPP-115 validation + APPCorp fold 7: where thresholds are tuned."""
    return _stack(
        [load_opp115(data_dir, "validation"), load_appcorp(data_dir, [TUNE_FOLD])], scheme, {}
    )


def seed_sentences(gold: Dataset, min_chars: int = 60) -> set[str]:
    """Distinctive seed clauses (long enough not to be boilerplate shared with other policies)."""
    raw = gold.extra.get("raw_texts", gold.texts)
    return {detokenize(t.strip()) for t in raw if len(t.strip()) >= min_chars}


