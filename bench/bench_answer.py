"""Warm ``ask`` latency over a whole corpus loaded as one, and cold ``policylens ask`` wall time.

Usage::

    python bench/bench_answer.py --data ../shared/datasets/opentermsarchive [--questions 6]
    python bench/bench_answer.py --cold-only

Warm latency: every policy of the corpus is loaded into one ``PolicyLens`` (one index) and its
statements extracted (they come with the clauses from the parse cache or the store); then, per
policy, a fixed set of questions is asked and each ``ask`` call is timed (query encoding, retrieval,
reading the question and the verdict; the index is already built). Cold start: ``policylens ask``
as a fresh process with
warm caches, against ``python -c "import sentence_transformers"`` in the same run, interleaved.
These are reports, not tests: the machine is noisy, so the ratio is the figure to read.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "Is my data sent to China?",
    "How long do you keep my data?",
    "Do you sell my personal information?",
    "Who do you share my data with?",
    "Can I delete my account and data?",
    "Do you use cookies for advertising?",
    "Do you collect my location?",
    "How can I contact the data protection officer?",
]


def _policy_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in {".md", ".txt", ".html"})


def warm_latency(
    data: Path, n_questions: int, limit: int | None, ask_policies: int | None = None
) -> dict[str, Any]:
    from nlp import PolicyLens

    lens = PolicyLens()
    files = _policy_files(data)[:limit] if limit else _policy_files(data)
    t0 = time.perf_counter()
    failed = 0
    for i, f in enumerate(files):
        try:
            lens.load(f, policy_id=f"p{i:04d}-{f.stem}"[:60])
        except (ValueError, KeyError) as exc:
            failed += 1
            print(f"skip {f}: {exc}", file=sys.stderr)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = lens.index
    t_index = time.perf_counter() - t0
    # Statements come with the clauses (the parse cache, the API's store): extracted here before
    # timing, so the figure is the cost of asking, as a server pays it. Extracting them for the
    # whole corpus takes about 40 minutes here, so the questions go to ``ask_policies`` policies
    # spread evenly over it (all by default); the index still holds every policy.
    asked = lens.policies
    if ask_policies and ask_policies < len(asked):
        step = len(asked) / ask_policies
        asked = [asked[int(i * step)] for i in range(ask_policies)]
    t0 = time.perf_counter()
    for p in asked:
        lens.statements(p.id)
    t_statements = time.perf_counter() - t0
    questions = QUESTIONS[:n_questions]
    lens.ask(questions[0], policy=lens.policies[0].id)  # model warm-up
    result: dict[str, Any] = {
        "policies": len(lens.policies),
        "failed": failed,
        "clauses": len(index),
        "load_s": t_load,
        "index_s": t_index,
        "statements_s": t_statements,
        "asked_policies": len(asked),
    }
    # Two regimes: a question asked before (its vector is in the encoder's in-memory cache, as
    # for a chatbot's frequent questions) and a new question (encoded on every call).
    for regime, forget in (("repeated", False), ("new", True)):
        times = []
        for p in asked:
            for q in questions:
                if forget:
                    lens.encoder.forget_queries()
                t = time.perf_counter()
                lens.ask(q, policy=p.id)
                times.append(time.perf_counter() - t)
        ms = np.array(times) * 1000
        result[regime] = {
            "asks": len(ms),
            "p50_ms": float(np.percentile(ms, 50)),
            "p95_ms": float(np.percentile(ms, 95)),
            "mean_ms": float(ms.mean()),
        }
    return result


def _wall(cmd: list[str]) -> float:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=ROOT)
    return time.perf_counter() - t


def cold_start(reps: int) -> dict[str, float]:
    exe = Path(sys.executable)
    cli = [str(exe.parent / "policylens"), "ask", "Is my data sent to China?"]
    base = [str(exe), "-c", "import sentence_transformers"]
    _wall(cli)  # fill the caches once: the figure is for a warm cache, a cold process
    a, b = [], []
    for _ in range(reps):
        b.append(_wall(base))
        a.append(_wall(cli))
    return {
        "ask_s": statistics.median(a),
        "import_s": statistics.median(b),
        "ratio": statistics.median(a) / statistics.median(b),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/datasets/opentermsarchive")
    ap.add_argument("--questions", type=int, default=len(QUESTIONS))
    ap.add_argument("--limit", type=int, default=None, help="only the first N policies")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--ask-policies", type=int, default=None,
                    help="ask only this many policies, spread over the corpus (index: all)")
    ap.add_argument("--cold-only", action="store_true")
    ap.add_argument("--warm-only", action="store_true")
    args = ap.parse_args()
    if not args.cold_only:
        r = warm_latency(args.data, args.questions, args.limit, args.ask_policies)
        print(
            f"{r['policies']} policies ({r['failed']} unreadable), {r['clauses']} clauses; "
            f"load {r['load_s']:.0f} s, index build {r['index_s']:.1f} s, statements "
            f"{r['statements_s']:.0f} s for the {r['asked_policies']} policies asked (before "
            "timing)\n"
        )
        print("| questions | asks | p50 (ms) | p95 (ms) | mean (ms) |")
        print("|---|---|---|---|---|")
        for regime in ("repeated", "new"):
            x = r[regime]
            print(
                f"| {regime} | {x['asks']} | {x['p50_ms']:.1f} | {x['p95_ms']:.1f} | "
                f"{x['mean_ms']:.1f} |"
            )
    if not args.warm_only:
        c = cold_start(args.reps)
        print("\n| `policylens ask` (s) | `import sentence_transformers` (s) | ratio |")
        print("|---|---|---|")
        print(f"| {c['ask_s']:.2f} | {c['import_s']:.2f} | {c['ratio']:.2f}x |")


if __name__ == "__main__":
    main()
