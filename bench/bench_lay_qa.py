"""Lay questions (``corpora/qa/lay_questions.jsonl``) of one split, answered with each backend.

Usage::

    python bench/bench_lay_qa.py [--split validation] [--backends onnx torch] [--datasets DIR]

For every question of the split, ``PolicyLens.ask`` on its policy (the seed, or a file under the
datasets folder), scored by :func:`nlp.answer.evaluation.evaluate_rows` (the same code as
``policylens evaluate --task qa``): verdict accuracy, and how often the first one / three
citations hold one of the question's answering phrases (among questions that have phrases). Both
backends run on the same questions in the same run, so the difference is the encoder's alone.
A report, not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.answer.evaluation import (  # noqa: E402
    DEFAULT_DATASETS,
    evaluate_rows,
    format_qa_report,
    load_questions,
)
from nlp.config import EmbedSettings, Settings  # noqa: E402
from nlp.pipeline import PolicyLens  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="validation")
    ap.add_argument("--backends", nargs="+", default=["onnx", "torch"])
    ap.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    ap.add_argument("--data", type=Path, default=None, help="another lay-question JSONL file")
    ap.add_argument("--details", action="store_true", help="print each backend's full report")
    ap.add_argument("--model-path", type=Path, default=None, help="encoder folder (default: ours)")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rows = load_questions(args.data, args.split)
    print(f"\nLay questions, split {args.split}: {len(rows)} questions, "
          f"{len({r['policy'] for r in rows})} policies\n")
    table = ["| backend | verdict accuracy | cited@1 | cited@3 |", "|---|---:|---:|---:|"]
    for backend in args.backends:
        with tempfile.TemporaryDirectory() as tmp:
            embed = EmbedSettings(backend=backend, cache_dir=Path(tmp), model_path=args.model_path)
            settings = Settings(embed=embed)
            lens = PolicyLens(settings)
            report = evaluate_rows(
                rows,
                load=lambda path, lens=lens: lens.load(path).id,
                ask=lambda q, pid, lens=lens: lens.ask(q, policy=pid),
                datasets=args.datasets,
                clause_texts=lambda pid, lens=lens: {c.id: c.text for c in lens.clauses(pid)},
            )
        if args.details:
            print(format_qa_report(report, f"{backend}, split {args.split}") + "\n")
        table.append(f"| {backend} | {report['verdict_accuracy']:.1f}% | "
                     f"{report['cited_at_1']:.1f}% | {report['cited_at_3']:.1f}% |")
    print("\n".join(table))
    print(f"\n(command: python bench/bench_lay_qa.py --split {args.split})")


if __name__ == "__main__":
    main()
