"""Classify: label each clause with the categories of the taxonomy (collection, sharing, ...).

``taxonomy`` holds the categories and how other schemes map onto them (as data), ``model`` the
classifier on sentence vectors and TF-IDF, and ``training`` the datasets, evaluation and model card.
The model imports scikit-learn, so its names load on first use.
"""

from importlib import import_module
from typing import Any

from nlp.classify.taxonomy import LABELS, keywords, map_source_labels, scheme_labels

_LAZY = {
    "ClauseClassifier": "nlp.classify.model",
    "MultiLabelLogit": "nlp.classify.model",
    "classification_text": "nlp.classify.model",
    "label_clauses": "nlp.classify.model",
    "load_classifier": "nlp.classify.model",
    "model_dir_for": "nlp.classify.model",
    "tune_thresholds": "nlp.classify.model",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nlp.classify' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = ["LABELS", "keywords", "map_source_labels", "scheme_labels", *_LAZY]
