"""Test doubles shared by the unit tests (``tests/conftest.py``) and the doctests (``conftest.py``)."""

from __future__ import annotations

import hashlib
import re

import numpy as np


class FakeEncoder:
    """Hashes words (and word bigrams) into a fixed-size vector: similar texts get similar vectors.

    Same interface as ``nlp.embed.Encoder``: ``encode(texts, *, batch_size=None, normalize=True)``.
    """

    model_id = "fake-hash-384"
    dim = 384

    def __init__(self) -> None:
        self.calls = 0
        self.encoded = 0

    def encode(self, texts, *, batch_size=None, normalize=True):  # noqa: ARG002
        self.calls += 1
        self.encoded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            words = re.findall(r"[a-z0-9]+", text.lower())
            for tok in words + [a + " " + b for a, b in zip(words, words[1:], strict=False)]:
                h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if h & 1 << 40 else -1.0
        if normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out /= np.where(norms == 0, 1.0, norms)
        return out


class SlowEncoder(FakeEncoder):
    """A :class:`FakeEncoder` that takes ``delay`` seconds a call, so a run lasts long enough to
    be interrupted or lose a worker midway; a text containing ``die_on`` ends its process, as a
    crash or the out-of-memory killer would."""

    def __init__(self, delay: float = 0.0, die_on: str | None = None) -> None:
        super().__init__()
        self.delay = delay
        self.die_on = die_on

    def encode(self, texts, *, batch_size=None, normalize=True):  # noqa: ARG002
        import os
        import time

        if self.die_on is not None and any(self.die_on in t for t in texts):
            os._exit(17)
        time.sleep(self.delay)
        return super().encode(texts, batch_size=batch_size, normalize=normalize)
