"""How well ``compare_versions`` recovers known edits on real policies.

Takes the current privacy policies of the Open Terms Archive social platforms, and for each makes
a "new version" of its clauses with known edits: 3 clauses removed, 3 reworded (a word or phrase
inserted: "not", "never", "for 5 years", "and to improve our marketing efforts,"), about 1 in 100
clauses followed by a clause inserted from another policy, and a fifth of the clauses given
differences of form only (a word turned into a Markdown link, doubled spaces, a space before
commas). It then counts, per true kind, what the comparison reported.

Usage::

    python bench/bench_compare.py [DATASETS]   # default ../shared/datasets

Clause-level edits (not file-level): ingest and segmentation are not under test here.
"""

from __future__ import annotations

import dataclasses
import random
import sys
import time
from collections import Counter
from pathlib import Path

from nlp import compare_versions, load_corpus

ROOT = Path(__file__).resolve().parent.parent
INSERTS = ("not", "never", "and to improve our marketing efforts,", "for 5 years")
KINDS = ("added", "removed", "changed", "cosmetic", "unchanged")


def main(datasets: Path) -> None:
    random.seed(0)
    folder = datasets / "opentermsarchive" / "pga-versions"
    corpus = load_corpus(folder, pattern="*/Privacy Policy.md")
    lens = corpus.lens
    pool = [c for c in corpus.clauses() if len(c.text) > 60]
    confusion: Counter[tuple[str, str]] = Counter()
    t0 = time.perf_counter()
    n_policies = 0
    for p in corpus.policies:
        old = [c for c in lens.clauses(p.id) if len(c.text.split()) >= 6]
        if len(old) < 30:
            continue
        n_policies += 1
        order = list(range(len(old)))
        random.shuffle(order)
        removed, changed = set(order[:3]), set(order[3:6])
        cosmetic = set(order[6 : 6 + len(old) // 5])
        truth: dict[str, str] = {}  # new clause id -> true kind
        new = []
        for i, c in enumerate(old):
            if i in removed:
                continue
            words = c.text.split()
            if i in changed:
                words.insert(random.randrange(1, len(words)), random.choice(INSERTS))
                text, kind = " ".join(words), "changed"
            elif i in cosmetic:
                k = random.randrange(len(words))
                words[k] = f"[{words[k]}](https://example.org/x)"
                text, kind = "  ".join(words).replace(",", " ,"), "cosmetic"
            else:
                text, kind = c.text, "unchanged"
            clone = dataclasses.replace(c, id=f"{c.id}~new", version="new", text=text)
            truth[clone.id] = kind
            new.append(clone)
            if random.random() < 0.01:
                extra = random.choice(pool)
                added = dataclasses.replace(
                    extra, id=f"{extra.id}~added", policy_id=p.id, version="new"
                )
                truth[added.id] = "added"
                new.append(added)
        cmp = compare_versions(old, new, lens.encoder)
        for ch in cmp.changes:
            if ch.new is None:
                i = old.index(ch.old)
                true = "removed" if i in removed else "moved-away"
            else:
                true = truth[ch.new.id]
            confusion[(true, ch.kind)] += 1
    secs = time.perf_counter() - t0
    print(f"{n_policies} policies, {sum(confusion.values())} clause changes, {secs:.0f}s")
    print("true / reported".ljust(16) + "".join(f"{k:>10}" for k in KINDS))
    for true in (*KINDS, "moved-away"):
        row = [confusion[(true, k)] for k in KINDS]
        if any(row):
            print(f"{true:<16}" + "".join(f"{n:>10}" for n in row))
    subst = ("added", "removed", "changed")
    tp = sum(confusion[(k, k)] for k in subst)
    reported = sum(n for (t, k), n in confusion.items() if k in subst)
    actual = sum(n for (t, k), n in confusion.items() if t in subst)
    print(f"substantive: precision {tp / reported:.3f}, recall {tp / actual:.3f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "datasets")
