"""Embed: sentence vectors for clauses and questions, with an on-disk cache keyed by text and model.

Classification, retrieval and comparison all read clauses through these vectors, so the stage sits
before them in the flow. A clause is embedded by :meth:`nlp.types.Clause.contextual_text` (its
last heading, its list's lead-in, then its text); classification reads the same text, so the
vectors computed once serve both.

* :class:`Encoder` loads the model lazily from a local folder and caches vectors per model
  (:class:`EmbeddingCache`, keyed by :func:`text_hash`, named by :func:`model_id_for_path`). Its
  backend (``EmbedSettings.backend``) is ``onnx`` by default: the shipped ONNX encoder in
  ``models/encoder/`` run by onnxruntime (:mod:`nlp.embed.onnx_backend`), no torch needed;
  ``torch`` runs a sentence-transformers folder (:mod:`nlp.embed.torch_backend`).
* :func:`nlp.embed.export.export_encoder` (``policylens train --encoder``, needs torch) writes
  that ONNX folder from any sentence-transformers model folder; :mod:`nlp.embed.training` tunes
  the shipped model to policy language first (question -> clause triples, same-policy hard
  negatives).
* :class:`TextEncoder` is the protocol every stage takes an encoder as; :func:`model_id_of` tells
  the model id of any encoder, so stores key vectors by one rule.
* :class:`BatchingEncoder` wraps an encoder for a server: questions asked at the same time are
  embedded in one batch, recent ones cached.
* :func:`normalize_rows` scales vectors to unit length.

``clause_text_for_embedding`` is the old name of ``Clause.contextual_text`` and still resolves,
with a ``DeprecationWarning``.
"""

import warnings

from nlp.embed.batching import BatchingEncoder
from nlp.embed.encoder import (
    EmbeddingCache,
    Encoder,
    model_id_for_path,
    normalize_rows,
    text_hash,
)
from nlp.embed.protocol import TextEncoder, model_id_of
from nlp.types import Clause

__all__ = [
    "BatchingEncoder",
    "EmbeddingCache",
    "Encoder",
    "TextEncoder",
    "model_id_for_path",
    "model_id_of",
    "normalize_rows",
    "text_hash",
]


def __getattr__(name: str) -> object:
    if name == "clause_text_for_embedding":
        warnings.warn(
            "nlp.embed.clause_text_for_embedding(clause) is deprecated; use "
            "clause.contextual_text(), the one text a clause is embedded and classified by",
            DeprecationWarning,
            stacklevel=2,
        )
        return Clause.contextual_text
    raise AttributeError(f"module 'nlp.embed' has no attribute {name!r}")
