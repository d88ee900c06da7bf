"""Measure answers on a lay-question set: verdict accuracy, the answering clause among citations.

The set is JSON lines (``corpora/qa/lay_questions.jsonl``, see its DATASHEET): each row a question
about one policy (``policy``: a path under the datasets folder, or ``seed`` for the bundled
policy), its expected ``verdict`` and the verbatim ``phrases`` of the clause that answers it. The
caller passes how to load a policy and how to ask (``PolicyLens.load`` and ``PolicyLens.ask``),
so this module runs no model of its own.

>>> report = evaluate_rows([], load=None, ask=None)
>>> report["questions"], report["verdict_accuracy"]
(0, 0.0)
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nlp.config import CORPORA_DIR, DEFAULT_CORPUS, PROJECT_DIR
from nlp.types import Answer

__all__ = [
    "DEFAULT_DATASETS",
    "LAY_QUESTIONS",
    "VERDICTS",
    "evaluate_rows",
    "format_qa_report",
    "load_questions",
    "policy_path",
]

LAY_QUESTIONS = CORPORA_DIR / "qa" / "lay_questions.jsonl"
DEFAULT_DATASETS = PROJECT_DIR.parent / "shared" / "datasets"
VERDICTS = ("yes", "no", "not_stated", "info")


def load_questions(path: Path | None = None, split: str | None = None) -> list[dict[str, Any]]:
    """The rows of a lay-question file (default: the bundled set), of one split or all.

    ``tuning``: the train rows of the policies the encoder was not tuned on (the ``tuning`` fold
    of ``nlp/data/encoder_split.json``), where the retriever's and the answer stage's settings
    can be chosen on cosines that training did not flatter.
    """
    text = Path(path or LAY_QUESTIONS).read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    if split == "tuning":
        from nlp.embed.training.pairs import read_split

        fold = set(read_split().get("tuning", {}).get("lay", ()))
        return [r for r in rows if r.get("split") == "train" and r.get("policy") in fold]
    return [r for r in rows if split in (None, "all") or r.get("split") == split]


def policy_path(row: dict[str, Any], datasets: Path) -> Path:
    """The policy file a row asks about: the bundled seed, or a path under ``datasets``."""
    return DEFAULT_CORPUS if row["policy"] == "seed" else datasets / row["policy"]


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _cited(answer: Answer, phrases: Sequence[str], k: int) -> bool:
    texts = [_norm(c.text) for c in answer.citations[:k]]
    return any(_norm(p) in t for p in phrases for t in texts)


def _answer_rank(answer: Answer, phrases: Sequence[str], texts: Mapping[str, str]) -> int | None:
    """The retrieval rank (1 = first) of the first weighed clause holding an answering phrase."""
    wanted = [_norm(p) for p in phrases]
    for sc in sorted(answer.scored, key=lambda s: s.rank):
        text = texts.get(sc.clause_id, "")
        if any(p in text for p in wanted):
            return sc.rank + 1  # ranks count from 0
    return None


def evaluate_rows(
    rows: Iterable[dict[str, Any]],
    *,
    load: Callable[[Path], str] | None,
    ask: Callable[[str, str], Answer] | None,
    datasets: Path = DEFAULT_DATASETS,
    clause_texts: Callable[[str], Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """Ask every row's question about its policy and score the answers.

    ``load(path) -> policy id`` reads a policy once; ``ask(question, policy id) -> Answer``.
    Rows whose policy file is missing are counted in ``skipped``. cited@k counts the questions
    with answering phrases whose first k citations hold one of them. With ``clause_texts(policy
    id) -> {clause id: text}``, ``retrieved_at`` also says how often retrieval ranked an
    answering clause among the first k of the clauses the answer stage weighed (whatever it
    then cited): what separates a retrieval miss from a citing miss.
    """
    ids: dict[str, str | None] = {}
    right = with_phrases = cited1 = cited3 = 0
    confusion: Counter[tuple[str, str]] = Counter()
    per: dict[str, Counter[str]] = {v: Counter() for v in VERDICTS}
    misses: Counter[tuple[str, str, str]] = Counter()
    missed: list[dict[str, Any]] = []
    skipped = 0
    n = 0
    ranks: list[int | None] = []
    texts: dict[str, dict[str, str]] = {}
    for row in rows:
        key = row["policy"]
        if key not in ids:
            path = policy_path(row, datasets)
            ids[key] = load(path) if path.exists() and load is not None else None
        pid = ids[key]
        if pid is None or ask is None:
            skipped += 1
            continue
        n += 1
        ans = ask(row["question"], pid)
        gold = row["verdict"]
        ok = ans.verdict == gold
        right += ok
        confusion[(gold, ans.verdict)] += 1
        stats = per.setdefault(gold, Counter())
        stats["n"] += 1
        stats["right"] += ok
        c3 = False
        if row.get("phrases"):
            with_phrases += 1
            stats["with_phrases"] += 1
            c1, c3 = _cited(ans, row["phrases"], 1), _cited(ans, row["phrases"], 3)
            cited1 += c1
            cited3 += c3
            stats["cited3"] += c3
            if clause_texts is not None:
                if pid not in texts:
                    texts[pid] = {k: _norm(v) for k, v in clause_texts(pid).items()}
                ranks.append(_answer_rank(ans, row["phrases"], texts[pid]))
        if not ok:
            misses[(gold, ans.verdict, ans.reason)] += 1
        if not ok or (row.get("phrases") and not c3):
            missed.append({
                "id": row.get("id"), "question": row["question"], "expected": gold,
                "verdict": ans.verdict, "reason": ans.reason, "cited": c3,
            })
    pct = lambda a, b: round(100.0 * a / b, 1) if b else 0.0  # noqa: E731
    return {
        "questions": n,
        "policies": sum(1 for v in ids.values() if v is not None),
        "skipped": skipped,
        "verdict_accuracy": pct(right, n),
        "cited_at_1": pct(cited1, with_phrases),
        "cited_at_3": pct(cited3, with_phrases),
        "with_phrases": with_phrases,
        "retrieved_at": {
            str(k): pct(sum(1 for r in ranks if r is not None and r <= k), len(ranks))
            for k in (1, 3, 5, 10, 20)
        } if ranks else {},
        "per_verdict": {
            v: {
                "questions": s["n"],
                "accuracy": pct(s["right"], s["n"]),
                "cited_at_3": pct(s["cited3"], s["with_phrases"]),
            }
            for v, s in per.items() if s["n"]
        },
        "confusion": {g: {p: confusion[(g, p)] for p in VERDICTS} for g in VERDICTS},
        "miss_reasons": [
            {"expected": g, "verdict": p, "reason": r, "count": c}
            for (g, p, r), c in misses.most_common()
        ],
        "misses": missed,
    }


def format_qa_report(report: dict[str, Any], title: str = "Lay questions") -> str:
    """The report as Markdown: the headline figures, per verdict, the confusion, the misses."""
    lines = [
        f"## {title}: {report['questions']} questions, {report['policies']} policies"
        + (f" ({report['skipped']} skipped: policy file missing)" if report["skipped"] else ""),
        "",
        f"verdict accuracy {report['verdict_accuracy']:.1f}%, cited@1 {report['cited_at_1']:.1f}%, "
        f"cited@3 {report['cited_at_3']:.1f}% (of {report['with_phrases']} with answering phrases)",
        *([
            "retrieval ranked an answering clause in the first k of those weighed: "
            + ", ".join(f"@{k} {v:.1f}%" for k, v in report["retrieved_at"].items())
        ] if report.get("retrieved_at") else []),
        "",
        "| expected | questions | verdict right | cited@3 |",
        "|---|---:|---:|---:|",
    ]
    for v, s in report["per_verdict"].items():
        lines.append(f"| {v} | {s['questions']} | {s['accuracy']:.1f}% | {s['cited_at_3']:.1f}% |")
    lines += ["", "| expected \\ answered | " + " | ".join(VERDICTS) + " |",
              "|---|" + "---:|" * len(VERDICTS)]
    for g in VERDICTS:
        lines.append(f"| {g} | " + " | ".join(str(report["confusion"][g][p]) for p in VERDICTS)
                     + " |")
    if report["miss_reasons"]:
        lines += ["", "| expected | answered | reason | misses |", "|---|---|---|---:|"]
        for m in report["miss_reasons"]:
            lines.append(f"| {m['expected']} | {m['verdict']} | {m['reason']} | {m['count']} |")
    return "\n".join(lines)
