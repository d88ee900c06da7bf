"""``policylens train --encoder``: triples -> fine-tune -> ONNX export with a model card."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.config import EncoderTrainSettings, Settings
from nlp.embed.export import ExportReport, Precision, export_encoder
from nlp.embed.training.finetune import FinetuneReport, finetune_encoder
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
    """The fine-tune's and the export's reports, and how many triples each source gave."""

    finetune: FinetuneReport
    export: ExportReport
    sources: dict[str, int]


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
    progress: Callable[[str], None] | None = None,
) -> EncoderTrainingResult:
    """Fine-tune ``base`` on the triples of ``datasets`` and export it to ``dest`` (ONNX)."""
    say = progress or (lambda _m: None)
    cfg: EncoderTrainSettings = settings.encoder_train
    triples, split = build_triples(
        datasets, seed=cfg.seed, validation_share=cfg.validation_share,
        policyqa_limit=cfg.policyqa_limit, opp115_limit=cfg.opp115_limit,
        privacyqa_per_question=cfg.privacyqa_per_question, lay_repeats=cfg.lay_repeats,
        clauses_of=lay_clause_texts(settings, datasets),
    )
    if cfg.max_examples and len(triples) > cfg.max_examples:
        triples = triples[: cfg.max_examples]
    sources = dict(sorted(Counter(t.source for t in triples).items()))
    say(f"encoder: {len(triples)} training triples {sources}")
    with tempfile.TemporaryDirectory() as tmp:
        # work_dir keeps the tuned sentence-transformers folder (for the torch backend).
        tuned = (work_dir or Path(tmp)) / "tuned"
        ft = finetune_encoder(
            base, triples, tuned, seed=cfg.seed, epochs=cfg.epochs, batch_size=cfg.batch_size,
            learning_rate=cfg.learning_rate, warmup_ratio=cfg.warmup_ratio,
            train_max_seq_length=cfg.train_max_seq_length, max_seq_length=cfg.max_seq_length,
            max_steps=max_steps if max_steps is not None else cfg.max_steps,
            threads=settings.embed.threads, progress=say,
        )
        training: dict[str, Any] = {
            "base": "all-MiniLM-L6-v2",
            "loss": "MultipleNegativesRankingLoss (in-batch + one same-policy hard negative)",
            "settings": json.loads(cfg.model_dump_json()),
            "triples": len(triples),
            "triples_by_source": sources,
            "steps": ft.steps,
            "final_loss": None if ft.final_loss is None else round(ft.final_loss, 4),
            "policyqa_split": {"seed": split["seed"], "validation": split["validation"],
                               "train": split["train"]},
            "data_sha256": data_hashes(datasets, [LAY_QUESTIONS]),
            "data_licenses": DATA_LICENSES,
        }
        report = export_encoder(
            tuned, dest, precision=precision, name=cfg.model_name, training=training
        )
    return EncoderTrainingResult(ft, report, sources)
