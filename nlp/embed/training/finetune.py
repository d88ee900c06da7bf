"""Fine-tune the sentence encoder on question -> clause triples (needs the ``[train]`` extra).

sentence-transformers' trainer with MultipleNegativesRankingLoss: for each question, its clause
must outscore the hard negative of its own policy and every other clause of the batch. Batches
never hold the same text twice (``NO_DUPLICATES``): PolicyQA asks one template question on several
paragraphs, and two copies in a batch would make each other's answer a negative. Seeded; one
process, CPU.
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp.embed.training.pairs import TrainingTriple
from nlp.errors import ModelError

__all__ = ["FinetuneReport", "finetune_encoder"]


@dataclass(frozen=True)
class FinetuneReport:
    """Where the tuned model was saved and what the run did."""

    path: Path
    examples: int
    steps: int
    final_loss: float | None


def _seed_everything(torch: Any, seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def finetune_encoder(
    base: str | Path,
    triples: Sequence[TrainingTriple],
    out: str | Path,
    *,
    seed: int,
    epochs: float,
    batch_size: int,
    learning_rate: float,
    warmup_ratio: float,
    train_max_seq_length: int,
    max_seq_length: int,
    max_steps: int = -1,
    threads: int = 0,
    progress: Callable[[str], None] | None = None,
) -> FinetuneReport:
    """Fine-tune the sentence-transformers model in ``base`` on ``triples``; save it to ``out``.

    Training cuts texts at ``train_max_seq_length`` word pieces (cheaper; most clauses are shorter);
    the saved model reads ``max_seq_length``, as the base did. ``max_steps`` > 0 stops early.
    """
    try:
        import torch
        from datasets import Dataset
        from sentence_transformers import (
            SentenceTransformer,
            SentenceTransformerTrainer,
            SentenceTransformerTrainingArguments,
        )
        from sentence_transformers.losses import MultipleNegativesRankingLoss
        from sentence_transformers.training_args import BatchSamplers
        from transformers import TrainerCallback
    except ImportError as exc:
        raise ModelError(
            "fine-tuning the encoder needs torch, sentence-transformers and accelerate: run "
            '`pip install -e ".[train]"`'
        ) from exc
    if not triples:
        raise ModelError("no training triples: is the datasets folder right?")
    say = progress or (lambda _m: None)
    if threads:
        torch.set_num_threads(threads)
    _seed_everything(torch, seed)
    out = Path(out)
    model = SentenceTransformer(str(base), device="cpu")
    model.max_seq_length = train_max_seq_length
    ds = Dataset.from_dict({
        "anchor": [t.anchor for t in triples],
        "positive": [t.positive for t in triples],
        "negative": [t.negative for t in triples],
    })
    work = out.parent / f".{out.name}.work"
    args = SentenceTransformerTrainingArguments(
        output_dir=str(work),
        num_train_epochs=epochs,
        max_steps=max_steps,
        per_device_train_batch_size=batch_size,
        learning_rate=learning_rate,
        warmup_ratio=warmup_ratio,
        seed=seed,
        data_seed=seed,
        batch_sampler=BatchSamplers.NO_DUPLICATES,
        save_strategy="no",
        logging_steps=4,
        report_to=[],
        use_cpu=True,
        dataloader_num_workers=0,
        disable_tqdm=True,
    )

    losses: list[float] = []

    class Log(TrainerCallback):  # type: ignore[misc]
        def on_log(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            logs = kwargs.get("logs")
            if logs and "loss" in logs:
                losses.append(float(logs["loss"]))
                say(f"encoder: step {state.global_step}/{state.max_steps} loss {logs['loss']:.4f}")

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    trainer = SentenceTransformerTrainer(
        model=model, args=args, train_dataset=ds,
        loss=MultipleNegativesRankingLoss(model), callbacks=[Log()],
    )
    result = trainer.train()
    model.max_seq_length = max_seq_length
    if out.exists():
        shutil.rmtree(out)
    model.save(str(out))
    shutil.rmtree(work, ignore_errors=True)
    return FinetuneReport(
        path=out, examples=len(triples), steps=int(result.global_step),
        final_loss=losses[-1] if losses else float(result.training_loss),
    )
