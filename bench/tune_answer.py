"""Re-measure the answer stage's tunables on the lay-question *train* split (never validation).

Usage::

    python bench/tune_answer.py [--split train] [--datasets DIR] \
        [--grid '{"reading_floor": [0.2, 0.3], "topic_depth": [8, 16]}']
    python bench/tune_answer.py --similarity     # the slot-similarity threshold sweep

``--similarity`` sweeps ``slot_similarity`` (the cosine above which a statement's free-text phrase
names a question's slot) from 0.3 to 0.95 and off (2.0), and prints, per threshold, how many
answers rest on a similarity match. It also prints, per threshold, how often two phrases of the
ontology are accepted as the same thing: pairs of surface forms of one node (should be accepted)
and of two unrelated nodes of one vocabulary (must not be: "Brazil" and "Argentina"). Of the
thresholds that accept at most 2% of the unrelated pairs, the one with the best train verdict
accuracy is chosen, the lowest on a tie (it accepts the most while staying safe).

Retrieval runs once per question (through ``PolicyLens`` with its statements), then
``answer_question`` is re-run for each combination of ``AnswerSettings`` values in the grid, and
verdict accuracy, cited@1 and cited@3 are printed per combination. The defaults in
``nlp/config.py`` are the best of such a run; re-run it when the encoder changes (the cosine
floors depend on it).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.answer import (  # noqa: E402
    PhraseSimilarity,
    answer_question,
    company_names,
    lead_ins,
    parse_question,
    retrieval_query,  # noqa: E402
)
from nlp.answer.evaluation import DEFAULT_DATASETS, load_questions, policy_path  # noqa: E402
from nlp.config import AnswerSettings  # noqa: E402
from nlp.pipeline import PolicyLens  # noqa: E402
from nlp.types import ClauseQuery  # noqa: E402

DEFAULT_GRID = {
    "reading_floor": [0.6, 0.85],
    "info_floor": [0.6, 0.7, 1.0],
    "fused_weight": [0.0, 0.3, 1.0],
    "topic_depth": [8, 16],
    "wording_depth": [1, 3, 5],
}
SIMILARITY_GRID = {"slot_similarity": [0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9, 0.95,
                                       2.0]}


def _ontology_pairs(lens: PolicyLens, thresholds: list[float]) -> dict[float, tuple[float, float]]:
    """Per threshold: the share of same-node surface-form pairs accepted, and of unrelated-node
    pairs accepted, over every vocabulary."""
    import numpy as np

    from nlp.practices import load_ontology

    onto = load_ontology()
    same: list[tuple[str, str]] = []
    other: list[tuple[str, str]] = []
    for vocab, table in onto.nodes.items():
        forms = [(n.id, f) for n in table.values() for f in n.surface[:4]]
        for i, (a, fa) in enumerate(forms):
            for b, fb in forms[i + 1:]:
                if a == b:
                    same.append((fa, fb))
                elif not (onto.is_a(a, b, vocab) or onto.is_a(b, a, vocab)):
                    other.append((fa, fb))
    texts = sorted({t for pair in same + other for t in pair})
    vec = dict(zip(texts, lens.encoder.encode(texts), strict=True))

    def cos(pairs: list[tuple[str, str]]) -> np.ndarray:
        return np.array([float(vec[a] @ vec[b]) for a, b in pairs])

    cs, co = cos(same), cos(other)
    print(f"ontology pairs: {len(cs)} same-node, {len(co)} unrelated")
    return {t: (float((cs >= t).mean()), float((co >= t).mean())) for t in thresholds}


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="train")
    ap.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    ap.add_argument("--grid", default=json.dumps(DEFAULT_GRID))
    ap.add_argument("--similarity", action="store_true", help="sweep slot_similarity")
    args = ap.parse_args(argv)
    if args.similarity:
        args.grid = json.dumps(SIMILARITY_GRID)
    if args.split == "validation":
        sys.exit("tune on train (or seed for the seed), never on validation")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    lens = PolicyLens()
    base = AnswerSettings()
    cases = []
    ids: dict[str, str] = {}
    for row in load_questions(None, args.split):
        path = policy_path(row, args.datasets)
        if not path.exists():
            continue
        if row["policy"] not in ids:
            ids[row["policy"]] = lens.load(path).id
        p = lens.policy(ids[row["policy"]])
        label = p.latest.label
        clauses = lens.clauses(p.id, label)
        names = company_names(p.name, [c.text for c in clauses])
        vector = lens.embed_query(row["question"])
        where = ClauseQuery(policy=p.id, version=label, top_k=base.search_depth,
                            categories=tuple(lens.route(row["question"], vector)))
        query = retrieval_query(parse_question(row["question"], names=names))
        hits = lens.search(query, where=where, query_vector=vector)
        statements = lens.statements_for([h.clause for h in hits] + lead_ins(
            [h.clause for h in hits], clauses))
        cases.append((row, hits, clauses, statements, names, p.id, label))
    grid = json.loads(args.grid)
    # As `ask` compares slot phrases: with the retrieval encoder, vectors kept across the sweep.
    batches: list[int] = []

    def encode(texts: list[str]) -> object:
        batches.append(len(texts))
        return lens.encoder.encode(list(texts))

    similarity = PhraseSimilarity(encode)
    print(f"{len(cases)} questions of split {args.split}\n")
    print("| settings | verdict | cited@1 | cited@3 | similar (right) |\n|---|---:|---:|---:|---:|")
    results: list[tuple[float, int]] = []
    for combo in itertools.product(*grid.values()):
        settings = base.model_copy(update=dict(zip(grid, combo, strict=True)))
        right = c1 = c3 = with_phrases = similar = similar_right = 0
        for row, hits, clauses, statements, names, pid, label in cases:
            ans = answer_question(row["question"], hits, clauses, policy=pid, version=label,
                                  statements=statements, names=names, settings=settings,
                                  similarity=similarity)
            right += ans.verdict == row["verdict"]
            if "similar" in ans.reason:
                similar += 1
                similar_right += ans.verdict == row["verdict"]
            if row["phrases"]:
                with_phrases += 1
                texts = [_norm(c.text) for c in ans.citations]
                c1 += any(_norm(ph) in t for ph in row["phrases"] for t in texts[:1])
                c3 += any(_norm(ph) in t for ph in row["phrases"] for t in texts[:3])
        n, w = max(len(cases), 1), max(with_phrases, 1)
        shown = ", ".join(f"{k}={v}" for k, v in zip(grid, combo, strict=True))
        print(f"| {shown} | {100 * right / n:.1f}% | {100 * c1 / w:.1f}% | {100 * c3 / w:.1f}% "
              f"| {similar} ({similar_right}) |")
        results.append((float(combo[0]), right))
    if args.similarity:
        spans = [
            sp.id is not None
            for _row, hits, _c, statements, *_ in cases
            for h in hits[:5]
            for st in statements.get(h.clause.id, ())
            for vocab in ("data_types", "recipients", "purposes", "places", "audience")
            for sp in getattr(st, vocab)
        ]
        print(f"\nslot values of the statements of the 5 nearest clauses with an ontology id: "
              f"{100 * sum(spans) / max(len(spans), 1):.1f}% of {len(spans)}; phrases encoded "
              f"over the whole sweep: {sum(batches)} in {len(batches)} batches")
        pairs = _ontology_pairs(lens, [t for t, _ in results])
        print("\n| slot_similarity | same-node pairs accepted | unrelated pairs accepted |")
        print("|---:|---:|---:|")
        for t, (a, b) in pairs.items():
            print(f"| {t} | {100 * a:.1f}% | {100 * b:.1f}% |")
        safe = [(t, r) for t, r in results if pairs[t][1] <= 0.02]
        top = max(r for _, r in safe)
        print(f"\nchosen slot_similarity: {min(t for t, r in safe if r == top)}")


if __name__ == "__main__":
    main()
