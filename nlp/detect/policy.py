""""Is this a privacy policy?": a probability per document from a small linear model.

Features are hashed word unigrams and bigrams of the clean text (CJK text, written without
spaces, as character bigrams), log-scaled and L2-normalised; the model is a logistic regression
over them, trained by :mod:`nlp.detect.training` on the labelled set in
``corpora/policy_detection`` and shipped as ``models/policy_detector`` (``model.json`` +
``weights.npz``: the non-zero weights by bucket; no pickle). Scoring needs numpy alone.
"""

from __future__ import annotations

import functools
import json
import math
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp.config import DEFAULT_MODELS
from nlp.errors import ModelError

__all__ = ["FEATURE_VERSION", "PolicyDetector", "document_features", "load_policy_detector"]

FEATURE_VERSION = 1
"""Version of :func:`document_features`; a model trained on another version is refused."""
DEFAULT_DIR = DEFAULT_MODELS / "policy_detector"
DIMS = 1 << 18
# The first part of a document says what it is; a long help centre should not outweigh that.
_MAX_CHARS = 60_000
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    for w in _WORD.findall(text.lower()):
        if _CJK.search(w):
            out.extend(w[k : k + 2] for k in range(max(1, len(w) - 1)))
        else:
            out.append(w)
    return out


def _bucket(feature: str) -> int:
    # crc32 rather than hash(): Python salts str hashes per process, the model must not move.
    return zlib.crc32(feature.encode("utf-8")) % DIMS


def document_features(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Bucket indices and values (log counts, L2-normalised) of ``text``'s hashed n-grams.

    >>> idx, val = document_features("We collect data. We collect cookies.")
    >>> len(idx) == len(val), round(float(np.linalg.norm(val)), 6)
    (True, 1.0)
    """
    toks = _tokens(text[:_MAX_CHARS])
    counts: dict[int, int] = {}
    grams = toks + [f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)]
    for g in grams:
        k = _bucket(g)
        counts[k] = counts.get(k, 0) + 1
    if not counts:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    idx = np.fromiter(counts.keys(), np.int64, len(counts))
    val = np.log1p(np.fromiter(counts.values(), np.float32, len(counts)))
    val /= float(np.linalg.norm(val)) or 1.0
    order = np.argsort(idx)
    return idx[order], val[order].astype(np.float32)


@dataclass(frozen=True)
class PolicyDetector:
    """A linear model on :func:`document_features`: ``score(text)`` is P(privacy policy)."""

    weights: np.ndarray  # dense, DIMS float32
    bias: float
    threshold: float = 0.5
    # Languages with enough training documents to be scored; a text in another one is not.
    languages: tuple[str, ...] = ()

    def scores_language(self, code: str) -> bool:
        return not self.languages or not code or code in self.languages

    def score(self, text: str) -> float:
        idx, val = document_features(text)
        z = float(val @ self.weights[idx]) + self.bias if len(idx) else self.bias
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def save(self, folder: Path, meta: dict[str, object]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        nz = np.flatnonzero(self.weights)
        np.savez_compressed(
            folder / "weights.npz", index=nz.astype(np.int32), weight=self.weights[nz]
        )
        record = {
            "kind": "policy_detector",
            "feature_version": FEATURE_VERSION,
            "dims": DIMS,
            "bias": self.bias,
            "threshold": self.threshold,
            "languages": list(self.languages),
            **meta,
        }
        (folder / "model.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


@functools.lru_cache(maxsize=4)
def _load(folder: str) -> PolicyDetector:
    path = Path(folder)
    try:
        meta = json.loads((path / "model.json").read_text(encoding="utf-8"))
        with np.load(path / "weights.npz", allow_pickle=False) as data:
            index, weight = data["index"], data["weight"]
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"cannot read the policy detector in {path}: {exc}") from exc
    if meta.get("feature_version") != FEATURE_VERSION or meta.get("dims") != DIMS:
        raise ModelError(
            f"the policy detector in {path} was trained on other features; retrain it with "
            "`python -m nlp.detect.training`"
        )
    weights = np.zeros(DIMS, np.float32)
    weights[index] = weight
    return PolicyDetector(
        weights,
        float(meta["bias"]),
        float(meta.get("threshold", 0.5)),
        tuple(meta.get("languages", ())),
    )


def load_policy_detector(folder: Path | None = None) -> PolicyDetector | None:
    """The detector in ``folder`` (default: the shipped one), or ``None`` when there is none."""
    path = Path(folder) if folder else DEFAULT_DIR
    if not (path / "model.json").exists():
        if folder:
            raise ModelError(f"no policy detector in {path} (model.json missing)")
        return None
    return _load(str(path.resolve()))
