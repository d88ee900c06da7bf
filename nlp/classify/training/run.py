"""Train and evaluate the clause classifiers: the logic behind ``policylens train`` and
``policylens evaluate``.

:func:`train_model` fits one scheme's classifier, tunes its thresholds on validation and saves it;
:func:`evaluate_model` reports a saved one. :func:`run_training` and :func:`run_evaluation` do
either for several schemes from the settings, and rewrite the model card.

Example
-------
>>> from nlp.classify.training import run_training                    # doctest: +SKIP
>>> [r.path for r in run_training(Settings(), ["policylens"])]        # doctest: +SKIP
[PosixPath('.../models/policylens')]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp.classify.taxonomy import scheme_labels
from nlp.classify.training.datasets import (
    DEFAULT_DATA_DIR,
    SEED_GOLD,
    TUNE_FOLD,
    load_appcorp,
    load_opp115,
    load_seed_gold,
    seed_sentences,
    targets,
    training_set,
    tuning_set,
)
from nlp.classify.training.metrics import crossfit_report, label_report, rule_split_report
from nlp.classify.training.model_card import library_versions, write_model_card
from nlp.config import ClassifySettings, Settings
from nlp.embed.protocol import TextEncoder, model_id_of
from nlp.extras import require

__all__ = [
    "DEFAULT_PARAMS",
    "SEED",
    "ProgressFn",
    "TrainResult",
    "embed",
    "evaluate_model",
    "run_evaluation",
    "run_training",
    "today",
    "train_model",
]

# Of the cross-fitted threshold report's random halves; recorded in model.json.
SEED = 20161129
DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "policylens": {"C": 4.0},
    "opp115": {"C": 16.0},
}

ProgressFn = Callable[[str], None]


def embed(encoder: TextEncoder, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
    """Embed training texts (the encoder's on-disk cache makes re-runs free)."""
    return encoder.encode(list(texts), batch_size=batch_size, normalize=True)


def today() -> str:
    """ISO date stamped on artifacts."""
    return dt.date.today().isoformat()


@dataclass(frozen=True, slots=True)
class TrainResult:
    """What ``train_model`` produced: where the model is and its validation metrics."""

    scheme: str
    path: Path
    thresholds: dict[str, float]
    metrics: dict[str, Any]


def train_model(
    data_dir: Path,
    out_dir: Path,
    encoder: TextEncoder,
    *,
    scheme: str = "policylens",
    seed_gold: Path | None = SEED_GOLD,
    params: dict[str, Any] | None = None,
    progress: ProgressFn | None = None,
    settings: ClassifySettings | None = None,
) -> TrainResult:
    """Train, tune thresholds on validation and save a classifier to ``out_dir``.

    ``settings`` gives the seed gold set's weight (default ``ClassifySettings()``).

    Deterministic: the same data, encoder and parameters give the same weights (L-BFGS from zero,
    no random state involved), so ``policylens train`` rebuilds the shipped model.
    """
    from nlp.classify.model import ClauseClassifier, tune_thresholds

    require("train", "sklearn", purpose="`policylens train`")
    settings = settings or ClassifySettings()
    say = progress or (lambda _msg: None)
    names = scheme_labels(scheme)
    tr = training_set(data_dir, scheme, seed_gold=seed_gold, settings=settings)
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
        embedding_model=model_id_of(encoder),
    )
    S = clf.predict_scores(tu.texts, embeddings=E_tu)
    untuned = label_report(tu.Y, clf.decide(S), names)
    clf.set_thresholds(tune_thresholds(S, tu.Y))
    crossfit = crossfit_report(clf, S, tu.Y, names, seed=SEED)
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
        "seed_gold_weight": settings.seed_gold_weight,
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


def evaluate_model(
    model_dir: Path,
    data_dir: Path,
    encoder: TextEncoder,
    *,
    seed_gold: Path | None = SEED_GOLD,
    cv_folds: int = 5,
    progress: ProgressFn | None = None,
    settings: ClassifySettings | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """Per-label P/R/F1 and macro/micro F1 of a saved model on the validation data.

    ``opp115`` scheme: OPP-115 validation, native labels. ``policylens`` scheme: OPP-115
    validation (mapped), APPCorp fold 7 (mapped) and the seed gold set, cross-validated by
    top-level section with the seed policy's own paragraphs removed from the training corpora.
    All of these are validation figures: thresholds were tuned on the first two. ``settings``
    gives the seed gold set's weight in the cross-validation folds.
    """
    from sklearn.model_selection import GroupKFold

    from nlp.classify.model import ClauseClassifier

    settings = settings or ClassifySettings()
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
            sample_weight=np.concatenate([tr_w, np.full(len(fit_idx), settings.seed_gold_weight)]),
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


@dataclass(frozen=True, slots=True)
class _Run:
    """What training and evaluation both start from: settings, encoder, data and model folders."""

    settings: ClassifySettings
    encoder: TextEncoder
    data_dir: Path
    model_dirs: dict[str, Path]

    @property
    def models_root(self) -> Path:
        return Path(self.settings.model_dir).parent


def _prepare(
    settings: Settings,
    schemes: Sequence[str],
    data_dir: Path | None,
    encoder: TextEncoder | None,
) -> _Run:
    from nlp.classify.model import model_dir_for

    if encoder is None:
        from nlp.embed.encoder import Encoder

        encoder = Encoder(settings.embed)
    return _Run(
        settings=settings.classify,
        encoder=encoder,
        data_dir=Path(data_dir) if data_dir else DEFAULT_DATA_DIR,
        model_dirs={s: model_dir_for(settings.classify, s) for s in schemes},
    )


def run_training(
    settings: Settings,
    schemes: Sequence[str],
    *,
    data_dir: Path | None = None,
    seed_gold: Path | None = SEED_GOLD,
    encoder: TextEncoder | None = None,
    progress: ProgressFn | None = None,
) -> list[TrainResult]:
    """Train every scheme into the model folders the settings name and rewrite the model card."""
    run = _prepare(settings, schemes, data_dir, encoder)
    results = [
        train_model(
            run.data_dir,
            folder,
            run.encoder,
            scheme=scheme,
            seed_gold=seed_gold,
            progress=progress,
            settings=run.settings,
        )
        for scheme, folder in run.model_dirs.items()
    ]
    if results:
        write_model_card(run.models_root)
    return results


def run_evaluation(
    settings: Settings,
    schemes: Sequence[str],
    *,
    data_dir: Path | None = None,
    seed_gold: Path | None = SEED_GOLD,
    encoder: TextEncoder | None = None,
    progress: ProgressFn | None = None,
    update_card: bool = True,
) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Evaluate the saved model of every scheme; add the tables to the model card."""
    run = _prepare(settings, schemes, data_dir, encoder)
    out = {
        scheme: evaluate_model(
            folder,
            run.data_dir,
            run.encoder,
            seed_gold=seed_gold,
            progress=progress,
            settings=run.settings,
        )
        for scheme, folder in run.model_dirs.items()
    }
    if update_card and out:
        write_model_card(run.models_root, evaluation=out)
    return out
