"""What every stage needs from a sentence encoder, written once.

Training, batch classification, the index and the service take any object with this shape:
``nlp.embed.Encoder``, the service's batching wrapper, or a deterministic fake in tests. It
follows sentence-transformers (``encode(texts, *, batch_size, normalize) -> np.ndarray``), plus
the two facts the caches need: which model made a vector (``model_id``) and how wide it is
(``dim``).

>>> class Constant:
...     model_id, dim = "constant-2", 2
...     def encode(self, texts, *, batch_size=None, normalize=True):
...         return np.ones((len(texts), 2), dtype=np.float32)
>>> model_id_of(Constant())
'constant-2'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

__all__ = ["TextEncoder", "model_id_of"]


class TextEncoder(Protocol):
    """A sentence encoder: texts in, one float32 row per text out."""

    @property
    def model_id(self) -> str:
        """Stable id of the model; vectors of different ids are never mixed."""
        ...

    @property
    def dim(self) -> int:
        """Width of the vectors."""
        ...

    def encode(
        self, texts: Sequence[str], *, batch_size: int | None = None, normalize: bool = True
    ) -> np.ndarray:
        """Embed ``texts`` into an array of shape ``(len(texts), dim)``, order preserved."""
        ...


def model_id_of(encoder: object) -> str:
    """The model id of ``encoder``: its ``model_id``, or its class name when it has none.

    Stores and caches key vectors by this id, so one encoder always files its vectors under one
    name, even an encoder (a test double) that does not say which model it is.
    """
    return str(getattr(encoder, "model_id", type(encoder).__name__))
