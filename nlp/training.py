"""Datasets, training and evaluation of the clause classifier (the logic behind ``policylens
train`` and ``policylens evaluate``).

Data (under ``data_dir``, default ``../shared/datasets`` next to the project):

* OPP-115 majority split: ``opp115/train_dataset.csv`` and ``opp115/validation_dataset.csv``
  (no header, one row per (segment, label); rows are grouped by text for multi-label).
* APPCorp: ``appcorp/fold_K.txt`` (paragraphs separated by blank lines, first line the label).
* The seed gold set: ``corpora/labels/seed_gold.jsonl`` in the project (our own labels).

Training uses OPP-115 train + APPCorp folds 0-6 + the seed gold set; thresholds are tuned on
OPP-115 validation + APPCorp fold 7. Nothing else is ever read: test splits are held out.

Example
-------
>>> from nlp.training import train_model                    # doctest: +SKIP
>>> result = train_model(data_dir, out_dir, encoder, scheme="policylens")  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import platform
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from nlp.config import PROJECT_DIR
from nlp.errors import InputError
from nlp.taxonomy import (
    APPCORP_LABELS,
    LABELS,
    OPP115_LABELS,
    map_source_labels,
    scheme_labels,
    unsupervised_labels,
)

DEFAULT_DATA_DIR = PROJECT_DIR.parent / "shared" / "datasets"
SEED_GOLD = PROJECT_DIR / "corpora" / "labels" / "seed_gold.jsonl"
TRAIN_FOLDS = tuple(range(7))
TUNE_FOLD = 7
SEED = 20161129
# The seed gold set is sentence-level and carries real collection/use labels, unlike the corpora:
# weight it up so that its few hundred clauses are not drowned by ~8k paragraphs.
SEED_GOLD_WEIGHT = 3.0


class TextEncoder(Protocol):
    """What training needs from ``nlp.embed.Encoder``."""

    model_id: str

    def encode(
        self, texts: Sequence[str], *, batch_size: int | None = None, normalize: bool = True
    ) -> np.ndarray: ...


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


# -- loaders ---------------------------------------------------------------------------------------


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
    """Undo PTB-style tokenisation spaces: ``"data , such as ( e.g. ) email ."`` -> readable text."""
    for a, b in ((" ,", ","), (" .", "."), (" ;", ";"), (" :", ":"), (" ?", "?"), (" !", "!"),
                 ("( ", "("), (" )", ")"), (" 's", "'s"), (" n't", "n't"), ("`` ", '"'),
                 (" ''", '"'), (" %", "%")):
        text = text.replace(a, b)
    return text


def load_seed_gold(path: Path = SEED_GOLD) -> Dataset:
    """Load the hand-labelled seed clauses (JSONL with ``clause_id, version, section, text,
    labels``); each distinct text is one example (both versions repeat many clauses)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"seed gold set {path} not found; it ships in corpora/labels/")
    by_text: dict[str, tuple[tuple[str, ...], str]] = {}
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
            # Group by the top-level section so CV never trains on a clause's neighbours.
            top = section.split(" > ")[0] if section else "(none)"
            by_text.setdefault(text, (labels, top))
    texts = tuple(by_text)
    return Dataset(
        name="seed-gold",
        source="seed",
        texts=texts,
        labels=tuple(by_text[t][0] for t in texts),
        groups=tuple(by_text[t][1] for t in texts),
        sha256=_file_sha(path),
    )


# -- targets -------------------------------------------------------------------------------------


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
    unknown = [index[n] for n in unsupervised_labels(dataset.source)] if dataset.source != "seed" else []
    for i, (text, labels) in enumerate(zip(dataset.texts, dataset.labels, strict=True)):
        mapped = labels if dataset.source == "seed" else map_source_labels(dataset.source, labels, text)
        for j in unknown:
            Y[i, j] = -1
        for label in mapped:
            Y[i, index[label]] = 1
    return Y


# -- embeddings ----------------------------------------------------------------------------------


def embed(encoder: TextEncoder, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
    """Embed training texts (the encoder's on-disk cache makes re-runs free)."""
    return encoder.encode(list(texts), batch_size=batch_size, normalize=True)


# -- reporting -----------------------------------------------------------------------------------


def library_versions() -> dict[str, str]:
    """Versions of the libraries a saved model depends on."""
    import scipy
    import sklearn

    out = {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
           "scikit-learn": sklearn.__version__}
    try:
        import sentence_transformers

        out["sentence-transformers"] = sentence_transformers.__version__
    except ImportError:  # pragma: no cover - only the embedding step needs it
        pass
    return out


def today() -> str:
    """ISO date stamped on artifacts."""
    return dt.date.today().isoformat()


def group_counts(dataset: Dataset) -> dict[str, int]:
    """Number of examples per group (used to describe CV folds)."""
    counts: dict[str, int] = defaultdict(int)
    for g in dataset.groups:
        counts[g] += 1
    return dict(counts)


ProgressFn = Callable[[str], None]
