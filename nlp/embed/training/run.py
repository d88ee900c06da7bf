"""``policylens train --encoder``: triples -> fine-tune -> ONNX export with a model card."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp.config import EncoderTrainSettings, Settings
from nlp.embed.export import ExportReport, Precision, average_encoders, export_encoder
from nlp.embed.training.adapter import fit_adapter, save_adapted_model
from nlp.embed.training.finetune import finetune_encoder
from nlp.embed.training.pairs import LAY_QUESTIONS, build_triples, data_hashes

__all__ = [
    "EncoderTrainingResult", "default_datasets_dir", "lay_clause_texts", "train_encoder",
]


def default_datasets_dir() -> Path:
    """``../shared/datasets`` next to the project (the main checkout's when run from a worktree)."""
    from nlp.config import PROJECT_DIR

    candidate = PROJECT_DIR.parent / "shared" / "datasets"
    if candidate.is_dir():
        return candidate
    return PROJECT_DIR.parent.parent / "shared" / "datasets"

#: The datasets' licenses, for the model card.
DATA_LICENSES = {
    "PolicyQA (Ahmad et al. 2020), dev.json, training policies only": "MIT",
    "OPP-115 practice annotations (Wilson et al. 2016)": "CMU; research use, cite the paper",
    "PrivacyQA (Ravichander et al. 2019), train questions and their OPP-115 categories": "MIT",
    "policylens lay questions (corpora/qa), train split, over Open Terms Archive (ODC-By 1.0) "
    "and PoliCond (MIT) policies": "the project's own",
}


@dataclass(frozen=True)
class EncoderTrainingResult:
    """What was trained (method, epochs or steps, triples by source) and the export's report."""

    method: str
    steps: int
    examples: int
    export: ExportReport
    sources: dict[str, int]
    final_loss: float | None


def lay_clause_texts(settings: Settings, datasets: Path) -> Callable[[str], list[str]]:
    """Embedded texts of a lay-question policy's clauses, segmented as policylens does (cached)."""
    from nlp.cache import ParseCache
    from nlp.config import DEFAULT_CORPUS

    embed = settings.embed
    cache = ParseCache(
        embed.cache_dir / "policies" if embed.use_cache else None, settings.ingest, settings.segment
    )
    memo: dict[str, list[str]] = {}

    def clauses_of(policy: str) -> list[str]:
        if policy not in memo:
            path = DEFAULT_CORPUS if policy == "seed" else datasets / policy
            clauses = cache.read(path)[1] if path.is_file() else []
            memo[policy] = [c.contextual_text() for c in clauses]
        return memo[policy]

    return clauses_of


def train_encoder(
    settings: Settings,
    datasets: Path,
    dest: Path,
    *,
    base: Path,
    precision: Precision = "fp16",
    work_dir: Path | None = None,
    max_steps: int | None = None,
    encode: Callable[[list[str]], np.ndarray] | None = None,
    progress: Callable[[str], None] | None = None,
) -> EncoderTrainingResult:
    """Tune ``base`` on the triples of ``datasets`` and export it to ``dest`` (ONNX).

    ``encode``: the base model's vectors for the adapter (default: ``base`` run by torch, cached
    in the settings' cache folder). ``max_steps`` stops a full fine-tune early.
    """
    say = progress or (lambda _m: None)
    cfg: EncoderTrainSettings = settings.encoder_train
    base_vectors = None
    if cfg.negatives == "mined" or cfg.method == "adapter":
        base_vectors = encode or _base_encoder(settings, base).encode
    triples, split = build_triples(
        datasets, seed=cfg.seed, validation_share=cfg.validation_share,
        policyqa_limit=cfg.policyqa_limit, opp115_limit=cfg.opp115_limit,
        privacyqa_per_question=cfg.privacyqa_per_question, lay_repeats=cfg.lay_repeats,
        clauses_of=lay_clause_texts(settings, datasets),
        encode=base_vectors if cfg.negatives == "mined" else None,
        negative_depth=cfg.negative_depth, hold_out_tuning=cfg.hold_out_tuning,
    )
    if cfg.max_examples and len(triples) > cfg.max_examples:
        triples = triples[: cfg.max_examples]
    sources = dict(sorted(Counter(t.source for t in triples).items()))
    say(f"encoder: {len(triples)} training triples {sources}")
    with tempfile.TemporaryDirectory() as tmp:
        # work_dir keeps the tuned sentence-transformers folder (for the torch backend).
        tuned = (work_dir or Path(tmp)) / "tuned"
        training: dict[str, Any] = {
            "base": "all-MiniLM-L6-v2",
            "method": cfg.method,
            "settings": json.loads(cfg.model_dump_json()),
            "triples": len(triples),
            "triples_by_source": sources,
            "policyqa_split": {"seed": split["seed"], "validation": split["validation"],
                               "train": split["train"],
                               "tuning": split.get("tuning", {}) if cfg.hold_out_tuning else {}},
            "data_sha256": data_hashes(datasets, [LAY_QUESTIONS]),
            "data_licenses": DATA_LICENSES,
        }
        if cfg.method == "adapter":
            assert base_vectors is not None
            ad = fit_adapter(
                triples, base_vectors, seed=cfg.seed, max_epochs=cfg.adapter_max_epochs,
                batch_size=cfg.adapter_batch_size, learning_rate=cfg.adapter_learning_rate,
                identity_weight=cfg.adapter_identity_weight, progress=say,
            )
            save_adapted_model(base, ad.matrix, tuned)
            training.update(
                loss="MultipleNegativesRankingLoss's objective (in-batch + one same-policy hard "
                "negative, scale 20) on a linear map after pooling; the transformer is frozen",
                steps=ad.epochs, unit="epochs", final_loss=ad.heldout_loss_after,
                heldout_loss_before=ad.heldout_loss_before, heldout_losses=list(ad.losses),
                texts=ad.texts,
            )
        else:
            ft = finetune_encoder(
                base, triples, tuned, seed=cfg.seed, epochs=cfg.epochs, batch_size=cfg.batch_size,
                learning_rate=cfg.learning_rate, warmup_ratio=cfg.warmup_ratio,
                train_max_seq_length=cfg.train_max_seq_length, max_seq_length=cfg.max_seq_length,
                max_steps=max_steps if max_steps is not None else cfg.max_steps,
                threads=settings.embed.threads, progress=say,
            )
            training.update(
                loss="MultipleNegativesRankingLoss (in-batch + one same-policy hard negative, "
                + ("mined: one of the base model's closest non-answers)" if cfg.negatives == "mined"
                   else "drawn at random)"),
                steps=ft.steps, unit="steps",
                final_loss=None if ft.final_loss is None else round(ft.final_loss, 4),
            )
        # A tune to average is exported beside the work first, the average then written to dest.
        exported = dest if cfg.average_with is None else Path(tmp) / "exported"
        report = export_encoder(
            tuned, exported, precision=precision, name=cfg.model_name, training=training
        )
        if cfg.average_with is not None:
            say(f"encoder: averaging with {cfg.average_with} (weight of this tune "
                f"{cfg.average_weight})")
            report = average_encoders(
                cfg.average_with, exported, dest, weight=cfg.average_weight, name=cfg.model_name
            )
    return EncoderTrainingResult(
        method=cfg.method, steps=int(training["steps"]), examples=len(triples), export=report,
        sources=sources, final_loss=training["final_loss"],
    )


def _base_encoder(settings: Settings, base: Path) -> Any:
    """The base model run by torch, cached under its own id (its vectors are the map's input)."""
    from nlp.embed import Encoder

    return Encoder(settings.embed.model_copy(update={"backend": "torch", "model_path": base}))
