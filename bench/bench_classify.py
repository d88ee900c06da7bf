"""Batch classification end to end vs raw encoder throughput on the same clauses; peak RSS.

Classifies every policy of a folder (default: all of Open Terms Archive) with ``BatchClassifier``
(ingest, segment, embed with the cache off, classify, write JSONL) and encodes the very same
clause texts with the bare SentenceTransformer, interleaved group by group. Reports clauses/s of
both, their ratio (target >= 0.85) and the peak resident memory of the process (target <= 1.5
GB). ``--sample N`` takes N policies spread over the folder (the full set is ~76k clauses: an
hour of encoding on two free cores).

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

from nlp.classify import load_classifier  # noqa: E402
from nlp.config import Settings  # noqa: E402
from nlp.embed import Encoder  # noqa: E402
from nlp.research.batch import BatchClassifier, find_policy_files  # noqa: E402


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/datasets/opentermsarchive")
    ap.add_argument("--out", type=Path, default=Path("/tmp/policylens-bench-classify.jsonl"))
    ap.add_argument("--limit", type=int, default=0, help="only the first N policy files")
    ap.add_argument(
        "--sample", type=int, default=0, help="N policy files evenly spaced over the sorted list"
    )
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--group", type=int, default=8, help="policies per interleaved step")
    args = ap.parse_args()

    settings = Settings()
    embed = settings.embed.model_copy(update={"use_cache": False, "batch_size": args.batch_size})
    encoder = Encoder(embed)
    clf = load_classifier(settings.classify)
    files = find_policy_files([args.data])
    if args.limit:
        files = files[: args.limit]
    if args.sample and args.sample < len(files):
        step = len(files) / args.sample
        files = [files[int(i * step)] for i in range(args.sample)]
    encoder.encode(["warm up the model", "and its threads"])  # load outside the timings

    failures: list[str] = []
    batch = BatchClassifier(clf, encoder, ingest=settings.ingest, segment=settings.segment)
    model = encoder._load()  # the bare SentenceTransformer: the raw baseline, no cache, no dedup
    e2e = raw = bare = 0.0
    n = done = 0
    # Interleave: each group of policies end to end, then the same clauses through the bare
    # encoder, so that a neighbour's load on this shared machine weighs on both sides alike.
    # The pipeline embeds each clause with its heading and list lead-in (Clause.contextual_text),
    # so the baseline encodes those same strings; the bare clause text is timed too, to show
    # what the longer input costs.
    for g in range(0, len(files), args.group):
        group = files[g : g + args.group]
        out = args.out.with_name(f"{args.out.stem}-{g}.jsonl")
        t0 = time.perf_counter()
        report = batch.run(
            [p for p, _ in group],
            out,
            resume=False,
            progress=False,
            on_error=lambda p, r: failures.append(f"{p}: {r}"),
        )
        e2e += time.perf_counter() - t0
        inputs: list[str] = []
        for path, pid in group:
            try:
                inputs += [c.contextual_text() for c in batch.segment_file(path, pid)[0]]
            except Exception:  # noqa: BLE001 - failed files are already counted above
                continue
        texts = [json.loads(line)["text"] for line in out.open(encoding="utf-8")]
        for strings, slot in ((inputs, "raw"), (texts, "bare")):
            t1 = time.perf_counter()
            if strings:
                model.encode(
                    strings,
                    batch_size=args.batch_size,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            if slot == "raw":
                raw += time.perf_counter() - t1
            else:
                bare += time.perf_counter() - t1
        n += len(texts)
        done += report.done
        print(
            f"  {g + len(group)}/{len(files)} policies, {n} clauses, ratio so far {raw / e2e:.2f}",
            file=sys.stderr,
            flush=True,
        )

    print(
        "| policies | clauses | end-to-end clauses/s | raw encoder clauses/s (same input) | "
        "ratio | raw encoder on bare clause text, clauses/s | peak RSS (MB) | failed |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {done} | {n} | {n / e2e:.1f} | {n / raw:.1f} | {raw / e2e:.2f} | {n / bare:.1f} | "
        f"{peak_rss_mb():.0f} | {len(failures)} |"
    )
    print(
        f"\nend to end {e2e:.1f}s, raw encoding {raw:.1f}s (bare text {bare:.1f}s); "
        f"command: {' '.join(sys.argv)}"
    )
    for f in failures:
        print("failed:", f)


if __name__ == "__main__":
    main()
