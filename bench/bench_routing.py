"""Question routing on PrivacyQA train questions: is the question's OPP-115 category routed?

PrivacyQA flags each question with the OPP-115 categories it concerns. Each flag maps to
policylens labels (first party -> collection/use, third party -> sharing, security, retention,
user access/choice -> rights); a question counts as routed correctly when at least one of its
labels is among the routed categories. Compared: keyword cues only, the classifier on the
question embedding only, both (what QA uses), and a constant baseline routing every question to
the three most frequent categories.

    .venv/bin/python bench/bench_routing.py \
        --data ../shared/datasets/privacyqa/train_opp_annotations.tsv
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.classify import load_classifier  # noqa: E402
from nlp.config import RetrievalSettings, Settings  # noqa: E402
from nlp.embed import Encoder  # noqa: E402
from nlp.retrieval.routing import route_question  # noqa: E402

FLAGS = {
    "first": ("collection", "use"),
    "third": ("sharing",),
    "datasecurity": ("security",),
    "dataretention": ("retention",),
    "user_access": ("rights",),
    "user_choice": ("rights",),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data",
        type=Path,
        default=ROOT.parent / "shared/datasets/privacyqa/train_opp_annotations.tsv",
    )
    ap.add_argument("--top-n", type=int, default=3)
    args = ap.parse_args()

    questions: list[tuple[str, set[str]]] = []
    with args.data.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            want = {
                lab
                for flag, labs in FLAGS.items()
                if row.get(flag, "0").strip() == "1"
                for lab in labs
            }
            if want:
                questions.append((row["Query"].strip(), want))
    settings = Settings()
    clf = load_classifier(settings.classify)
    emb = Encoder(settings.embed).encode([q for q, _ in questions])
    freq = Counter(lab for _, want in questions for lab in want)
    constant = [lab for lab, _ in freq.most_common(args.top_n)]

    def score(route) -> tuple[float, float]:
        hits, sizes = 0, 0
        for i, (q, want) in enumerate(questions):
            got = {lab for lab, _ in route(i, q)}
            hits += bool(got & want)
            sizes += len(got)
        return hits / len(questions), sizes / len(questions)

    rows = {
        "keywords only": score(lambda i, q: route_question(q, top_n=args.top_n)),
        "classifier only": score(lambda i, q: _clf_only(q, clf, emb[i], args.top_n)),
        "keywords + classifier (used by QA)": score(
            lambda i, q: route_question(q, classifier=clf, embedding=emb[i], top_n=args.top_n)
        ),
        f"constant {constant}": score(lambda i, q: [(c, 1.0) for c in constant]),
    }
    print(
        f"PrivacyQA train: {len(questions)} questions with a mapped OPP-115 category; "
        f"top-{args.top_n} routing\n"
    )
    print("| router | category routed | mean categories routed |")
    print("|---|---:|---:|")
    for name, (acc, size) in rows.items():
        print(f"| {name} | {acc:.1%} | {size:.2f} |")
    print(f"\ncommand: {' '.join(sys.argv)}")


def _clf_only(q, clf, vec, top_n):
    """The classifier's scores alone (no keyword cues), same threshold and cut as routing."""
    probs = clf.predict_scores([q], embeddings=vec.reshape(1, -1))[0]
    ranked = sorted(
        (
            (lab, float(p))
            for lab, p in zip(clf.labels_, probs, strict=True)
            if p >= RetrievalSettings().route_min_score and lab != "other"
        ),
        key=lambda kv: -kv[1],
    )
    return ranked[:top_n]


if __name__ == "__main__":
    main()
