"""The practices stage's nearest-node threshold, measured again with an encoder of your choice.

Usage::

    python bench/bench_nearest_threshold.py [--model-path FOLDER] [--data ../shared/datasets]

Runs ``nlp.practices.evaluation.measure_nearest_threshold`` (what ``policylens train --practices``
calibrates ``nearest_threshold`` with) on the OPP-115 training policies of the practices split,
with the given ONNX encoder (default: the shipped one), and prints the best threshold and its F1
next to what ``models/practices/params.json`` holds. A report.
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

from nlp.config import EmbedSettings, Settings  # noqa: E402
from nlp.embed import Encoder  # noqa: E402
from nlp.embed.training import default_datasets_dir  # noqa: E402
from nlp.practices.evaluation import (  # noqa: E402
    load_opp_practices,
    measure_nearest_threshold,
    split_by_policy,
)
from nlp.practices.ontology import load_ontology  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model-path", type=Path, default=None)
    ap.add_argument("--data", type=Path, default=default_datasets_dir())
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    cfg = Settings().practices
    params = json.loads((cfg.model_dir / "params.json").read_text(encoding="utf-8"))
    segments = load_opp_practices(args.data / "opp115_practices" / "segments.jsonl")
    train, _ = split_by_policy(segments, cfg.train_seed, cfg.validation_share)
    with tempfile.TemporaryDirectory() as tmp:
        enc = Encoder(EmbedSettings(model_path=args.model_path, cache_dir=Path(tmp)))
        ontology = load_ontology()
        best = measure_nearest_threshold(ontology, train, enc.encode)
        print(f"encoder {enc.model_id}")
        print(f"best threshold {best['threshold']}: F1 {best['f1']:.4f} (P {best['precision']:.4f}"
              f", R {best['recall']:.4f}) on {best['phrases']} OPP-115 train phrases")
        print(f"shipped params.json: threshold {params['nearest_threshold']}, measured as "
              f"{params['nearest_measurement']}")


if __name__ == "__main__":
    main()
