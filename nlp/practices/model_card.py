"""The model card of ``models/practices``, written from the training run's params."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["write_model_card"]


def _row(name: str, m: dict[str, Any]) -> str:
    return (f"| {name} | {m['precision'] * 100:.1f} | {m['recall'] * 100:.1f} | "
            f"{m['f1'] * 100:.1f} | {m['gold']} | {m['predicted']} |")


def write_model_card(path: Path, params: dict[str, Any]) -> None:
    """Write the card: data and licenses, seeds, data hashes, validation figures."""
    m = params["metrics"]
    pi = m["piextract_validation_tagger"]
    st = m["piextract_validation_statements"]
    opp = m["opp115_practices_validation"]
    head = "| task | P | R | F1 | gold spans | predicted |\n|---|---|---|---|---|---|"
    lines = [
        "# models/practices: the data-type tagger of the practices stage",
        "",
        "Rebuilt by `policylens train --practices` (fixed seeds; same data, same files). Loaded "
        "by `nlp.practices.load_extractor` from JSON + `.npz` (`allow_pickle=False`): no pickle, "
        "no code runs on load.",
        "",
        "## What it is",
        "",
        "Four BIO span taggers (PI-Extract's COLLECT, SHARE, NOT_COLLECT, NOT_SHARE), each a "
        "multinomial logistic regression (scikit-learn, L2, "
        f"C={params['C']}) over hashed token features (2^18): the word, its neighbours, shape, "
        "whether the practices ontology names it, the nearest practice cue before and after and "
        "whether a negation reaches that cue, and the tag before it (decoded by Viterbi). "
        f"A bias of {params['o_bias']} against the O tag was chosen on the last 20% of PI-Extract "
        f"train (mean F1 by bias: {params['o_bias_scores_heldout_train']}). The statement "
        "extractor reads the union of the four taggers' spans as data types; practice, polarity, "
        "condition and the other slots are rules over `nlp/data/practice_patterns.json` and the "
        "ontology `nlp/data/ontology.json` (version "
        f"{params['ontology_version']}).",
        "",
        f"Nearest-node threshold: {params['nearest_threshold']} (cosine, all-MiniLM-L6-v2), "
        "measured on the annotated data-type phrases of the OPP-115 train policies that no "
        "surface form names: "
        f"precision {params['nearest_measurement']['precision']:.3f}, recall "
        f"{params['nearest_measurement']['recall']:.3f} over "
        f"{params['nearest_measurement']['phrases']} phrases.",
        "",
        "## Data and licenses",
        "",
        "- PI-Extract (Bui et al., PETS 2021; um-rtcl/piextract_dataset): train to fit, "
        "validation to report. No license stated; research use; cite the paper.",
        "- OPP-115 practice annotations (Wilson et al., ACL 2016; usableprivacy.org), 94 policies: "
        f"split by policy (seed {params['opp115_split']['seed']}, "
        f"{params['opp115_split']['validation_share']:.0%} held out; "
        f"{len(params['opp115_split']['validation_policies'])} validation policies). "
        "(C) 2016 CMU; research, teaching and scholarship use; cite Wilson et al. 2016.",
        "",
        "## Validation figures (validation splits, not test)",
        "",
        "Measured by the training run. The statement rules can change without retraining the "
        "tagger; `policylens evaluate --task practices` measures the shipped stage as it is "
        "(figures in `docs/benchmarks.md`, section Practices).",
        "",
        "PI-Extract validation, exact-span P/R/F1 of the taggers (anchors: PrivBERT 66.4 F1; "
        "PP-RoBERTa 71.2 collect / 61.3 share):",
        "",
        head,
        *(_row(t, pi[t]) for t in pi),
        "",
        "The same, read off the extracted statements (spans placed by the statement's practice "
        "and polarity): with the tagger / rules only.",
        "",
        head,
        *(_row(f"{t} (with tagger)", st["with_tagger"][t]) for t in st["with_tagger"]),
        *(_row(f"{t} (rules only)", st["rules_only"][t]) for t in st["rules_only"]),
        "",
        "OPP-115 practices, held-out policies (overlap match; annotators mark a practice's "
        "spans, not every mention, so precision is a lower bound):",
        "",
        "| measure | with tagger | rules only |",
        "|---|---|---|",
    ]
    full, rules = opp["with_tagger"], opp["rules_only"]
    lines.append(f"| practice micro P / R | {full['practice']['micro']['precision']:.3f} / "
                 f"{full['practice']['micro']['recall']:.3f} | "
                 f"{rules['practice']['micro']['precision']:.3f} / "
                 f"{rules['practice']['micro']['recall']:.3f} |")
    for slot in full["slots"]:
        a, b = full["slots"][slot], rules["slots"][slot]
        lines.append(f"| {slot} P / R | {a['precision']:.3f} / {a['recall']:.3f} | "
                     f"{b['precision']:.3f} / {b['recall']:.3f} |")
    lines.append(f"| polarity accuracy (matched spans) | {full['polarity']['accuracy']:.3f} "
                 f"({full['polarity']['matched']}) | {rules['polarity']['accuracy']:.3f} "
                 f"({rules['polarity']['matched']}) |")
    lines.append(f"| 'Does Not' accuracy | {full['polarity']['does_not_accuracy']:.3f} "
                 f"({full['polarity']['does_not_matched']} of "
                 f"{full['polarity']['does_not_gold']}) | "
                 f"{rules['polarity']['does_not_accuracy']:.3f} "
                 f"({rules['polarity']['does_not_matched']}) |")
    lines += ["", "## Reproducibility", "",
              f"Seed {params['seed']}. SHA-256 of the data files:", ""]
    lines += [f"- `{name}`: `{digest}`" for name, digest in params["data_sha256"].items()]
    lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
