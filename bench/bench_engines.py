"""Batch classification on each engine: one process, a local pool, Ray actors; the same policies.

Runs ``BatchClassifier`` (ingest, segment, embed, classify, write JSONL) over the same policies
once per engine, in one process run, with the encoder cache off so that every engine encodes every
clause: ``--engine local`` (one process), ``--engine local --workers N`` and ``--engine ray
--workers N`` (a local Ray instance started by the run, as the CLI does). Reports, per engine,
wall seconds (model loading and worker start included), clauses/s, the ratio to one process, the
rate per worker, and for Ray the start-up overhead (``ray.init`` and the actors ready). Checks
that every engine wrote the same rows. Then projects the time of 10 thousand and 1 million
policies from the per-worker rate, as a projection (linear in workers, the driver not a limit).

    .venv/bin/python bench/bench_engines.py --data ../shared/datasets/opentermsarchive --sample 40
"""

from __future__ import annotations

import argparse
import json
import os
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
from nlp.research.engines import make_engine  # noqa: E402


def sample(files: list, n: int) -> list:
    """``n`` files evenly spaced over the sorted list (all of them when ``n`` is 0 or more)."""
    if not n or n >= len(files):
        return files
    step = len(files) / n
    return [files[int(i * step)] for i in range(n)]


def rows_of(path: Path) -> list[str]:
    return sorted(path.read_text(encoding="utf-8").splitlines())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/datasets/opentermsarchive")
    ap.add_argument("--sample", type=int, default=40, help="policies, evenly spaced (0: all)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--engines", default="single,local,ray", help="which, in this order")
    ap.add_argument("--out", type=Path, default=Path("/tmp/policylens-bench-engines"))
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()

    settings = Settings()
    embed = settings.embed.model_copy(update={"use_cache": False})
    clf = load_classifier(settings.classify)
    files = sample(find_policy_files([args.data]), args.sample)
    paths = [p for p, _ in files]
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{len(paths)} policies from {args.data}, cpus {os.cpu_count()}", file=sys.stderr)

    results = []
    reference: list[str] | None = None
    for name in args.engines.split(","):
        kind, workers = ("local", 1) if name == "single" else (name, args.workers)
        engine = make_engine(kind, workers=workers, settings=settings.batch)
        batch = BatchClassifier(
            clf, Encoder(embed), ingest=settings.ingest, segment=settings.segment, engine=engine
        )
        out = args.out / f"{name}.jsonl"
        t0 = time.perf_counter()
        report = batch.run(paths, out, resume=False, progress=False)
        wall = time.perf_counter() - t0
        rows = rows_of(out)
        same = reference is None or rows == reference
        reference = reference or rows
        res = {
            "engine": name if name == "single" else f"{kind} --workers {workers}",
            "workers": workers,
            "policies": report.done,
            "failed": len(report.failed),
            "clauses": report.clauses,
            "wall_s": round(wall, 1),
            "clauses_per_s": round(report.clauses / wall, 2),
            "startup_s": round(getattr(engine, "startup_seconds", 0.0), 1),
            "steady_clauses_per_s": round(
                report.clauses / (wall - getattr(engine, "startup_seconds", 0.0)), 2
            ),
            "same_rows": same,
        }
        results.append(res)
        print(json.dumps(res), file=sys.stderr, flush=True)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))

    base = results[0]["clauses_per_s"]
    print("| engine | workers | policies | clauses | wall (s) | clauses/s | vs one process | "
          "per worker, clauses/s | Ray start-up (s) | clauses/s after start-up | same rows |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        startup = f"{r['startup_s']}" if r["engine"].startswith("ray") else "-"
        print(
            f"| {r['engine']} | {r['workers']} | {r['policies']} | {r['clauses']} | {r['wall_s']} "
            f"| {r['clauses_per_s']} | {r['clauses_per_s'] / base:.2f} | "
            f"{r['clauses_per_s'] / r['workers']:.2f} | {startup} | {r['steady_clauses_per_s']} | "
            f"{r['same_rows']} |"
        )
    # The projection: from the per-worker rate of the last engine (Ray, one CPU per actor) after
    # its one-off start-up, and the clauses per policy of this sample; it assumes linear scaling.
    last = results[-1]
    per_worker = last["steady_clauses_per_s"] / last["workers"]
    per_policy = last["clauses"] / max(last["policies"], 1)
    print(f"\nprojection from {per_worker:.2f} clauses/s per worker, {per_policy:.0f} clauses per "
          "policy (linear in workers; a projection, not a measurement):")
    print("| policies | 1 worker | 16 workers | 64 workers | 256 workers |")
    print("|---:|---:|---:|---:|---:|")
    for n in (10_000, 1_000_000):
        hours = [n * per_policy / (per_worker * w) / 3600 for w in (1, 16, 64, 256)]
        print(f"| {n:,} | " + " | ".join(f"{h:,.1f} h" for h in hours) + " |")


if __name__ == "__main__":
    main()
