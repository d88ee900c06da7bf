"""The torch-free sentence encoder: an ONNX model run by onnxruntime, tokenized by `tokenizers`.

A model folder (``models/encoder/``, written by :func:`nlp.embed.export.export_encoder`) holds
``model.onnx``, ``tokenizer.json`` and ``encoder.json``; loading reads those three files and runs no
code from them. :class:`OnnxSentenceModel` has the shape of a sentence-transformers model
(``encode(sentences, batch_size=..., normalize_embeddings=...)``), so :class:`nlp.embed.Encoder`
wraps it with its cache exactly as it wraps the torch one.

Texts are tokenized once, sorted by length and batched, so a batch is padded to the length of
its own longest text, not the call's: on policy clauses (a few words to a few hundred) that halves
the work against batches in input order. Vectors come back in input order.

Example
-------
>>> from nlp.config import DEFAULT_ENCODER
>>> model = OnnxSentenceModel(DEFAULT_ENCODER)               # doctest: +SKIP
>>> model.encode(["Is my data sent to China?"]).shape        # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlp.errors import ModelError

__all__ = [
    "ENCODER_CONFIG",
    "FORMAT",
    "OnnxSentenceModel",
    "is_onnx_folder",
    "onnx_model_id",
    "read_config",
]

#: The config file of an ONNX encoder folder, and the format name written in it.
ENCODER_CONFIG = "encoder.json"
FORMAT = "policylens-onnx-encoder/1"
_INSTALL_HINT = "pip install onnxruntime tokenizers"


def is_onnx_folder(path: Path) -> bool:
    """Whether ``path`` is an ONNX encoder folder (it has an ``encoder.json``)."""
    return (Path(path) / ENCODER_CONFIG).is_file()


def read_config(path: Path) -> dict[str, Any]:
    """The ``encoder.json`` of folder ``path``, checked for the fields the runtime needs."""
    cfg_path = Path(path) / ENCODER_CONFIG
    try:
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"cannot read {cfg_path}: {exc}; export the encoder again with "
            "`policylens train --encoder`"
        ) from exc
    needed = ("model", "tokenizer", "max_seq_length", "pooling", "dim")
    missing = [k for k in needed if k not in cfg]
    if cfg.get("format") != FORMAT or missing:
        raise ModelError(
            f"{cfg_path} is not a {FORMAT} config (missing {missing or 'format'}); export the "
            "encoder again with `policylens train --encoder`"
        )
    return dict(cfg)


def onnx_model_id(path: Path, digest: str) -> str:
    """Cache id of the ONNX model in ``path``: source name, backend, precision, file hash.

    The precision is in the id because an int8 or fp16 model's vectors differ from the float32
    ones (slightly): their caches must never mix.
    """
    cfg = read_config(path)
    name = str(cfg.get("source", {}).get("name") or Path(path).name)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "model"
    return f"{name}-onnx-{cfg.get('precision', 'fp32')}-{digest}"


class OnnxSentenceModel:
    """A sentence encoder from an ONNX folder, with the shape of a SentenceTransformer.

    Parameters
    ----------
    path
        The folder (``model.onnx``, ``tokenizer.json``, ``encoder.json``).
    threads
        onnxruntime intra-op threads; 0 lets onnxruntime choose (one per physical core).
    """

    def __init__(self, path: str | Path, *, threads: int = 0) -> None:
        self.path = Path(path)
        cfg = read_config(self.path)
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelError(
                f"the ONNX encoder needs onnxruntime and tokenizers: run `{_INSTALL_HINT}`"
            ) from exc
        self.max_seq_length = int(cfg["max_seq_length"])
        self.pooling = str(cfg["pooling"])
        if self.pooling not in ("mean", "cls"):
            raise ModelError(f"{self.path}: pooling {self.pooling!r} is not supported")
        self.dim = int(cfg["dim"])
        self.precision = str(cfg.get("precision", "fp32"))
        try:
            tok = Tokenizer.from_file(str(self.path / cfg["tokenizer"]))
            # tokenizer.json files often carry a fixed padding and a shorter truncation of their
            # own; the model's window is what encoder.json says, and batches are padded here.
            tok.no_padding()
            tok.enable_truncation(self.max_seq_length)
            options = ort.SessionOptions()
            if threads:
                options.intra_op_num_threads = threads
            options.log_severity_level = 3  # warnings about unused initializers are noise here
            session = ort.InferenceSession(
                str(self.path / cfg["model"]), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # noqa: BLE001 - any load failure means the same to the user
            raise ModelError(
                f"cannot load the ONNX encoder from {self.path}: {exc}; export it again with "
                "`policylens train --encoder` or fix POLICYLENS_EMBED__MODEL_PATH"
            ) from exc
        self._tokenizer = tok
        self._session = session
        self._inputs = [i.name for i in session.get_inputs()]
        self._output = str(cfg.get("output", session.get_outputs()[0].name))
        self._pad_id = int(tok.token_to_id("[PAD]") or 0)

    def get_sentence_embedding_dimension(self) -> int:
        return self.dim

    def encode(
        self,
        sentences: Sequence[str],
        batch_size: int = 32,
        normalize_embeddings: bool = False,
        **_: Any,
    ) -> np.ndarray:
        """Vectors of ``sentences`` (float32, input order), pooled as the model was trained."""
        texts = list(sentences)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(texts)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(texts))
        order = np.argsort(-lengths, kind="stable")
        for lo in range(0, len(texts), batch_size):
            idx = order[lo : lo + batch_size]
            width = int(lengths[idx].max())
            ids = np.full((len(idx), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, j in enumerate(idx):
                n = int(lengths[j])
                ids[row, :n] = encodings[j].ids
                mask[row, :n] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            hidden = self._session.run([self._output], feed)[0]
            out[idx] = self._pool(hidden, mask)
        if normalize_embeddings:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out /= np.where(norms == 0, 1.0, norms)
        return out

    def _pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.pooling == "cls":
            return np.asarray(hidden[:, 0], dtype=np.float32)
        m = mask[..., None].astype(np.float32)
        summed = (hidden * m).sum(axis=1)
        return (summed / np.clip(m.sum(axis=1), 1e-9, None)).astype(np.float32)

    def __repr__(self) -> str:
        return f"OnnxSentenceModel({str(self.path)!r}, precision={self.precision!r})"
