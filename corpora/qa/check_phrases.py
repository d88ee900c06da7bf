"""Check that every phrase of the lay-question set occurs in its policy's text.

Usage: python corpora/qa/check_phrases.py [--datasets PATH] [--data FILE]

Whitespace is collapsed on both sides; HTML policies are compared against the
page's visible text (BeautifulSoup ``get_text(" ")``); the seed is the bundled
``corpora/000_ce4448d9c54926ad.txt``. Prints the misses and the counts per
verdict and split; exits 1 when any phrase is missing.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "corpora" / "000_ce4448d9c54926ad.txt"
DATA = Path(__file__).with_name("lay_questions.jsonl")
VERDICTS = ("yes", "no", "not_stated", "info")
SPLITS = ("train", "validation", "seed")


def collapse(text: str) -> str:
    """Collapse every run of whitespace to one space."""
    return re.sub(r"\s+", " ", text).strip()


def default_datasets() -> Path:
    """``../shared/datasets`` beside the repo (the main checkout when run from a git worktree)."""
    candidate = REPO.parent / "shared" / "datasets"
    if candidate.is_dir():
        return candidate
    common = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--git-common-dir"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()
    if common:
        main_checkout = (REPO / common).resolve().parent
        return main_checkout.parent / "shared" / "datasets"
    return candidate


def policy_text(policy: str, datasets: Path) -> str:
    """The whitespace-collapsed text a phrase must occur in."""
    if policy == "seed":
        return collapse(SEED.read_text(encoding="utf-8"))
    raw = (datasets / policy).read_text(encoding="utf-8", errors="replace")
    if policy.endswith((".html", ".htm")):
        from bs4 import BeautifulSoup

        raw = BeautifulSoup(raw, "html.parser").get_text(" ")
    return collapse(raw)


def print_counts(rows: list[dict]) -> None:
    """Counts per verdict overall, then per split."""
    total = max(len(rows), 1)
    verdicts = Counter(r["verdict"] for r in rows)
    for verdict in VERDICTS:
        print(f"  {verdict:<11} {verdicts[verdict]:4d}  {100 * verdicts[verdict] / total:5.1f}%")
    for split in SPLITS:
        in_split = [r for r in rows if r["split"] == split]
        per = Counter(r["verdict"] for r in in_split)
        n_policies = len({r["policy"] for r in in_split})
        detail = ", ".join(f"{v} {per[v]}" for v in VERDICTS)
        print(f"  {split:<11} {len(in_split):4d} questions, {n_policies:2d} policies ({detail})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=None,
                        help="the datasets folder (default: ../shared/datasets beside the repo)")
    parser.add_argument("--data", type=Path, default=DATA, help="the JSON-lines question file")
    args = parser.parse_args(argv)
    datasets = args.datasets if args.datasets is not None else default_datasets()

    lines = args.data.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    texts: dict[str, str] = {}
    misses = 0
    for row in rows:
        policy = row["policy"]
        if policy not in texts:
            texts[policy] = policy_text(policy, datasets)
        for phrase in row["phrases"]:
            if collapse(phrase) not in texts[policy]:
                misses += 1
                print(f"MISS {row['id']} [{row['policy_name']}]: {phrase!r}")

    n_phrases = sum(len(r["phrases"]) for r in rows)
    print(f"{len(rows)} questions, {len(texts)} policies, {n_phrases} phrases, {misses} misses")
    print_counts(rows)
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
