"""Cost of the two fusions: warm ``ClauseIndex.search`` with ``fusion = "rrf"`` and ``"convex"``.

A synthetic index the size of the Open Terms Archive corpus (70,000 clauses over 320 policies,
random unit vectors, texts drawn from policy words), queried per policy with a given query
vector, both fusions interleaved in one process (the machine is noisy: read the ratio).

Usage::

    python bench/bench_fusion.py [--clauses 70000] [--queries 200] [--reps 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.config import RetrievalSettings  # noqa: E402
from nlp.retrieval.index import ClauseIndex  # noqa: E402
from nlp.types import Clause  # noqa: E402

WORDS = (
    "data share sell cookies location collect retain delete partners advertisers china servers "
    "account email phone device security children transfer third party analytics"
).split()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clauses", type=int, default=70_000)
    ap.add_argument("--policies", type=int, default=320)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    clauses = [
        Clause(f"p{i % args.policies}:v1:{i}", f"p{i % args.policies}", "v1", (), 0, 10,
               " ".join(rng.choice(WORDS, 12)))
        for i in range(args.clauses)
    ]
    vecs = rng.normal(size=(args.clauses, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    modes = ("rrf", "convex")
    index = {m: ClauseIndex(clauses, vecs, RetrievalSettings(fusion=m)) for m in modes}
    queries = [" ".join(rng.choice(WORDS, 5)) for _ in range(args.queries)]
    qvecs = rng.normal(size=(args.queries, 384)).astype(np.float32)
    qvecs /= np.linalg.norm(qvecs, axis=1, keepdims=True)
    times: dict[str, list[float]] = {m: [] for m in modes}
    for rep in range(args.reps):
        for m in modes if rep % 2 == 0 else modes[::-1]:
            for i, (q, v) in enumerate(zip(queries, qvecs, strict=True)):
                t0 = time.perf_counter()
                index[m].search(q, query_vector=v, policy_id=f"p{i % args.policies}", top_k=30)
                times[m].append(time.perf_counter() - t0)
    print(f"{args.clauses} clauses, {args.policies} policies, {len(times['rrf'])} searches each\n")
    print("| fusion | p50 ms | p95 ms |\n|---|---:|---:|")
    for m in modes:
        t = np.array(times[m]) * 1e3
        print(f"| {m} | {np.percentile(t, 50):.3f} | {np.percentile(t, 95):.3f} |")
    ratio = np.percentile(times["convex"], 50) / np.percentile(times["rrf"], 50)
    print(f"\np50 convex / rrf: {ratio:.2f}")


if __name__ == "__main__":
    main()
