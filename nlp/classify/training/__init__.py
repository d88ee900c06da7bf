"""Training, evaluation and the model card of the clause classifier.

* ``datasets``: the OPP-115, APPCorp and seed gold loaders (:func:`load_opp115`,
  :func:`load_appcorp`, :func:`load_seed_gold`), their label matrices in a scheme
  (:func:`targets`) and the training and tuning sets (:func:`training_set`, :func:`tuning_set`).
* ``metrics``: per-label reports (:func:`label_report`) and their Markdown (:func:`format_report`).
* ``model_card``: ``models/MODEL_CARD.md``, generated from the saved models
  (:func:`write_model_card`).
* ``run``: :func:`train_model` and :func:`evaluate_model` for one scheme, and
  :func:`run_training` / :func:`run_evaluation` behind ``policylens train`` and ``evaluate``.

Training uses OPP-115 train + APPCorp folds 0-6 + the seed gold set; thresholds are tuned on
OPP-115 validation + APPCorp fold 7. Test splits are never read. Nothing here imports
scikit-learn until a model is fitted or loaded.

Example
-------
>>> from nlp.classify.training import train_model                    # doctest: +SKIP
>>> result = train_model(data_dir, out_dir, encoder, scheme="policylens")  # doctest: +SKIP
"""

from nlp.classify.training.datasets import (
    DEFAULT_DATA_DIR,
    SEED_GOLD,
    TRAIN_FOLDS,
    TUNE_FOLD,
    Dataset,
    LabelledSet,
    detokenize,
    drop_texts,
    load_appcorp,
    load_opp115,
    load_seed_gold,
    seed_sentences,
    targets,
    training_set,
    tuning_set,
)
from nlp.classify.training.metrics import (
    crossfit_report,
    format_report,
    label_report,
    rule_split_report,
)
from nlp.classify.training.model_card import library_versions, write_model_card
from nlp.classify.training.run import (
    DEFAULT_PARAMS,
    SEED,
    ProgressFn,
    TrainResult,
    embed,
    evaluate_model,
    run_evaluation,
    run_training,
    today,
    train_model,
)

__all__ = [
    "DEFAULT_DATA_DIR",
    "DEFAULT_PARAMS",
    "SEED",
    "SEED_GOLD",
    "TRAIN_FOLDS",
    "TUNE_FOLD",
    "Dataset",
    "LabelledSet",
    "ProgressFn",
    "TrainResult",
    "crossfit_report",
    "detokenize",
    "drop_texts",
    "embed",
    "evaluate_model",
    "format_report",
    "label_report",
    "library_versions",
    "load_appcorp",
    "load_opp115",
    "load_seed_gold",
    "rule_split_report",
    "run_evaluation",
    "run_training",
    "seed_sentences",
    "targets",
    "today",
    "train_model",
    "training_set",
    "tuning_set",
    "write_model_card",
]
