"""Train and measure the practices stage on PI-Extract and OPP-115's practice annotations.

``train_practices`` fits the data-type tagger on PI-Extract train (fixed seed), measures the
nearest-node threshold on OPP-115 train policies, and writes ``models/practices/`` with its model
card. ``evaluate_piextract`` gives span F1 per task on PI-Extract validation (exact spans, as
seqeval counts them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.config import PROJECT_DIR, Settings
from nlp.practices.tagger import PracticeTagger, bio_spans
from nlp.practices.tokens import Token, lemma
from nlp.types import Clause

__all__ = [
    "PIEXTRACT_TASKS",
    "read_conll",
    "load_piextract",
    "span_prf",
    "evaluate_piextract",
    "file_sha256",
    "statement_tags",
    "run_practices_training",
    "tune_o_bias",
    "PracticesTrainingResult",
]

DEFAULT_DATA_DIR = PROJECT_DIR.parent / "shared" / "datasets"

PIEXTRACT_TASKS = {
    "COLLECT": "CollectUse_true",
    "NOT_COLLECT": "CollectUse_false",
    "SHARE": "Share_true",
    "NOT_SHARE": "Share_false",
}


def file_sha256(path: Path) -> str:
    """SHA-256 of a data file, recorded in the model card."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_conll(path: Path) -> list[tuple[list[str], list[str]]]:
    """Sentences of a CoNLL-03 file as (tokens, BIO tags without the type)."""
    sentences: list[tuple[list[str], list[str]]] = []
    words: list[str] = []
    tags: list[str] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip() or line.startswith("-DOCSTART-"):
            if words:
                sentences.append((words, tags))
            words, tags = [], []
            continue
        parts = line.split()
        words.append(parts[0])
        tags.append(parts[-1][0])
    return sentences


def tokens_of(words: Sequence[str]) -> list[Token]:
    """Tokens of a pre-tokenised sentence, joined by single spaces."""
    out: list[Token] = []
    pos = 0
    for w in words:
        out.append(Token(w, pos, pos + len(w), lemma(w)))
        pos += len(w) + 1
    return out


@dataclass(frozen=True)
class PIExtractSplit:
    """One split of PI-Extract: the sentences and the BIO tags of each task."""

    sentences: list[list[Token]]
    tags: dict[str, list[list[str]]]


def load_piextract(folder: Path, split: str) -> PIExtractSplit:
    """``split`` (train or validation) of the four tasks, aligned sentence by sentence."""
    per_task = {task: read_conll(folder / sub / f"{split}.conll03")
                for task, sub in PIEXTRACT_TASKS.items()}
    first = next(iter(per_task.values()))
    for task, rows in per_task.items():
        if [w for w, _ in rows] != [w for w, _ in first]:
            raise ValueError(f"PI-Extract {split}: sentences of {task} differ from the others")
    return PIExtractSplit(
        [tokens_of(w) for w, _ in first], {task: [t for _, t in rows]
                                            for task, rows in per_task.items()})


def span_prf(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, float]:
    """Precision, recall and F1 of exact spans between two lists of BIO sequences."""
    tp = n_gold = n_pred = 0
    for g, p in zip(gold, pred, strict=True):
        gs, ps = set(bio_spans(g)), set(bio_spans(p))
        tp += len(gs & ps)
        n_gold += len(gs)
        n_pred += len(ps)
    prec = tp / n_pred if n_pred else 0.0
    rec = tp / n_gold if n_gold else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
            "gold": n_gold, "predicted": n_pred}


def evaluate_piextract(
    tagger: PracticeTagger, folder: Path, split: str = "validation",
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, float]]:
    """Span P/R/F1 per task on ``split`` of PI-Extract."""
    data = load_piextract(folder, split)
    predicted = tagger.predict_tags(data.sentences)
    report = {}
    for task in tagger.tasks:
        report[task] = span_prf(data.tags[task], [[t[0] for t in s] for s in predicted[task]])
        if progress:
            progress(f"PI-Extract {split} {task}: F1 {report[task]['f1']:.3f}")
    return report


def _task_of(practice: str, polarity: str, actor: str, negated: bool = False) -> str | None:
    """The PI-Extract task a statement's data types belong to."""
    if practice in {"collect", "use", "track"}:
        task = "COLLECT" if actor in {"first_party", "user"} else "SHARE"
    elif practice in {"share", "sell", "rent", "transfer_abroad"}:
        task = "SHARE"
    else:
        return None
    return ("NOT_" + task) if polarity == "denied" or negated else task


def statement_tags(extractor: Any, data: PIExtractSplit) -> dict[str, list[list[str]]]:
    """BIO tags per task read off the statements' data types (what the whole stage outputs)."""
    texts = [" ".join(t.text for t in s) for s in data.sentences]
    clauses = [Clause(f"pi:{i}", "pi", "v1", (), 0, len(t), t) for i, t in enumerate(texts)]
    out: dict[str, list[list[str]]] = {task: [] for task in PIEXTRACT_TASKS}
    for toks, statements in zip(data.sentences, extractor.extract_many(clauses), strict=True):
        tags = {task: ["O"] * len(toks) for task in PIEXTRACT_TASKS}
        for st in statements:
            task = _task_of(st.practice, st.polarity, st.actor, st.negated)
            if task is None:
                continue
            for span in st.data_types:
                inside = [i for i, t in enumerate(toks) if t.start >= span.start
                          and t.end <= span.end]
                for k, i in enumerate(inside):
                    tags[task][i] = "B" if k == 0 else "I"
        for task in PIEXTRACT_TASKS:
            out[task].append(tags[task])
    return out


@dataclass
class PracticesTrainingResult:
    """Where the artifacts went and what was measured."""

    path: Path
    params: dict[str, Any]


def _require(path: Path) -> Path:
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: pass --data-dir pointing at a folder with piextract/ and "
            "opp115_practices/ (default ../shared/datasets)")
    return path


def tune_o_bias(
    data: PIExtractSplit, C: float, seed: int, grid: Sequence[float],
    progress: Callable[[str], None] | None = None,
) -> tuple[float, dict[str, float]]:
    """The O-bias of best mean F1 over the tasks, fitted on the first 80% of the train sentences
    (whole documents, in file order) and scored on the rest: validation is never looked at."""
    cut = int(len(data.sentences) * 0.8)
    fit = PracticeTagger(C=C, seed=seed).fit(
        data.sentences[:cut], {k: v[:cut] for k, v in data.tags.items()})
    scores: dict[str, float] = {}
    for bias in grid:
        fit.o_bias = bias
        pred = fit.predict_tags(data.sentences[cut:])
        f1s = [span_prf(data.tags[t][cut:], pred[t])["f1"] for t in fit.tasks]
        scores[str(bias)] = round(sum(f1s) / len(f1s), 4)
        if progress:
            progress(f"o_bias {bias}: mean F1 {scores[str(bias)]:.3f} on held-out train")
    best = max(grid, key=lambda b: scores[str(b)])
    return best, scores


def run_practices_training(
    settings: Settings, data_dir: Path | None = None, out_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> PracticesTrainingResult:
    """Rebuild ``models/practices`` (tagger, params, model card) with fixed seeds.

    ``settings`` is the whole ``Settings`` (the encoder measures the nearest-node threshold).
    """
    from nlp.embed import Encoder
    from nlp.practices.evaluation import (
        evaluate_opp,
        load_opp_practices,
        measure_nearest_threshold,
        split_by_policy,
    )
    from nlp.practices.extract import StatementExtractor
    from nlp.practices.model_card import write_model_card

    say = progress or (lambda _m: None)
    cfg = settings.practices
    data_dir = Path(data_dir or DEFAULT_DATA_DIR)
    out = Path(out_dir or cfg.model_dir)
    pi_dir = _require(data_dir / "piextract")
    opp_path = _require(data_dir / "opp115_practices" / "segments.jsonl")
    train = load_piextract(pi_dir, "train")
    say(f"PI-Extract train: {len(train.sentences)} sentences")
    o_bias, bias_scores = tune_o_bias(train, cfg.train_c, cfg.train_seed, cfg.o_bias_grid, say)
    tagger = PracticeTagger(C=cfg.train_c, seed=cfg.train_seed, o_bias=o_bias)
    tagger.fit(train.sentences, train.tags)
    say("tagger fitted on all of PI-Extract train")
    pi_val = evaluate_piextract(tagger, pi_dir, "validation", say)
    segments = load_opp_practices(opp_path)
    opp_train, opp_val = split_by_policy(segments, cfg.train_seed, cfg.validation_share)
    encoder = Encoder(settings.embed)
    nearest = measure_nearest_threshold(tagger.ontology, opp_train, encoder.encode)
    say(f"nearest-node threshold {nearest['threshold']} (F1 {nearest['f1']:.3f} on "
        f"{nearest['phrases']} OPP-115 train phrases)")
    val_data = load_piextract(pi_dir, "validation")
    full = StatementExtractor(data_type_tagger=tagger.find_spans, encode=encoder.encode,
                              nearest_threshold=nearest["threshold"])
    rules = StatementExtractor()
    stmt_val = {"with_tagger": {t: span_prf(val_data.tags[t], tags) for t, tags in
                                statement_tags(full, val_data).items()},
                "rules_only": {t: span_prf(val_data.tags[t], tags) for t, tags in
                               statement_tags(rules, val_data).items()}}
    opp_report = {"with_tagger": evaluate_opp(full, opp_val, say),
                  "rules_only": evaluate_opp(rules, opp_val, say)}
    files = {
        **{f"piextract/{sub}/{split}.conll03": pi_dir / sub / f"{split}.conll03"
           for sub in PIEXTRACT_TASKS.values() for split in ("train", "validation")},
        "opp115_practices/segments.jsonl": opp_path,
    }
    params = {
        "nearest_threshold": nearest["threshold"],
        "nearest_measurement": nearest,
        "o_bias": o_bias,
        "o_bias_scores_heldout_train": bias_scores,
        "seed": cfg.train_seed,
        "C": cfg.train_c,
        "opp115_split": {"seed": cfg.train_seed, "validation_share": cfg.validation_share,
                         "validation_policies": sorted({s.policy for s in opp_val})},
        "metrics": {
            "piextract_validation_tagger": pi_val,
            "piextract_validation_statements": stmt_val,
            "opp115_practices_validation": opp_report,
        },
        "data_sha256": {name: file_sha256(p) for name, p in files.items()},
        "ontology_version": tagger.ontology.version,
        "patterns_version": tagger.patterns.version,
    }
    tagger.metadata = {"o_bias_source": "held-out 20% of PI-Extract train"}
    tagger.save(out)
    (out / "params.json").write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")
    write_model_card(out / "MODEL_CARD.md", params)
    say(f"saved to {out}")
    return PracticesTrainingResult(out, params)
