"""The torch backend: a sentence-transformers model folder run by sentence-transformers.

Used for training and export, and when ``EmbedSettings.backend`` is ``torch``; needs the ``[train]``
extra (``pip install -e ".[train]"``). Importing this module imports neither torch nor
sentence-transformers: :func:`load_sentence_transformer` does, when called.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from nlp.errors import ModelError

__all__ = ["TRAIN_HINT", "load_sentence_transformer", "sentence_model_dim"]

#: The pip command that brings torch, sentence-transformers and the base model.
TRAIN_HINT = 'pip install -e ".[train]"'


def sentence_model_dim(model: Any) -> int | None:
    """Vector width reported by a SentenceTransformer-like model (the method was renamed in v5)."""
    getter = getattr(model, "get_embedding_dimension", None) or getattr(
        model, "get_sentence_embedding_dimension", None
    )
    dim = getter() if getter is not None else None
    return int(dim) if dim else None


def load_sentence_transformer(path: Path, *, device: str = "cpu") -> Any:
    """The SentenceTransformer in folder ``path``, loaded offline; ModelError if it cannot be."""
    # A shell without these would let transformers try the hub and hang with no network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # A library's progress bars on stderr would garble CLI output and service logs.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelError(
            "the torch backend needs sentence-transformers, which is not installed; run "
            f"`{TRAIN_HINT}` (pip install sentence-transformers torch), or use the default onnx "
            "backend (POLICYLENS_EMBED__BACKEND=onnx)"
        ) from exc
    try:
        return SentenceTransformer(str(path), device=device)
    except Exception as exc:  # noqa: BLE001 - any load failure means the same to the user
        raise ModelError(
            f"cannot load the embedding model from {path}: {exc}; reinstall it with "
            f"`{TRAIN_HINT}` or fix POLICYLENS_EMBED__MODEL_PATH"
        ) from exc
