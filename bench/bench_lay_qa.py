"""Lay questions (``corpora/qa/lay_questions.jsonl``) of one split, answered with each backend.

Usage::

    python bench/bench_lay_qa.py [--split validation] [--backends onnx torch]

For every question of the split, ``PolicyLens.ask`` on its policy (the seed, or a file under
``../shared/datasets``); reported per backend: verdict accuracy, and how often a citation holds
one of the question's answering phrases (among questions that have phrases). Both backends run on
the same questions in the same run, so the difference is the encoder's alone. A report, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.config import DEFAULT_CORPUS, EmbedSettings, Settings  # noqa: E402
from nlp.pipeline import PolicyLens  # noqa: E402

DATA = ROOT / "corpora" / "qa" / "lay_questions.jsonl"


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="validation")
    ap.add_argument("--backends", nargs="+", default=["onnx", "torch"])
    ap.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    ap.add_argument("--model-path", type=Path, default=None, help="encoder folder (default: ours)")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    rows = [r for r in rows if r["split"] == args.split]
    print(f"\nLay questions, split {args.split}: {len(rows)} questions, "
          f"{len({r['policy'] for r in rows})} policies\n")
    print("| backend | verdict accuracy | answering phrase cited |")
    print("|---|---:|---:|")
    for backend in args.backends:
        with tempfile.TemporaryDirectory() as tmp:
            embed = EmbedSettings(backend=backend, cache_dir=Path(tmp), model_path=args.model_path)
            settings = Settings(embed=embed)
            lens = PolicyLens(settings)
            ids: dict[str, str] = {}
            right = cited = with_phrases = 0
            for r in rows:
                path = DEFAULT_CORPUS if r["policy"] == "seed" else args.datasets / r["policy"]
                if r["policy"] not in ids:
                    ids[r["policy"]] = lens.load(path).id
                ans = lens.ask(r["question"], policy=ids[r["policy"]])
                right += ans.verdict == r["verdict"]
                if r["phrases"]:
                    with_phrases += 1
                    texts = [_norm(c.text) for c in ans.citations]
                    cited += any(_norm(p) in t for p in r["phrases"] for t in texts)
        print(f"| {backend} | {right}/{len(rows)} ({100 * right / len(rows):.1f}%) | "
              f"{cited}/{with_phrases} ({100 * cited / max(with_phrases, 1):.1f}%) |")
    print(f"\n(command: python bench/bench_lay_qa.py --split {args.split})")


if __name__ == "__main__":
    main()
