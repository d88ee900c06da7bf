"""Retrieval quality on PolicyQA dev: does the paragraph holding the answer come first?

PolicyQA (Ahmad et al. 2020) is SQuAD-v1 shaped over OPP-115 policy segments. Each paragraph
(``context``) becomes one ``Clause`` of its policy (``title``); for each question the paragraphs of
its policy are ranked by ``ClauseIndex`` and a hit counts when a ranked paragraph is the one the
question was written on, or another paragraph of that policy containing the answer text.
Reported for hybrid (dense + BM25, reciprocal-rank fusion), dense only and BM25 only.

It also times warm ``search`` calls (query vectors precomputed, so the model is not timed): on the
PolicyQA index and on a synthetic index of ~100k clauses over ~330 policies, built from the
PolicyQA sentences with random vectors.

This is the dev split: tune on it, report it as dev.

Usage::

    .venv/bin/python bench/bench_policyqa.py --data ../shared/datasets/policyqa/dev.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.config import EmbedSettings, RetrievalSettings  # noqa: E402
from nlp.embed import Encoder, clause_text_for_embedding  # noqa: E402
from nlp.index import ClauseIndex  # noqa: E402
from nlp.types import Clause  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "policyqa" / "dev.json"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def load_policyqa(path: Path) -> tuple[list[Clause], list[dict], list[dict]]:
    """Paragraphs as clauses (one version "v1" per policy), and two question sets.

    ``per_qa``: every QA, gold = its own paragraph + paragraphs of its policy holding its answer.
    ``per_question``: each distinct (policy, question) once, gold = every paragraph the question
    was annotated on + paragraphs holding any of its answers. PolicyQA asks the same question on
    several paragraphs of a policy (730 of 2,420 distinct questions), so per QA no ranking can put
    all of a question's paragraphs first; per question is the fair retrieval measure.
    """
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    clauses: list[Clause] = []
    per_qa: list[dict] = []
    merged: dict[tuple[str, str], set[str]] = {}
    for doc in data:
        policy = doc["title"]
        first = len(clauses)
        for i, para in enumerate(doc["paragraphs"]):
            text = para["context"]
            clauses.append(Clause(f"{policy}#{i}", policy, "v1", (), 0, len(text), text))
        own = clauses[first:]
        norm_texts = [_norm(c.text) for c in own]
        for i, para in enumerate(doc["paragraphs"]):
            for qa in para["qas"]:
                gold = {own[i].id}
                for ans in qa["answers"]:
                    a = _norm(ans["text"])
                    if a:
                        gold.update(c.id for c, t in zip(own, norm_texts, strict=True) if a in t)
                per_qa.append({"q": qa["question"], "policy": policy, "gold": gold})
                merged.setdefault((policy, qa["question"]), set()).update(gold)
    per_question = [{"q": q, "policy": p, "gold": g} for (p, q), g in merged.items()]
    return clauses, per_qa, per_question


def evaluate(index: ClauseIndex, questions: list[dict], qvecs: np.ndarray) -> tuple[float, float]:
    """Share of questions with a gold paragraph at rank 1 and within the top 3."""
    top1 = top3 = 0
    for q, v in zip(questions, qvecs, strict=True):
        hits = index.search(q["q"], top_k=3, policy_id=q["policy"], query_vector=v)
        found = [h.clause.id in q["gold"] for h in hits]
        top1 += bool(found[:1] and found[0])
        top3 += any(found)
    n = len(questions)
    return top1 / n, top3 / n


def random_baseline(clauses: list[Clause], questions: list[dict], k: int) -> float:
    """Expected share of questions with a gold paragraph in ``k`` paragraphs drawn at random."""
    sizes: dict[str, int] = {}
    for c in clauses:
        sizes[c.policy_id] = sizes.get(c.policy_id, 0) + 1
    total = 0.0
    for q in questions:
        n, g = sizes[q["policy"]], len(q["gold"])
        miss = 1.0
        for i in range(min(k, n)):
            miss *= max(n - g - i, 0) / (n - i)
        total += 1.0 - miss
    return total / len(questions)


def time_searches(
    index: ClauseIndex, queries: list[str], qvecs: np.ndarray, policies: list[str | None]
) -> float:
    """Median milliseconds of one warm search (query vector given)."""
    for q, v, p in list(zip(queries, qvecs, policies, strict=True))[:20]:
        index.search(q, top_k=5, policy_id=p, query_vector=v)
    times = []
    for q, v, p in zip(queries, qvecs, policies, strict=True):
        t0 = time.perf_counter()
        index.search(q, top_k=5, policy_id=p, query_vector=v)
        times.append(time.perf_counter() - t0)
    return 1000 * float(np.median(times))


def synthetic_index(
    clauses: list[Clause], n_policies: int, per_policy: int, dim: int, seed: int = 0
) -> ClauseIndex:
    """~n_policies x per_policy clauses of real policy sentences, with random unit vectors."""
    rng = np.random.default_rng(seed)
    sentences = [s for c in clauses for s in re.split(r"(?<=[.;:])\s+", c.text) if len(s) > 20]
    out = []
    for p in range(n_policies):
        for j, k in enumerate(rng.integers(0, len(sentences), per_policy)):
            text = sentences[k]
            out.append(Clause(f"s{p}-{j}", f"policy{p:03d}", "v1", (), 0, len(text), text))
    vecs = rng.standard_normal((len(out), dim)).astype(np.float32)
    return ClauseIndex(out, vecs)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="PolicyQA dev.json")
    ap.add_argument(
        "--cache-dir",
        type=Path,
        default=Path("/tmp/policylens-bench-cache"),
        help="embedding cache (a second run encodes nothing)",
    )
    ap.add_argument("--limit", type=int, default=0, help="only the first N questions (0: all)")
    ap.add_argument("--no-scale", action="store_true", help="skip the ~100k-clause timing")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if not args.data.is_file():
        sys.exit(f"PolicyQA dev not found at {args.data}; pass --data path/to/dev.json")

    clauses, questions, distinct = load_policyqa(args.data)
    if args.limit:
        questions = questions[: args.limit]
        distinct = distinct[: args.limit]
    encoder = Encoder(EmbedSettings(cache_dir=args.cache_dir))
    t0 = time.perf_counter()
    vecs = encoder.encode([clause_text_for_embedding(c) for c in clauses])
    qvecs = encoder.encode([q["q"] for q in questions])
    dvecs = encoder.encode([q["q"] for q in distinct])
    t_encode = time.perf_counter() - t0

    rows = []
    modes = {
        "hybrid (RRF)": RetrievalSettings(),
        "dense only": RetrievalSettings(sparse_weight=0.0),
        "BM25 only": RetrievalSettings(dense_weight=0.0),
    }
    indexes = {}
    for name, settings in modes.items():
        index = ClauseIndex(clauses, vecs, settings)
        indexes[name] = index
        top1, top3 = evaluate(index, questions, qvecs)
        d1, d3 = evaluate(index, distinct, dvecs)
        rows.append((name, top1, top3, d1, d3))

    rows.append(
        (
            "random (expected)",
            random_baseline(clauses, questions, 1),
            random_baseline(clauses, questions, 3),
            random_baseline(clauses, distinct, 1),
            random_baseline(clauses, distinct, 3),
        )
    )
    texts = [q["q"] for q in questions[:500]]
    pols: list[str | None] = [q["policy"] for q in questions[:500]]
    ms_small = time_searches(indexes["hybrid (RRF)"], texts, qvecs[:500], pols)

    n_pol = len({c.policy_id for c in clauses})
    print(
        f"\nPolicyQA dev: {len(questions)} QAs ({len(distinct)} distinct questions per policy), "
        f"{len(clauses)} paragraphs, {n_pol} policies; each question ranks its policy's paragraphs"
    )
    print(f"(encoding with {encoder.model_id}: {t_encode:.1f} s, cached under {args.cache_dir})\n")
    print("| retriever | per QA top-1 | per QA top-3 | per question top-1 | per question top-3 |")
    print("|---|---:|---:|---:|---:|")
    for name, *fig in rows:
        print(f"| {name} | " + " | ".join(f"{100 * f:.1f}%" for f in fig) + " |")
    print("\n| warm `search` (query vector given), p50 | ms |")
    print("|---|---:|")
    print(f"| PolicyQA index ({len(clauses)} clauses), policy filter | {ms_small:.2f} |")
    if not args.no_scale:
        t0 = time.perf_counter()
        big = synthetic_index(clauses, n_policies=330, per_policy=300, dim=encoder.dim)
        t_build = time.perf_counter() - t0
        rng = np.random.default_rng(1)
        qv = rng.standard_normal((300, encoder.dim)).astype(np.float32)
        qs = texts[:300]
        names = big.policy_ids
        filt: list[str | None] = [names[i % len(names)] for i in range(len(qs))]
        ms_filter = time_searches(big, qs, qv[: len(qs)], filt)
        ms_all = time_searches(big, qs, qv[: len(qs)], [None] * len(qs))
        print(
            f"| synthetic {len(big):,} clauses / {len(names)} policies, policy filter "
            f"| {ms_filter:.2f} |"
        )
        print(f"| synthetic {len(big):,} clauses, no filter | {ms_all:.2f} |")
        print(f"\n(synthetic index built in {t_build:.1f} s: tokenizing + BM25 weights)")
    print(
        "\nCommand: .venv/bin/python bench/bench_policyqa.py --data "
        f"{os.path.relpath(args.data, ROOT)}"
    )


if __name__ == "__main__":
    main()
