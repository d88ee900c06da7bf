"""Question vectors for a server: concurrent questions embedded in one batch, recent ones cached.

Example
-------
>>> from nlp.embed import BatchingEncoder
>>> batching = BatchingEncoder(encoder)  # e.g. BatchingEncoder(nlp.embed.Encoder())
>>> batching.encode_query("Do you sell my data?").shape
(384,)
"""

from __future__ import annotations

import inspect
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

import numpy as np

from nlp.embed.protocol import model_id_of

__all__ = ["BatchingEncoder"]


class BatchingEncoder:
    """Wraps an encoder so that questions asked at the same time are embedded in one batch.

    A CPU encodes a batch of short questions for little more than one question, so under load
    the first waiting caller encodes every question queued behind it ("leader" batching: no timer,
    no added latency when requests come one by one). Recent questions are kept in an LRU cache;
    ``stats`` counts queries, cache hits, batches and texts encoded, so hit rates can be reported.

    ``encode`` (clauses) passes straight through to the wrapped encoder.
    """

    def __init__(
        self,
        encoder: Any,
        *,
        max_batch: int = 64,
        cache_size: int = 1024,
        concurrency: int = 1,
    ) -> None:
        self.encoder = encoder
        self.max_batch = max_batch
        self.concurrency = concurrency
        self.cache_size = cache_size
        self._cv = threading.Condition()
        self._pending: list[tuple[str, Future[np.ndarray]]] = []
        self._active = 0  # batches being encoded right now
        self._lru: OrderedDict[str, np.ndarray] = OrderedDict()
        self.stats = {"queries": 0, "cache_hits": 0, "batches": 0, "encoded": 0}
        try:
            params = inspect.signature(encoder.encode).parameters
            self._no_disk_cache = {"use_cache": False} if "use_cache" in params else {}
        except (TypeError, ValueError):
            self._no_disk_cache = {}

    @property
    def model_id(self) -> str:
        return model_id_of(self.encoder)

    @property
    def dim(self) -> int:
        return int(self.encoder.dim)

    def encode(self, texts: Sequence[str], **kwargs: Any) -> np.ndarray:
        """Embed clause texts with the wrapped encoder (its disk cache applies)."""
        return np.asarray(self.encoder.encode(texts, **kwargs))

    def encode_query(self, text: str, *, normalize: bool = True) -> np.ndarray:
        """Embed one question (unit vector unless ``normalize=False``), batched with others."""
        key = f"{int(normalize)}{text}"
        with self._cv:
            self.stats["queries"] += 1
            hit = self._lru.get(key)
            if hit is not None:
                self._lru.move_to_end(key)
                self.stats["cache_hits"] += 1
                return hit
            fut: Future[np.ndarray] = Future()
            self._pending.append((text, fut))
        while True:
            with self._cv:
                while self._active >= self.concurrency and not fut.done():
                    self._cv.wait()
                if fut.done():
                    break
                if not self._pending:
                    # Another leader took our question into its batch: wait for that batch.
                    while not fut.done():
                        self._cv.wait()
                    break
                self._active += 1
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
            try:
                self._encode_batch(batch)
            finally:
                with self._cv:
                    self._active -= 1
                    self._cv.notify_all()
        vec = fut.result()
        if not normalize:
            return vec
        with self._cv:
            self._lru[key] = vec
            while len(self._lru) > self.cache_size:
                self._lru.popitem(last=False)
        return vec

    def _encode_batch(self, batch: list[tuple[str, Future[np.ndarray]]]) -> None:
        try:
            texts = [t for t, _ in batch]
            vecs = np.asarray(self.encoder.encode(texts, **self._no_disk_cache), np.float32)
            with self._cv:
                self.stats["batches"] += 1
                self.stats["encoded"] += len(texts)
            for (_, fut), vec in zip(batch, vecs, strict=True):
                vec.setflags(write=False)
                fut.set_result(vec)
        except BaseException as exc:  # every waiter must wake up, with the error
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(exc)
