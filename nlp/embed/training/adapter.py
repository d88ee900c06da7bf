"""A linear map learned on top of the frozen encoder: policy fine-tuning at the cost of one encode.

On two shared CPU cores a full fine-tune of all-MiniLM-L6-v2 runs about one batch of 32 triples
per one to three minutes (measured: ``docs/benchmarks.md``), too slow to see the training data
once. The base vectors of every training text are instead computed once (by the shipped ONNX
encoder, and cached), and a 384 x 384 matrix ``A`` (started at the identity) is trained on them
with the loss sentence-transformers' MultipleNegativesRankingLoss computes: for each question,
softmax cross-entropy of its clause against its same-policy hard negative and every other clause
of the batch, over cosine similarities scaled by 20. A pull towards the identity keeps the map
close to the base model, so what the base knows is kept.

Mean pooling is linear, so ``normalize(mean(h) @ A)`` equals pooling ``h @ A`` token by token:
the map is saved as a sentence-transformers ``Dense`` module after pooling, and the export folds
it into the ONNX graph (:mod:`nlp.embed.export`); the runtime and the file layout do not change.
Questions that repeat (PolicyQA asks one template on several paragraphs) never count another
copy's clause as a negative.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp.embed.training.pairs import TrainingTriple
from nlp.errors import ModelError

__all__ = ["AdapterReport", "fit_adapter", "save_adapted_model"]


@dataclass(frozen=True)
class AdapterReport:
    """The learned map and how training went (losses on held-out training triples)."""

    matrix: np.ndarray
    epochs: int
    examples: int
    texts: int
    heldout_loss_before: float
    heldout_loss_after: float
    losses: tuple[float, ...]


def _vectors(
    triples: Sequence[TrainingTriple], encode: Callable[[list[str]], np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    texts = sorted({x for t in triples for x in (t.anchor, t.positive, t.negative)})
    index = {t: i for i, t in enumerate(texts)}
    vecs = np.asarray(encode(texts), dtype=np.float32)
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)

    def rows(field: str) -> np.ndarray:
        return vecs[[index[getattr(t, field)] for t in triples]]

    anchors = np.array([index[t.anchor] for t in triples])
    return rows("anchor"), rows("positive"), rows("negative"), anchors, len(texts)


def fit_adapter(
    triples: Sequence[TrainingTriple],
    encode: Callable[[list[str]], np.ndarray],
    *,
    seed: int,
    max_epochs: int,
    batch_size: int,
    learning_rate: float,
    identity_weight: float,
    scale: float = 20.0,
    heldout_share: float = 0.1,
    progress: Callable[[str], None] | None = None,
) -> AdapterReport:
    """Learn ``A`` on ``triples`` (base vectors from ``encode``); epochs stop on held-out loss.

    ``heldout_share`` of the training triples (a seeded draw) only measures the loss after each
    epoch; training stops when it no longer falls, and the best epoch's map is kept.
    """
    try:
        import torch
    except ImportError as exc:
        raise ModelError('training the encoder needs torch: pip install -e ".[train]"') from exc
    if not triples:
        raise ModelError("no training triples: is the datasets folder right?")
    say = progress or (lambda _m: None)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    q, p, n, anchors, n_texts = _vectors(triples, encode)
    say(f"encoder: base vectors of {n_texts} texts")
    # Small matrix products: one thread is faster than two that wait for each other.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    order = np.random.default_rng(seed).permutation(len(triples))
    n_held = int(round(len(order) * heldout_share)) if len(order) >= 20 else 0
    held, train = order[:n_held], order[n_held:]
    tq, tp, tn = (torch.from_numpy(x) for x in (q, p, n))
    ta = torch.from_numpy(anchors)
    dim = q.shape[1]
    eye = torch.eye(dim)
    a = torch.nn.Parameter(eye.clone())
    opt = torch.optim.Adam([a], lr=learning_rate)

    def loss_of(idx: np.ndarray) -> Any:
        i = torch.from_numpy(idx)
        qa = torch.nn.functional.normalize(tq[i] @ a, dim=1)
        cands = torch.nn.functional.normalize(torch.cat([tp[i], tn[i]]) @ a, dim=1)
        scores = scale * qa @ cands.T
        # Another copy of the same question: its clause answers this one too, never a negative.
        same = ta[i][:, None] == ta[i][None, :]
        same.fill_diagonal_(False)
        mask = torch.cat([same, torch.zeros_like(same)], dim=1)
        scores = scores.masked_fill(mask, float("-inf"))
        return torch.nn.functional.cross_entropy(scores, torch.arange(len(idx)))

    def heldout() -> float:
        if not len(held):
            return float("nan")
        with torch.no_grad():
            chunks = [held[k : k + batch_size] for k in range(0, len(held), batch_size)]
            return float(np.mean([float(loss_of(c)) for c in chunks]))

    before = heldout()
    best, best_a, best_epoch = before, a.detach().clone(), 0
    losses: list[float] = []
    rng = np.random.default_rng(seed + 1)
    for epoch in range(1, max_epochs + 1):
        perm = rng.permutation(train)
        for k in range(0, len(perm) - 1, batch_size):
            batch = perm[k : k + batch_size]
            if len(batch) < 2:
                continue
            loss = loss_of(batch) + identity_weight * ((a - eye) ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        h = heldout()
        losses.append(round(h, 4))
        say(f"encoder: epoch {epoch}, held-out training loss {h:.4f} (start {before:.4f})")
        if not len(held) or h < best:
            best, best_a, best_epoch = h, a.detach().clone(), epoch
        elif epoch - best_epoch >= 2:
            break
    torch.set_num_threads(threads)
    return AdapterReport(
        matrix=best_a.numpy().astype(np.float32), epochs=best_epoch, examples=len(train),
        texts=n_texts, heldout_loss_before=round(before, 4), heldout_loss_after=round(best, 4),
        losses=tuple(losses),
    )


def save_adapted_model(base: str | Path, matrix: np.ndarray, out: str | Path) -> Path:
    """The base sentence-transformers model with ``matrix`` as a Dense module after pooling."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Dense

    model = SentenceTransformer(str(base), device="cpu")
    dim = matrix.shape[0]
    dense = Dense(dim, matrix.shape[1], bias=False, activation_function=torch.nn.Identity(),
                  init_weight=torch.from_numpy(np.ascontiguousarray(matrix.T)))
    names = [type(m).__name__ for m in model]
    at = names.index("Normalize") if "Normalize" in names else len(names)
    modules = [*list(model)[:at], dense, *list(model)[at:]]
    tuned = SentenceTransformer(modules=modules, device="cpu")
    tuned.max_seq_length = model.max_seq_length
    out = Path(out)
    tuned.save(str(out))
    (out / "adapter.json").write_text(
        json.dumps({"kind": "linear map after pooling", "dim": dim}) + "\n", encoding="utf-8"
    )
    return out
