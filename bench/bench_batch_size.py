"""Encoder batch size: texts/s of the shipped ONNX encoder at several batch sizes, interleaved.

Usage::

    python bench/bench_batch_size.py [--data FOLDER] [--policies 8] [--reps 3]

Texts: the distinct embedded texts (``Clause.contextual_text``) of the bundled seed, and with
``--data`` those of the first ``--policies`` policy files of a folder (sorted by name). The encoder
sorts texts by length before batching, as always; the cache is off. Each repetition runs every
batch size once, in turn, so machine load hits all alike. Prints the median seconds and texts/s of
each and the speed relative to batch size 64 (the default until 2026-12-02).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SIZES = (8, 16, 32, 64)


def _texts(data: Path | None, policies: int) -> dict[str, list[str]]:
    from nlp.pipeline import PolicyLens

    lens = PolicyLens(classifier=None)
    seed = lens.policy()
    out = {"seed": sorted({c.contextual_text() for v in seed.versions
                           for c in lens.clauses(version=v.label)})}
    if data is not None:
        texts: set[str] = set()
        files = sorted(p for p in data.rglob("*") if p.suffix.lower() in {".md", ".txt", ".html"})
        for f in files[:policies]:
            try:
                texts |= {c.contextual_text() for c in lens.clauses(lens.load(f).id)}
            except Exception as exc:  # a bad file is skipped, as batch runs do
                print(f"skip {f.name}: {exc}", file=sys.stderr)
        out[f"{data.name} ({policies} policies)"] = sorted(texts)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--policies", type=int, default=8)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args(argv)
    from nlp.config import EmbedSettings
    from nlp.embed import Encoder

    enc = Encoder(EmbedSettings(use_cache=False))
    for name, texts in _texts(args.data, args.policies).items():
        enc.encode(texts[:4])  # load the model outside the timings
        times: dict[int, list[float]] = {b: [] for b in SIZES}
        for _ in range(args.reps):
            for b in SIZES:
                t0 = time.perf_counter()
                enc.encode(texts, batch_size=b)
                times[b].append(time.perf_counter() - t0)
        base = statistics.median(times[64])
        print(f"\n{name}: {len(texts)} distinct texts, median of {args.reps}; "
              f"load average {os.getloadavg()[0]:.1f}\n")
        print("| batch size | seconds | texts/s | speed vs 64 |\n|---:|---:|---:|---:|")
        for b in SIZES:
            med = statistics.median(times[b])
            print(f"| {b} | {med:.2f} | {len(texts) / med:.0f} | {base / med:.2f}x |")
    print("\n(command: python bench/bench_batch_size.py"
          + (f" --data {args.data} --policies {args.policies}" if args.data else "") + ")")


if __name__ == "__main__":
    main()
