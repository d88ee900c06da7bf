"""``policylens evaluate --task practices``: the shipped extractor measured on validation data."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nlp.config import CORPORA_DIR, Settings
from nlp.practices.api import load_extractor
from nlp.practices.evaluation import (
    evaluate_gold,
    evaluate_opp,
    load_opp_practices,
    split_by_policy,
)
from nlp.practices.extract import Encode
from nlp.practices.training import (
    DEFAULT_DATA_DIR,
    evaluate_piextract,
    load_piextract,
    span_prf,
    statement_tags,
)

__all__ = ["run_practices_evaluation", "format_practices_report", "seed_gold_report"]

DEFAULT_GOLD = CORPORA_DIR / "labels" / "seed_statements.jsonl"


def seed_gold_report(
    settings: Settings, encode: Encode | None, gold_path: Path = DEFAULT_GOLD
) -> dict[str, Any] | None:
    """P/R per slot and collection-relation P/R on the seed's hand-checked statements."""
    if not gold_path.exists():
        return None
    from nlp.ingest import load_policy
    from nlp.segment import segment_policy

    policy = load_policy(settings.corpus, settings.ingest)
    clauses = segment_policy(policy, settings.segment)
    rows = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    gold_ids = {r["clause_id"] for r in rows} | {
        r["clause_id"] for r in rows if r.get("practice") is None}
    checked = [c for c in clauses if c.id in gold_ids]
    statements = [r for r in rows if r.get("practice")]
    extractor = load_extractor(settings.practices, encode=encode).extractor
    return evaluate_gold(extractor, checked, statements)


def run_practices_evaluation(
    settings: Settings, encode: Encode | None, data_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Validation figures of the shipped models (PI-Extract, OPP-115 held-out) and the seed gold."""
    data_dir = Path(data_dir or DEFAULT_DATA_DIR)
    cfg = settings.practices
    shipped = load_extractor(cfg, encode=encode)
    report: dict[str, Any] = {"nearest_threshold": shipped.metadata["nearest_threshold"]}
    pi_dir = data_dir / "piextract"
    tagger_fn = shipped.extractor.data_type_tagger
    if pi_dir.exists() and tagger_fn is not None:
        tagger = getattr(tagger_fn, "__self__", None)
        if tagger is not None:
            report["piextract_validation_tagger"] = evaluate_piextract(tagger, pi_dir)
        val = load_piextract(pi_dir, "validation")
        report["piextract_validation_statements"] = {
            t: span_prf(val.tags[t], tags)
            for t, tags in statement_tags(shipped.extractor, val).items()}
    opp_path = data_dir / "opp115_practices" / "segments.jsonl"
    if opp_path.exists():
        _, held = split_by_policy(load_opp_practices(opp_path), cfg.train_seed,
                                  cfg.validation_share)
        report["opp115_practices_validation"] = evaluate_opp(shipped.extractor, held, progress)
    gold = seed_gold_report(settings, encode)
    if gold is not None:
        report["seed_gold"] = gold
    return report


def format_practices_report(report: dict[str, Any]) -> str:
    """The report as Markdown tables."""
    lines = [f"nearest-node threshold: {report['nearest_threshold']}", ""]

    def table(title: str, rows: dict[str, Any]) -> None:
        lines.extend([f"## {title}", "", "| | P | R | F1 | gold | predicted |",
                      "|---|---|---|---|---|---|"])
        for name, m in rows.items():
            if isinstance(m, dict) and "precision" in m:
                lines.append(f"| {name} | {m['precision'] * 100:.1f} | {m['recall'] * 100:.1f} "
                             f"| {m['f1'] * 100:.1f} | {m['gold']} | {m['predicted']} |")
        lines.append("")

    if "piextract_validation_tagger" in report:
        table("PI-Extract validation: tagger spans", report["piextract_validation_tagger"])
    if "piextract_validation_statements" in report:
        table("PI-Extract validation: spans of the statements",
              report["piextract_validation_statements"])
    if "opp115_practices_validation" in report:
        opp = report["opp115_practices_validation"]
        table(f"OPP-115 practices, {opp['policies']} held-out policies: practices",
              opp["practice"])
        table("OPP-115 practices, held-out policies: slots (overlap)", opp["slots"])
        pol = opp["polarity"]
        lines.append(f"polarity accuracy {pol['accuracy']:.3f} on {pol['matched']} matched "
                     f"data-type spans (of {pol['gold']}); 'Does Not' "
                     f"{pol['does_not_accuracy']:.3f} on {pol['does_not_matched']} "
                     f"(of {pol['does_not_gold']})")
        lines.append("")
    if "seed_gold" in report:
        table("Seed gold statements (both versions)", {
            k: v for k, v in report["seed_gold"].items() if isinstance(v, dict)})
    return "\n".join(lines)
