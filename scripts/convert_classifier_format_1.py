"""Convert a saved clause classifier from format version 1 to 2, without retraining.

Format 1 left part of the estimators' state implicit: the TF-IDF transformer's parameters (fixed
in the code) and the logistic regressions' parameters and classes. Format 2 writes them out, so
that each part loads through its own ``from_state``. The weights (``coef``, ``intercept``,
``idf``) and every other field are carried over unchanged.

    python scripts/convert_classifier_format_1.py models/policylens models/opp115

Kept outside models/, which the wheel ships as package data.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.classify.model import MODEL_JSON, WEIGHTS_NPZ, ClauseClassifier  # noqa: E402

# What format 1's code used for every saved model (ClauseClassifier._tfidf and load()).
TFIDF_PARAMS = {"min_df": 2, "max_df": 0.5}
LOGIT_PARAMS = {"max_iter": 1000, "threshold": 0.5}


def convert(folder: Path) -> None:
    """Rewrite ``folder``'s model in format 2 (a no-op on a format-2 model)."""
    doc = json.loads((folder / MODEL_JSON).read_text(encoding="utf-8"))
    if doc.get("format_version") == 2:
        print(f"{folder}: already format 2")
        return
    if doc.get("format_version") != 1:
        raise SystemExit(f"{folder}: format version {doc.get('format_version')!r} is not 1")
    with np.load(folder / WEIGHTS_NPZ, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    params = doc["params"]
    if doc.get("tfidf"):
        doc["tfidf"] = {
            "params": {"max_features": params["max_features"], **TFIDF_PARAMS},
            "vocabulary": doc["tfidf"]["vocabulary"],
        }
    doc["estimator"] = {
        "params": {"C": params["C"], "class_weight": params["class_weight"], **LOGIT_PARAMS},
        "classes": [0, 1],
        "multilabel": True,
    }
    doc["format_version"] = 2
    ClauseClassifier.from_state(doc, arrays).save(folder)
    print(f"{folder}: converted to format 2")


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["models/policylens", "models/opp115"]:
        convert(Path(arg))
