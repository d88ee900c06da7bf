"""Retrieval quality on PolicyQA dev: does the paragraph holding the answer come first?

PolicyQA (Ahmad et al. 2020) is SQuAD-v1 shaped over OPP-115 policy segments. Each paragraph
(``context``) becomes one ``Clause`` of its policy (``title``); for each question the paragraphs of
its policy are ranked by ``ClauseIndex`` and a hit counts when a ranked paragraph is the one the
question was written on, or another paragraph of that policy containing the answer text.
Reported for hybrid (dense + BM25: the default convex fusion, and reciprocal-rank fusion), dense
only and BM25 only.

It also times warm ``search`` calls (query vectors precomputed, so the model is not timed): on the
PolicyQA index and on a synthetic index of ~100k clauses over ~330 policies, built from the
PolicyQA sentences with random vectors.

This is the dev split: tune on it, report it as dev.

Usage::

    .venv/bin/python bench/bench_policyqa.py --data ../shared/datasets/policyqa/dev.json
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.answer import parse_question, retrieval_query  # noqa: E402
from nlp.classify.model import label_clauses, load_classifier  # noqa: E402
from nlp.config import (  # noqa: E402
    DEFAULT_CORPUS,
    ClassifySettings,
    EmbedSettings,
    RetrievalSettings,
)
from nlp.embed import Encoder  # noqa: E402
from nlp.embed.training.pairs import read_split  # noqa: E402
from nlp.errors import PolicylensError  # noqa: E402
from nlp.retrieval.index import ClauseIndex, clause_text_for_bm25  # noqa: E402
from nlp.retrieval.routing import route_question  # noqa: E402
from nlp.types import Clause  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "policyqa" / "dev.json"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def load_policyqa(
    path: Path, policies: set[str] | None = None
) -> tuple[list[Clause], list[dict], list[dict]]:
    """Paragraphs as clauses (one version "v1" per policy), and two question sets.

    ``per_qa``: every QA, gold = its own paragraph + paragraphs of its policy holding its answer.
    ``per_question``: each distinct (policy, question) once, gold = every paragraph the question
    was annotated on + paragraphs holding any of its answers. PolicyQA asks the same question on
    several paragraphs of a policy (730 of 2,420 distinct questions), so per QA no ranking can put
    all of a question's paragraphs first; per question is the fair retrieval measure.
    ``policies``: keep only these policy titles (``None``: all).
    """
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    if policies is not None:
        data = [doc for doc in data if doc["title"] in policies]
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


def evaluate(
    index: ClauseIndex,
    questions: list[dict],
    qvecs: np.ndarray,
    route: Callable[[str, np.ndarray], list[str]] | None = None,
    read: bool = False,
) -> tuple[float, float]:
    """Share of questions with a gold paragraph at rank 1 and within the top 3.

    With ``route(question, vector) -> categories``, the clauses of the routed categories get the
    index's category boost; with ``read``, BM25 reads the question's ``retrieval_query``: both as
    ``PolicyLens.search`` and ``ask`` rank."""
    top1 = top3 = 0
    for q, v in zip(questions, qvecs, strict=True):
        cats = route(q["q"], v) if route is not None else None
        words = retrieval_query(parse_question(q["q"])) if read else q["q"]
        hits = index.search(
            words, top_k=3, policy_id=q["policy"], query_vector=v, categories=cats
        )
        found = [h.clause.id in q["gold"] for h in hits]
        top1 += bool(found[:1] and found[0])
        top3 += any(found)
    n = len(questions)
    return top1 / n, top3 / n


#: Fusions swept by ``--fusion``: reciprocal-rank fusion with dense weight w (BM25 weight 1),
#: dense only, and the convex combination of scaled scores with dense weight alpha.
FUSIONS: tuple[tuple[str, RetrievalSettings], ...] = (
    *((f"rrf {w:g} : 1", RetrievalSettings(fusion="rrf", dense_weight=w, sparse_weight=1.0))
      for w in (0.5, 1.0, 1.5, 2.0, 3.0, 5.0)),
    ("dense only", RetrievalSettings(sparse_weight=0.0)),
    *((f"convex {a:g}", RetrievalSettings(fusion="convex", convex_alpha=a))
      for a in (0.5, 0.6, 0.7, 0.8, 0.9)),
)


def fusion_table(
    clauses: list[Clause], vecs: np.ndarray, questions: list[dict], qvecs: np.ndarray
) -> list[str]:
    """Per-question top-3 for each fusion on two halves of the policies (alternate policies by
    name), and the cross-fitted figure: each half scored with the fusion that is best on the
    other half (the first listed on a tie), so no question scores the fusion it chose."""
    policies = sorted({c.policy_id for c in clauses})
    halves = [set(policies[0::2]), set(policies[1::2])]
    scores: dict[str, list[tuple[int, int]]] = {}
    for name, settings in FUSIONS:
        index = ClauseIndex(clauses, vecs, settings)
        per_half = []
        for half in halves:
            keep = [i for i, q in enumerate(questions) if q["policy"] in half]
            _t1, t3 = evaluate(index, [questions[i] for i in keep], qvecs[keep])
            per_half.append((round(t3 * len(keep)), len(keep)))
        scores[name] = per_half
    lines = [
        "",
        "Fusions, per question top-3, two halves of the policies:",
        "",
        "| fusion | half A | half B | both |",
        "|---|---:|---:|---:|",
    ]
    for name, ((a, na), (b, nb)) in scores.items():
        lines.append(
            f"| {name} | {100 * a / na:.1f}% | {100 * b / nb:.1f}% | "
            f"{100 * (a + b) / (na + nb):.1f}% |"
        )
    hits = total = 0
    picks = []
    names = list(scores)
    for h in (0, 1):
        other = 1 - h
        best = max(names, key=lambda n: (scores[n][other][0], -names.index(n)))
        picks.append(best)
        hits += scores[best][h][0]
        total += scores[best][h][1]
    lines.append(
        f"\nCross-fitted (half A scored with the fusion best on B: {picks[0]}; B with A's: "
        f"{picks[1]}): {100 * hits / total:.1f}% of {total} questions"
    )
    return lines


def routed_row(
    clauses: list[Clause], vecs: np.ndarray, questions: list[dict], qvecs: np.ndarray,
    distinct: list[dict], dvecs: np.ndarray,
) -> tuple[str, float, float, float, float] | None:
    """The default fusion with the shipped classifier's labels on the paragraphs, BM25 reading
    each question's ``retrieval_query`` and each question routed to its likely categories
    (keyword cues and the classifier on its vector), as ``search`` and ``ask`` rank; ``None``
    when no classifier is trained. The classifier was trained on OPP-115 segments, PolicyQA's
    source: see docs/benchmarks.md for what it saw."""
    try:
        clf = load_classifier(ClassifySettings())
    except (OSError, PolicylensError):
        return None
    settings = RetrievalSettings()
    index = ClauseIndex(label_clauses(clauses, clf, vecs), vecs, settings)

    def route(question: str, vector: np.ndarray) -> list[str]:
        found = route_question(question, classifier=clf, embedding=vector, settings=settings)
        return [label for label, _ in found]

    top1, top3 = evaluate(index, questions, qvecs, route, read=True)
    d1, d3 = evaluate(index, distinct, dvecs, route, read=True)
    return ("hybrid (default) + question reading + routing, as `search` ranks",
            top1, top3, d1, d3)


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


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


def seed_cases(path: Path) -> list[tuple[str, str]]:
    """(question, phrase the first citation must hold) from ``tests/test_seed_qa.py``'s CASES.

    Read with ``ast`` (constants and module-level string names only) so the test module, its
    imports and pytest are not needed.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    value = eval(  # noqa: S307 - literals and known names only, no builtins
                        compile(ast.Expression(node.value), str(path), "eval"),
                        {"__builtins__": {}},
                        dict(names),
                    )
                except Exception:  # noqa: BLE001 - not a literal assignment: skip it
                    continue
                names[target.id] = value
    return [(c[0], c[2]) for c in names.get("CASES", [])]  # type: ignore[union-attr]


def _heading_only(c: Clause) -> str:
    heading = c.section[-1].rstrip(".:") if c.section and c.kind != "heading" else ""
    return f"{heading}: {c.text}" if heading else c.text


def _lead_in_tail(c: Clause, words: int = 10) -> str:
    tail = " ".join(c.context.split()[-words:])
    return replace(c, context=tail).contextual_text() if c.context else _heading_only(c)


def seed_clause_text_table(encoder: Encoder, seed: Path, cases_file: Path) -> list[str]:
    """Top-1/top-3 on the seed questions for a few choices of what is embedded and indexed."""
    from nlp.ingest import load_policy
    from nlp.segment import segment_policy

    cases = seed_cases(cases_file)
    policy = load_policy(seed)
    clauses = [c for c in segment_policy(policy) if c.version == policy.latest.label]
    qvecs = encoder.encode([q for q, _ in cases])
    variants = {
        "text": lambda c: c.text,
        "heading + text": _heading_only,
        "heading + last 10 words of lead-in + text": _lead_in_tail,
        "heading + lead-in + text (default)": Clause.contextual_text,
    }
    bm25_variants = {
        "text + lead-in (default)": clause_text_for_bm25,
        "heading + lead-in + text": Clause.contextual_text,
    }
    import nlp.retrieval.index as index_module

    lines = ["| embedded text | BM25 text | top-1 | top-3 |", "|---|---|---:|---:|"]
    saved = index_module.clause_text_for_bm25
    try:
        for dname, dfn in variants.items():
            vecs = encoder.encode([dfn(c) for c in clauses])
            for bname, bfn in bm25_variants.items():
                index_module.clause_text_for_bm25 = bfn  # what ClauseIndex tokenizes
                index = ClauseIndex(clauses, vecs)
                t1 = t3 = 0
                for (q, phrase), v in zip(cases, qvecs, strict=True):
                    hits = index.search(q, top_k=3, query_vector=v)
                    found = [phrase.lower() in h.clause.text.lower() for h in hits]
                    t1 += bool(found and found[0])
                    t3 += any(found)
                lines.append(f"| {dname} | {bname} | {t1}/{len(cases)} | {t3}/{len(cases)} |")
    finally:
        index_module.clause_text_for_bm25 = saved
    return lines


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
    ap.add_argument(
        "--backend", choices=["onnx", "torch"], default="onnx", help="encoder backend to rank with"
    )
    ap.add_argument(
        "--model-path", type=Path, default=None, help="encoder folder (default: the shipped one)"
    )
    ap.add_argument(
        "--split",
        choices=["all", "train", "validation", "tuning"],
        default="all",
        help="policies of the encoder's recorded PolicyQA split (nlp/data/encoder_split.json): "
        "validation is held out of the encoder's fine-tuning; tuning is the part of train it was "
        "not tuned on either (where fusion weights may be chosen)",
    )
    ap.add_argument("--no-scale", action="store_true", help="skip the ~100k-clause timing")
    ap.add_argument(
        "--fusion",
        action="store_true",
        help="also sweep the dense : BM25 weight of the fusion, chosen by two-fold cross-fitting "
        "over the split's policies (each half's weight is picked on the other half)",
    )
    ap.add_argument(
        "--seed-questions",
        type=Path,
        default=ROOT / "tests" / "test_seed_qa.py",
        help="file with CASES (question, verdict, phrase, heading) about the seed policy",
    )
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if not args.data.is_file():
        sys.exit(f"PolicyQA dev not found at {args.data}; pass --data path/to/dev.json")

    split = read_split()
    tuning = set(split.get("tuning", {}).get("policyqa", ()))
    keep = {
        "all": None, "validation": set(split["validation"]), "tuning": tuning,
        "train": set(split["train"]) - tuning,
    }[args.split]
    clauses, questions, distinct = load_policyqa(args.data, keep)
    if args.limit:
        questions = questions[: args.limit]
        distinct = distinct[: args.limit]
    encoder = Encoder(
        EmbedSettings(cache_dir=args.cache_dir, backend=args.backend, model_path=args.model_path)
    )
    t0 = time.perf_counter()
    vecs = encoder.encode([c.contextual_text() for c in clauses])
    qvecs = encoder.encode([q["q"] for q in questions])
    dvecs = encoder.encode([q["q"] for q in distinct])
    t_encode = time.perf_counter() - t0

    rows = []
    modes = {
        "hybrid (default: convex)": RetrievalSettings(),
        "hybrid (RRF)": RetrievalSettings(fusion="rrf"),
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
    default = indexes["hybrid (default: convex)"]
    rows.append(("hybrid (default) + question reading",
                 *evaluate(default, questions, qvecs, read=True),
                 *evaluate(default, distinct, dvecs, read=True)))

    routed = routed_row(clauses, vecs, questions, qvecs, distinct, dvecs)
    if routed is not None:
        rows.append(routed)
    rows.append(
        (
            "random (expected)",
            random_baseline(clauses, questions, 1),
            random_baseline(clauses, questions, 3),
            random_baseline(clauses, distinct, 1),
            random_baseline(clauses, distinct, 3),
        )
    )
    if args.fusion:
        print("\n".join(fusion_table(clauses, vecs, distinct, dvecs)))
    texts = [q["q"] for q in questions[:500]]
    pols: list[str | None] = [q["policy"] for q in questions[:500]]
    ms_small = time_searches(indexes["hybrid (default: convex)"], texts, qvecs[:500], pols)

    n_pol = len({c.policy_id for c in clauses})
    print(
        f"\nPolicyQA dev, policies: {args.split}: {len(questions)} QAs "
        f"({len(distinct)} distinct questions per policy), "
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
        # The same rows fused by reciprocal ranks, timed right after (same process, same load).
        big_rrf = ClauseIndex(big.clauses, big.embeddings, RetrievalSettings(fusion="rrf"))
        rrf_filter = time_searches(big_rrf, qs, qv[: len(qs)], filt)
        print(
            f"| synthetic {len(big):,} clauses / {len(names)} policies, policy filter "
            f"| {ms_filter:.2f} |"
        )
        print(f"| synthetic {len(big):,} clauses, no filter | {ms_all:.2f} |")
        print(
            f"| the same, policy filter, fused by reciprocal ranks | {rrf_filter:.2f} "
            f"(convex / RRF: {ms_filter / rrf_filter:.2f}) |"
        )
        extra = [replace(c, policy_id="added") for c in clauses[:300]]
        t_add = timed(lambda: big.add(extra, rng.standard_normal((len(extra), encoder.dim))))
        t_remove = timed(lambda: big.remove("added"))
        print(f"\n(add a {len(extra)}-clause policy: {t_add:.2f} s, remove it: {t_remove:.2f} s)")
        print(f"\n(synthetic index built in {t_build:.1f} s: tokenizing + BM25 weights)")
    if args.seed_questions.is_file():
        print("\nSeed policy (latest version), questions of tests/test_seed_qa.py: is a clause")
        print("holding the expected phrase first / in the top 3? (hybrid search)\n")
        print("\n".join(seed_clause_text_table(encoder, DEFAULT_CORPUS, args.seed_questions)))
    print(
        "\nCommand: .venv/bin/python bench/bench_policyqa.py --data "
        f"{os.path.relpath(args.data, ROOT)} --split {args.split}"
    )


if __name__ == "__main__":
    main()
