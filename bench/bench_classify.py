"""Batch classification end to end vs raw encoder throughput on the same clauses; peak RSS.

Classifies every policy of a folder (default: all of Open Terms Archive) with ``BatchClassifier``
(ingest, segment, embed with the cache off, classify, write JSONL), then encodes the very same
clause texts with the bare encoder in one call. Reports clauses/s of both, their ratio (target
>= 0.85) and the peak resident memory of the process (target <= 1.5 GB).

    .venv/bin/python bench/bench_classify.py --data ../shared/datasets/opentermsarchive
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.batch import BatchClassifier, find_policy_files  # noqa: E402
from nlp.classify import load_classifier  # noqa: E402
from nlp.config import Settings  # noqa: E402
from nlp.embed import Encoder  # noqa: E402


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/datasets/opentermsarchive")
    ap.add_argument("--out", type=Path, default=Path("/tmp/policylens-bench-classify.jsonl"))
    ap.add_argument("--limit", type=int, default=0, help="only the first N policy files")
    ap.add_argument("--batch-size", type=int, default=64)
    args = ap.parse_args()

    settings = Settings()
    embed = settings.embed.model_copy(update={"use_cache": False, "batch_size": args.batch_size})
    encoder = Encoder(embed)
    clf = load_classifier(settings.classify)
    files = find_policy_files([args.data])
    if args.limit:
        files = files[: args.limit]
    encoder.encode(["warm up the model", "and its threads"])  # load outside the timings

    failures: list[str] = []
    batch = BatchClassifier(clf, encoder, ingest=settings.ingest, segment=settings.segment)
    t0 = time.perf_counter()
    report = batch.run(
        [p for p, _ in files],
        args.out,
        resume=False,
        progress=False,
        on_error=lambda p, r: failures.append(f"{p}: {r}"),
    )
    e2e = time.perf_counter() - t0
    rss_e2e = peak_rss_mb()

    texts = [json.loads(line)["text"] for line in args.out.open(encoding="utf-8")]
    t1 = time.perf_counter()
    encoder.encode(texts, batch_size=args.batch_size, use_cache=False)
    raw = time.perf_counter() - t1

    n = len(texts)
    print(
        "| policies | clauses | end-to-end clauses/s | raw encoder clauses/s | ratio | "
        "peak RSS (MB) | failed |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {report.done} | {n} | {n / e2e:.1f} | {n / raw:.1f} | {raw / e2e:.2f} | "
        f"{rss_e2e:.0f} | {len(report.failed)} |"
    )
    print(f"\nend to end {e2e:.1f}s, raw encoding {raw:.1f}s; command: {' '.join(sys.argv)}")
    for f in failures:
        print("failed:", f)


if __name__ == "__main__":
    main()
