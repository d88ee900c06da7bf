"""Re-measure the answer stage's tunables on the lay-question *train* split (never validation).

Usage::

    python bench/tune_answer.py [--split train] [--datasets DIR] \
        [--grid '{"reading_floor": [0.2, 0.3], "topic_depth": [8, 16]}']

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
}


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="train")
    ap.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    ap.add_argument("--grid", default=json.dumps(DEFAULT_GRID))
    args = ap.parse_args(argv)
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
    print(f"{len(cases)} questions of split {args.split}\n")
    print("| settings | verdict | cited@1 | cited@3 |\n|---|---:|---:|---:|")
    for combo in itertools.product(*grid.values()):
        settings = base.model_copy(update=dict(zip(grid, combo, strict=True)))
        right = c1 = c3 = with_phrases = 0
        for row, hits, clauses, statements, names, pid, label in cases:
            ans = answer_question(row["question"], hits, clauses, policy=pid, version=label,
                                  statements=statements, names=names, settings=settings)
            right += ans.verdict == row["verdict"]
            if row["phrases"]:
                with_phrases += 1
                texts = [_norm(c.text) for c in ans.citations]
                c1 += any(_norm(ph) in t for ph in row["phrases"] for t in texts[:1])
                c3 += any(_norm(ph) in t for ph in row["phrases"] for t in texts[:3])
        n, w = max(len(cases), 1), max(with_phrases, 1)
        shown = ", ".join(f"{k}={v}" for k, v in zip(grid, combo, strict=True))
        print(f"| {shown} | {100 * right / n:.1f}% | {100 * c1 / w:.1f}% | {100 * c3 / w:.1f}% |")


if __name__ == "__main__":
    main()
