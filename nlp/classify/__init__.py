"""Classify: label each clause with the categories of the taxonomy (collection, sharing, ...).

A clause is classified by its :meth:`~nlp.types.Clause.contextual_text` (last heading, list
lead-in, text) and that text's sentence vector from ``nlp.embed``, so the vectors the search
index holds serve classification too.

* ``taxonomy``: the policylens categories, their keyword cues and how the OPP-115 and APPCorp
  schemes map onto them (data in ``nlp/data/taxonomy.json``): :data:`LABELS`,
  :func:`keywords`, :func:`map_source_labels`, :func:`scheme_labels`.
* ``model``: :class:`ClauseClassifier` (texts + vectors -> labels; saved as JSON + ``.npz``
  through ``to_state``/``from_state``), with :func:`load_classifier`, :func:`model_dir_for`,
  :func:`label_clauses` and :func:`tune_thresholds`. It scores with numpy alone
  (``features``: TF-IDF rows and the linear scorer).
* ``estimators``: the scikit-learn estimators ``fit`` trains with: :class:`MultiLabelLogit` (one
  logistic regression per label, on numbers) and :class:`TfidfFeatures` (texts -> TF-IDF).
* ``training``: the datasets, training, evaluation and model card behind ``policylens train`` and
  ``policylens evaluate``.

The estimators import scikit-learn, so every model name loads on first use.
``classification_text`` is the old name of ``Clause.contextual_text`` and still resolves, with a
``DeprecationWarning``.
"""

import warnings
from importlib import import_module
from typing import Any

from nlp.classify.taxonomy import LABELS, keywords, map_source_labels, scheme_labels

_LAZY = {
    "ClauseClassifier": "nlp.classify.model",
    "MultiLabelLogit": "nlp.classify.estimators",
    "TfidfFeatures": "nlp.classify.estimators",
    "label_clauses": "nlp.classify.model",
    "load_classifier": "nlp.classify.model",
    "model_dir_for": "nlp.classify.model",
    "tune_thresholds": "nlp.classify.model",
}


def __getattr__(name: str) -> Any:
    if name == "classification_text":
        from nlp.types import Clause

        warnings.warn(
            "nlp.classify.classification_text(clause) is deprecated; use "
            "clause.contextual_text(), the one text a clause is embedded and classified by",
            DeprecationWarning,
            stacklevel=2,
        )
        return Clause.contextual_text
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nlp.classify' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = ["LABELS", "keywords", "map_source_labels", "scheme_labels", *_LAZY]
