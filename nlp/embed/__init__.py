"""Embed: sentence vectors for clauses and questions, with an on-disk cache keyed by text and model.

Classification, retrieval and comparison all read clauses through these vectors, so the stage sits
before them in the flow.
"""

from nlp.embed.batching import BatchingEncoder, model_id_of
from nlp.embed.encoder import (
    EmbeddingCache,
    Encoder,
    clause_text_for_embedding,
    model_id_for_path,
    normalize_rows,
    text_hash,
)

__all__ = [
    "BatchingEncoder",
    "EmbeddingCache",
    "Encoder",
    "clause_text_for_embedding",
    "model_id_for_path",
    "model_id_of",
    "normalize_rows",
    "text_hash",
]
