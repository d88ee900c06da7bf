"""Sentence splitting by rule against spaCy's sentencizer: agreement and speed, on real policies.

Usage::

    python bench/bench_sentences.py [FILE_OR_FOLDER ...] [--sample N] [--show K]

Every policy is read once and segmented twice, with ``SegmentSettings(sentencizer="rules")`` (the
default) and ``sentencizer="spacy"``; the same repairs follow both. Prints, per side, the clauses
found and the segmentation time (import of spaCy included on its side, as a CLI call pays it), the
share of clauses (by version, offsets and text) that both produce, and up to ``--show`` clauses
found by one side only. Default input: the bundled seed policy.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.config import IngestSettings, SegmentSettings  # noqa: E402
from nlp.ingest import load_policy  # noqa: E402
from nlp.ingest.formats import SUPPORTED_FORMATS  # noqa: E402
from nlp.segment import segment_policy  # noqa: E402


def _files(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(f for f in sorted(p.rglob("*")) if f.suffix.lower() in SUPPORTED_FORMATS)
        else:
            out.append(p)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "paths", nargs="*", default=[str(ROOT / "corpora" / "000_ce4448d9c54926ad.txt")]
    )
    ap.add_argument("--sample", type=int, default=0, help="a random sample of N files (seed 7)")
    ap.add_argument("--show", type=int, default=10)
    args = ap.parse_args(argv)
    files = _files(args.paths)
    if args.sample and len(files) > args.sample:
        files = sorted(random.Random(7).sample(files, args.sample))
    policies = []
    for f in files:
        try:
            policies.append(load_policy(f, settings=IngestSettings()))
        except Exception as exc:  # noqa: BLE001 - a report: skip what cannot be read
            print(f"skipped {f.name}: {exc}", file=sys.stderr)
    found: dict[str, set[tuple[str, str, int, int, str]]] = {}
    seconds: dict[str, float] = {}
    for side in ("rules", "spacy"):
        settings = SegmentSettings(sentencizer=side)
        t0 = time.perf_counter()
        found[side] = {
            (p.id, c.version, c.start, c.end, c.text)
            for p in policies
            for c in segment_policy(p, settings)
        }
        seconds[side] = time.perf_counter() - t0
    both = found["rules"] & found["spacy"]
    union = found["rules"] | found["spacy"]
    print(f"{len(policies)} policies")
    for side in ("rules", "spacy"):
        print(f"  {side}: {len(found[side])} clauses in {seconds[side]:.2f} s")
    print(
        f"  agreement: {len(both)} of {len(union)} distinct clauses "
        f"({100 * len(both) / max(1, len(union)):.2f}%)"
    )
    print(f"  speed: rules take {seconds['rules'] / seconds['spacy']:.2f}x spaCy's time")
    for side, other in (("rules", "spacy"), ("spacy", "rules")):
        only = sorted(found[side] - found[other])
        print(f"\nonly {side} ({len(only)}):")
        for pid, version, a, b, text in only[: args.show]:
            print(f"  {pid} {version} [{a}:{b}] {text[:160]!r}")


if __name__ == "__main__":
    main()
